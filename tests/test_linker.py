"""Linking a question to the cases it names (no model, no index)."""

import json

from assistant.linker import CaseLinker

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


def test_a_shared_name_is_narrowed_by_the_court_the_question_names():
    docs = [("gz", {"title": "Ultraman case, Guangzhou Internet Court", "doc_type": "judgment",
                    "aliases": json.dumps(["Ultraman case"])}),
            ("hz", {"title": "Ultraman LoRA case, Hangzhou Internet Court", "doc_type": "judgment",
                    "aliases": json.dumps(["Ultraman case"])})]
    assert CaseLinker(docs).link("In the Guangzhou Internet Court's Ultraman case, what was paid?") == ["gz"]
    assert sorted(CaseLinker(docs).link("What did the Ultraman case decide?")) == ["gz", "hz"]
