"""The streamed reply parser: the "Relevant:" header is read and hidden, whatever the token boundaries."""

from assistant.reply import ReplyParser


def _parse(pieces: list[str]) -> tuple[str, ReplyParser]:
    parser = ReplyParser()
    text = "".join(parser.feed(piece) for piece in pieces) + parser.flush()
    return text, parser


def test_reply_header_is_hidden_and_parsed_even_when_split_across_tokens() -> None:
    text, parser = _parse(["Rel", "evant: [2][3]\nAn", "swer: The court", " held [2]."])
    assert text == "The court held [2]." and parser.relevant == [2, 3] and not parser.none_relevant


def test_reply_header_none_means_no_source_answers() -> None:
    _, parser = _parse(["Relevant: none\nAnswer: The sources do not answer this question."])
    assert parser.none_relevant


def test_a_reply_without_the_format_passes_through() -> None:
    assert _parse(["The court ", "held X [1]."])[0] == "The court held X [1]."
