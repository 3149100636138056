"""What a question asks for: card fields, answer types, jurisdictions (no model)."""

from assistant.questions import (
    allowed_jurisdictions,
    answer_types,
    asks_reasoning,
    card_fields_asked,
    jurisdictions_named,
    types_in,
)


def test_card_fields_asked():
    assert card_fields_asked("How much did the court award Li?") == ["remedies"]
    assert "decided" in card_fields_asked("When did the Beijing Internet Court decide Li v. Liu?")
    assert "decided" not in card_fields_asked("When did Li post the image on Xiaohongshu?")
    assert card_fields_asked("Was the judgment in Li v. Liu appealed?") == ["appeal"]
    assert card_fields_asked("What is the case number of Li v. Liu?") == ["case_number"]
    assert card_fields_asked("李某某诉刘某某案判赔多少?") == ["remedies"]
    assert card_fields_asked("Why was the picture protected?") == []
    assert asks_reasoning("What was awarded, and why?") and not asks_reasoning("What was awarded?")


def test_answer_types_of_questions_and_passages():
    assert "amount" in answer_types("How much was awarded?")
    assert "date" in answer_types("When was the image posted?")
    assert "place" in answer_types("Where did she post it?")
    assert "amount" in types_in("The court awarded RMB 500 in damages.")
    assert "date" in types_in("It was posted on 26 February 2023.")
    assert "amount" not in types_in("The court held that the image was a work.")


def test_held_and_appeal_fields_asked():
    assert "held" in card_fields_asked("What did the D.C. Circuit decide in Thaler v. Perlmutter?")
    assert "held" in card_fields_asked("Which of the author's rights did the blogger infringe?")
    assert "appeal" not in card_fields_asked("How was the final image chosen?")


def test_jurisdictions_a_question_names():
    assert jurisdictions_named("How does Indian copyright law treat AI works?") == {"IN"}
    assert jurisdictions_named("美国最高法院是否受理了调卷令申请?") == {"US"}
    assert allowed_jurisdictions("Compare UK section 9(3) with the American position") is None
    assert allowed_jurisdictions("What does the EU AI Act require?") == {"EU", "DE", "CZ"}
    assert allowed_jurisdictions("Can AI art be protected?") is None
