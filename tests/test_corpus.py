"""The curated library itself: valid metadata, every listed source present, key facts and eval ids intact."""

import json
import re
from pathlib import Path

import pytest
import yaml

from assistant.cards import CARD_LOCATOR
from assistant.chunking import chunk_document
from assistant.loaders import load_file
from assistant.schema import validate_curated

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
SEED_SIDECAR = REPO / "seeds" / "seed-news-li-v-liu.meta.yaml"
SEED_ID = "seed-news-li-v-liu"
SOURCES_MD = REPO.parent / "shared" / "corpus" / "SOURCES.md"
SOURCES_2_MD = REPO.parent / "shared" / "corpus" / "SOURCES-2.md"
QUESTIONS = REPO / "tests" / "eval" / "questions.jsonl"
CORPUS_FILES = sorted(CORPUS.glob("*.md"))

# The id table of SOURCES.md, for clones that lack the shared research folder.
EXPECTED_IDS = (
    "cn-bjic-2023-li-v-liu",
    "cn-copyright-law-2020",
    "cn-copyright-regulations",
    "cn-genai-interim-measures-2023",
    "cn-ai-labeling-measures-2025",
    "cn-bjic-2019-feilin-v-baidu",
    "cn-nanshan-2019-dreamwriter",
    "cn-gzic-2024-ultraman",
    "cn-hzic-2024-ultraman-lora",
    "cn-changshu-2025-half-heart",
    "cn-zhangjiagang-2025-butterfly-chair",
    "cn-bjic-2025-cat-pendant",
    "cn-huangpu-2025-prompts",
    "cn-commentary-li-v-liu",
    "us-usco-2023-registration-guidance",
    "us-usco-2023-zarya-of-the-dawn",
    "us-usco-2023-theatre-dopera-spatial",
    "us-thaler-v-perlmutter",
    "us-usco-2025-report-part2",
    "uk-cdpa-1988-s9-3",
    "eu-ai-act-2024",
    "jp-copyright-act-art-30-4",
    "seed-news-li-v-liu",
)
# The id table of SOURCES-2.md (training-data cases and more jurisdictions).
EXPECTED_IDS_2 = (
    "us-ddel-2025-thomson-reuters-v-ross",
    "us-ndcal-2025-bartz-v-anthropic",
    "us-ndcal-2025-kadrey-v-meta",
    "us-ndcal-2024-andersen-v-stability",
    "us-sdny-2025-nyt-v-microsoft-openai",
    "us-dcolo-2024-allen-v-perlmutter",
    "us-usco-2025-report-part3",
    "uk-ewhc-2025-getty-v-stability",
    "uk-gov-2024-copyright-ai-consultation",
    "de-lg-hamburg-2024-kneschke-v-laion",
    "de-lg-munich-2025-gema-v-openai",
    "eu-gpai-code-of-practice-2025",
    "eu-cjeu-c-250-25-like-company-v-google",
    "cz-prague-2023-ai-generated-image",
    "jp-aca-2024-ai-copyright-general-understanding",
    "kr-mcst-2025-genai-registration-guide",
    "in-dhc-2024-ani-v-openai",
)


def _seed_text_file() -> Path:
    return SEED_SIDECAR.with_name(yaml.safe_load(SEED_SIDECAR.read_text(encoding="utf-8"))["file"])


def _library_ids() -> set[str]:
    return {path.stem for path in CORPUS_FILES} | {SEED_ID}


def _table_ids(sources_md: str) -> list[str]:
    """Ids from the first table of SOURCES.md ("| id | what |" rows)."""
    table = re.search(r"^\| id \| what \|\n(?:\|.*\n?)+", sources_md, re.MULTILINE)
    assert table, "SOURCES.md has no '| id | what |' table"
    return re.findall(r"^\|\s*([a-z0-9]+(?:-[a-z0-9]+)+)\s*\|", table.group(), re.MULTILINE)


def _body(doc_id: str) -> str:
    return (CORPUS / f"{doc_id}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.stem for p in CORPUS_FILES])
def test_corpus_document_is_valid_and_numbered_continuously(path):
    doc = load_file(path, curated=True)
    numbers = list(dict.fromkeys(chunk.metadata["paragraph"] for chunk in chunk_document(doc)
                                 if chunk.metadata["locator"] != CARD_LOCATOR))
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)], "paragraphs must be numbered 1..N"


def test_seed_article_and_sidecar_validate():
    sidecar = yaml.safe_load(SEED_SIDECAR.read_text(encoding="utf-8"))
    assert validate_curated(SEED_SIDECAR, sidecar).id == SEED_ID
    doc = load_file(_seed_text_file(), curated=True)
    assert doc.meta.id == SEED_ID and doc.meta.doc_type == "news"


def test_every_listed_source_has_a_document():
    listed = _table_ids(SOURCES_MD.read_text(encoding="utf-8")) if SOURCES_MD.exists() else list(EXPECTED_IDS)
    assert len(listed) == len(set(listed)) == len(EXPECTED_IDS)
    assert sorted(set(listed) - _library_ids()) == []


def test_every_source_of_the_second_sheet_has_a_document():
    listed = _table_ids(SOURCES_2_MD.read_text(encoding="utf-8")) if SOURCES_2_MD.exists() else list(EXPECTED_IDS_2)
    assert sorted(listed) == sorted(EXPECTED_IDS_2)
    assert sorted(set(listed) - _library_ids()) == []


def test_every_document_has_status_as_of_and_topics_and_every_case_a_card_and_aliases():
    for path in CORPUS_FILES:
        meta = load_file(path, curated=True).meta
        assert meta.status and meta.as_of and meta.topics, path.name
        if meta.doc_type in ("judgment", "decision"):
            assert meta.aliases and meta.card and meta.card.fields(), path.name


def test_fallback_id_list_matches_sources_md():
    if not SOURCES_MD.exists():
        pytest.skip("shared research folder not present")
    assert sorted(_table_ids(SOURCES_MD.read_text(encoding="utf-8"))) == sorted(EXPECTED_IDS)


def test_li_v_liu_key_facts():
    text = _body("cn-bjic-2023-li-v-liu")
    assert "11279" in text
    assert "27 November 2023" in text or "27 Nov 2023" in text
    assert "RMB 500 " in text and "5,000" in text
    assert "right of authorship" in text and "communication via information network" in text


def test_thaler_appeal_date():
    text = _body("us-thaler-v-perlmutter")
    assert "18 March 2025" in text or "March 18, 2025" in text


def test_eval_questions_parse_and_cite_existing_sources():
    lines = [line for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [json.loads(line) for line in lines]
    assert len({q["id"] for q in questions}) == len(questions)
    library = _library_ids()
    for question in questions:
        assert question["question"].strip() and isinstance(question["answerable"], bool)
        missing = set(question["relevant_sources"]) - library
        assert not missing, f"{question['id']} cites unknown sources {sorted(missing)}"
