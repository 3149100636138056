"""Hybrid retrieval over the real curated library."""

from datetime import date

from assistant.retrieval import HybridRetriever, SearchFilters


def test_finds_the_li_v_liu_judgment_first(library) -> None:
    result = HybridRetriever(library=library).run("Who owned the image in the Stable Diffusion case, and why?")
    assert result.passages[0].source_id in {"cn-bjic-2023-li-v-liu", "seed-news-li-v-liu"}
    assert any(p.source_id == "cn-bjic-2023-li-v-liu" for p in result.passages[:3])
    assert all(p.locator for p in result.passages)


def test_a_chinese_question_finds_an_english_only_source(library) -> None:
    result = HybridRetriever(library=library).run("泰勒诉珀尔马特案中,美国上诉法院对人类作者身份是怎么认定的?")
    assert "us-thaler-v-perlmutter" in [p.source_id for p in result.passages[:5]]


def test_jurisdiction_and_date_filters_hold_on_both_retrievers(library) -> None:
    retriever = HybridRetriever(library=library)
    us_only = retriever.run("human authorship of AI images", filters=SearchFilters(jurisdiction="US"))
    assert us_only.passages and all(p.metadata["jurisdiction"] == "US" for p in us_only.passages)
    recent = retriever.run("AI generated image copyright", filters=SearchFilters(date_from=date(2025, 1, 1)))
    assert recent.passages and all(p.metadata["date"] >= "2025-01-01" for p in recent.passages)


def test_a_comparative_question_gets_passages_from_both_sides(library) -> None:
    result = HybridRetriever(library=library).run(
        "Compare the UK computer-generated works rule with the US human authorship requirement"
    )
    sources = {p.source_id for p in result.passages}
    assert "uk-cdpa-1988-s9-3" in sources
    assert sources & {"us-thaler-v-perlmutter", "us-usco-2025-report-part2", "us-usco-2023-registration-guidance"}


def test_a_ruling_described_by_court_and_subject_links_that_case_only(library) -> None:
    retriever = HybridRetriever(library=library)
    assert retriever.link("Does the Czech DALL-E ruling line up with the Beijing court's AI picture ruling?") == [
        "cn-bjic-2023-li-v-liu", "cz-prague-2023-ai-generated-image"]
    assert retriever.link("北京互联网法院AI文生图案的案号是什么?") == ["cn-bjic-2023-li-v-liu"]
    assert retriever.link("What did the Beijing Internet Court decide in 2019 about software-made reports?") == [
        "cn-bjic-2019-feilin-v-baidu"]
    # A user's own story names no case, however much it resembles one.
    assert retriever.link("I made a picture with Midjourney in Shanghai and a mall copied it; which court ruling helps me?") == []
