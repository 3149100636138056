"""Case linking, card parsing and answer-type detection (no model, no index)."""

import json

from assistant.cases import (
    CaseLinker,
    answer_types,
    asks_reasoning,
    card_fields_asked,
    card_text,
    paragraph_numbers,
    pinpoint_paragraphs,
    types_in,
    without_pinpoint,
)

DOCS = [
    ("cn-li", {"title": "Li v. Liu (AI-generated image case), Beijing Internet Court", "doc_type": "judgment",
               "aliases": json.dumps(["Li v. Liu", "李某某诉刘某某", "Spring Breeze image", "春风送来了温柔",
                                      "Stable Diffusion case"], ensure_ascii=False),
               "case_number": "(2023) Jing 0491 Min Chu No. 11279"}),
    ("cn-gz", {"title": "Ultraman (Guangzhou Internet Court)", "doc_type": "judgment",
               "aliases": json.dumps(["Guangzhou Ultraman case", "Ultraman"])}),
    ("cn-hz", {"title": "Ultraman LoRA (Hangzhou Internet Court)", "doc_type": "judgment",
               "aliases": json.dumps(["Ultraman LoRA case", "奥特曼LoRA案", "Ultraman"], ensure_ascii=False)}),
    ("us-thaler", {"title": "Thaler v. Perlmutter, D.C. Circuit", "doc_type": "judgment"}),
    ("uk-cdpa", {"title": "CDPA 1988 s. 9(3)", "doc_type": "statute", "aliases": json.dumps(["CDPA section 9(3)"])}),
]


def linker() -> CaseLinker:
    return CaseLinker(DOCS)


def test_links_english_and_chinese_names():
    assert linker().link("How much did the court award in Li v Liu?") == ["cn-li"]
    assert linker().link("李某某诉刘某某案的赔偿金额是多少?") == ["cn-li"]
    assert linker().link("Who owns the Spring Breeze image?") == ["cn-li"]
    assert linker().link("《春风送来了温柔》这张图归谁?") == ["cn-li"]


def test_links_title_name_and_case_number_without_aliases():
    assert linker().link("Thaler v. Perlmutter: what did the court hold?") == ["us-thaler"]
    assert linker().link("What is case (2023) Jing 0491 Min Chu No. 11279 about?") == ["cn-li"]


def test_two_cases_and_shared_names():
    assert linker().link("Compare Li v. Liu with Thaler v. Perlmutter") == ["cn-li", "us-thaler"]
    assert linker().link("What did the Ultraman LoRA case decide?") == ["cn-hz"]
    assert set(linker().link("What did the Ultraman cases decide?")) == {"cn-gz", "cn-hz"}


def test_no_link_for_ordinary_words():
    assert linker().link("Can an AI-generated image be protected by copyright in China?") == []


def test_names_are_taken_out_of_the_topic():
    topic = linker().without_names("What did Li v. Liu award?", ["cn-li"])
    assert "liu" not in topic and "award" in topic


def test_card_pinpoints_and_text():
    assert pinpoint_paragraphs("RMB 500 in damages and a public apology (¶29-30)") == [29, 30]
    assert pinpoint_paragraphs("posting online (¶4, ¶11)") == [4, 11]
    assert without_pinpoint("RMB 500 in damages (¶30)") == "RMB 500 in damages"
    assert paragraph_numbers("29–30") == {29, 30}
    assert card_text({"remedies": "RMB 500 (¶30)"}) == "Remedies: RMB 500 (¶30)"


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


def test_a_shared_name_is_narrowed_by_the_court_the_question_names():
    docs = [("gz", {"title": "Ultraman case, Guangzhou Internet Court", "doc_type": "judgment",
                    "aliases": json.dumps(["Ultraman case"])}),
            ("hz", {"title": "Ultraman LoRA case, Hangzhou Internet Court", "doc_type": "judgment",
                    "aliases": json.dumps(["Ultraman case"])})]
    assert CaseLinker(docs).link("In the Guangzhou Internet Court's Ultraman case, what was paid?") == ["gz"]
    assert sorted(CaseLinker(docs).link("What did the Ultraman case decide?")) == ["gz", "hz"]


def test_held_and_appeal_fields_asked():
    assert "held" in card_fields_asked("What did the D.C. Circuit decide in Thaler v. Perlmutter?")
    assert "held" in card_fields_asked("Which of the author's rights did the blogger infringe?")
    assert "appeal" not in card_fields_asked("How was the final image chosen?")


def test_jurisdictions_a_question_names():
    from assistant.cases import allowed_jurisdictions, jurisdictions_named

    assert jurisdictions_named("How does Indian copyright law treat AI works?") == {"IN"}
    assert jurisdictions_named("美国最高法院是否受理了调卷令申请?") == {"US"}
    assert allowed_jurisdictions("Compare UK section 9(3) with the American position") is None
    assert allowed_jurisdictions("What does the EU AI Act require?") == {"EU", "DE", "CZ"}
    assert allowed_jurisdictions("Can AI art be protected?") is None
