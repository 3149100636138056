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


def test_a_shared_chinese_name_is_narrowed_by_the_chinese_court_place():
    docs = [("gz", {"title": "Ultraman case, Guangzhou Internet Court", "doc_type": "judgment",
                    "court_or_body": "Guangzhou Internet Court", "card": "court: 广州互联网法院 (¶1)",
                    "aliases": json.dumps(["奥特曼案"], ensure_ascii=False)}),
            ("hz", {"title": "Ultraman LoRA case, Hangzhou Internet Court", "doc_type": "judgment",
                    "court_or_body": "Hangzhou Internet Court", "card": "court: 杭州互联网法院 (¶1)",
                    "aliases": json.dumps(["奥特曼案"], ensure_ascii=False)})]
    assert CaseLinker(docs).link("杭州法院审的那起奥特曼案，平台要担什么责任？") == ["hz"]
    assert CaseLinker(docs).link("奥特曼案，广州的那个，赔了多少？") == ["gz"]
    assert sorted(CaseLinker(docs).link("奥特曼案的判决要点是什么？")) == ["gz", "hz"]


def test_a_case_named_another_way():
    assert linker().link("李先生诉刘女士的那个AI画图案里,法院怎么说?") == ["cn-li"]
    assert linker().link("李某诉刘某案赔了多少?") == ["cn-li"]
    assert linker().link("Li versus Liu: who won?") == ["cn-li"]
    assert linker().link("Thaler那个案子里的画叫什么?") == ["us-thaler"]


def test_a_party_name_and_its_typo_link_only_a_case_of_its_own():
    docs = [("bartz", {"title": "Bartz v. Anthropic, N.D. Cal.", "doc_type": "judgment"}),
            ("kadrey", {"title": "Kadrey v. Meta Platforms, N.D. Cal.", "doc_type": "judgment"}),
            ("allen", {"title": "Allen v. Perlmutter, D. Colo.", "doc_type": "judgment"}),
            ("opera", {"title": "Théâtre D'opéra Spatial decision", "doc_type": "decision",
                       "aliases": json.dumps(["Jason Allen"])}),
            ("thaler", {"title": "Thaler v. Perlmutter", "doc_type": "judgment"})]
    cases = CaseLinker(docs)
    assert cases.link("Bartz and Kadery came out two days apart") == ["bartz", "kadrey"]
    assert cases.link("What did the court say in the Bartz ruling?") == ["bartz"]
    assert cases.link("Perlmutter lost again?") == []  # a party of two cases names neither
    assert cases.link("Why did Allen get nothing?") == []  # "Allen" is in two cases' names: neither
    assert cases.link("the bartz ruling") == []  # a one-word party name is written with a capital


def test_a_ruling_described_by_its_court_country_and_year():
    docs = [("li", {"title": "Li v. Liu (AI image), Beijing Internet Court", "doc_type": "judgment",
                    "court_or_body": "Beijing Internet Court", "date": "2023-11-27", "jurisdiction": "CN",
                    "card": json.dumps({"court": "Beijing Internet Court (北京互联网法院) (¶1)"}, ensure_ascii=False)}),
            ("feilin", {"title": "Feilin v. Baidu, Beijing Internet Court", "doc_type": "judgment",
                        "court_or_body": "Beijing Internet Court", "date": "2019-04-25", "jurisdiction": "CN"}),
            ("prague", {"title": "S. S. v TAUBEL LEGAL, Municipal Court in Prague", "doc_type": "judgment",
                        "court_or_body": "Municipal Court in Prague", "jurisdiction": "CZ"}),
            ("act", {"title": "Copyright Law", "doc_type": "statute", "jurisdiction": "CN"})]
    cases = CaseLinker(docs)
    assert cases.described("What did the Beijing Internet Court decide in 2019?") == [
        ("What did the Beijing Internet Court decide in 2019", "What did the Beijing Internet Court decide in 2019?",
         ["feilin"])]
    groups = cases.described("Does the Czech DALL-E ruling line up with the Beijing court's AI picture ruling?")
    assert sorted(group for _, _, group in groups) == [["feilin", "li"], ["prague"]]
    assert [group for _, _, group in cases.described("北京互联网法院AI文生图案的案号是什么")] == [["li"]]
    assert cases.described("Can AI pictures be protected in China?") == []  # names no ruling
