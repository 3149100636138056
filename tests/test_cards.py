"""The case card format: pinpoints and the card as a passage."""

from assistant.cards import card_text, paragraph_numbers, pinpoint_paragraphs, without_pinpoint


def test_card_pinpoints_and_text():
    assert pinpoint_paragraphs("RMB 500 in damages and a public apology (¶29-30)") == [29, 30]
    assert pinpoint_paragraphs("posting online (¶4, ¶11)") == [4, 11]
    assert without_pinpoint("RMB 500 in damages (¶30)") == "RMB 500 in damages"
    assert paragraph_numbers("29–30") == {29, 30}
    assert card_text({"remedies": "RMB 500 (¶30)"}) == "Remedies: RMB 500 (¶30)"
