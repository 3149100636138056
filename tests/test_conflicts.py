"""An upload's claim about a curated case is compared with the case's own record (real library,
real embeddings; no model: the sentences stand for what a model would write from the upload)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_reliability import copy_library

from assistant.citations import CitationChecker
from assistant.config import Settings
from assistant.conflicts import ConflictCheck
from assistant.embeddings import get_embeddings
from assistant.index import Library
from assistant.retrieval import HybridRetriever
from assistant.types import Statement

MEMO = """# Memo on Li v. Liu, Beijing Internet Court

1. This memo reviews the Beijing Internet Court's judgment in Li v. Liu on an image made with Stable Diffusion.

2. According to our notes, the Beijing Internet Court awarded Mr. Li RMB 2,000,000 in damages, and the judgment
was later overturned on appeal.

3. According to our notes, the Beijing Internet Court awarded Mr. Li RMB 500 in damages and ordered an apology.

4. Our notes add that the Copyright Office later restored full protection to every Midjourney image in Zarya of
the Dawn.
"""


@pytest.fixture(scope="module")
def with_memo(library_settings: Settings, library: Library, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("conflicts")
    settings = copy_library(library_settings, root)
    upload = root / "memo.md"
    upload.write_text(MEMO, encoding="utf-8")
    memo_library = Library(settings)
    memo_id = memo_library.ingest([upload]).added[0]
    retriever = HybridRetriever(library=memo_library)
    origins = {sid: e["origin"] for sid, e in memo_library.documents().items()}
    checker = CitationChecker(embed=get_embeddings(Path(settings.embedding_model)).embed_documents)
    return ConflictCheck(retriever, checker), retriever, memo_id, origins


def _run(with_memo, sentence: str, paragraph: int, linked: list[str]):
    check, retriever, memo_id, origins = with_memo
    evidence = retriever.paragraphs(memo_id, [paragraph])
    statement = Statement(text=sentence, cited=[1], supported=True)
    return check.run([statement], evidence, linked, origins)


def test_an_upload_contradicting_the_award_is_shown_with_the_record(with_memo) -> None:
    found = _run(with_memo, "The Beijing Internet Court awarded Mr. Li RMB 2,000,000 in damages in Li v. Liu.", 2, [])
    assert len(found) == 1
    conflict = found[0][1]
    assert conflict.case_id == "cn-bjic-2023-li-v-liu"
    assert "RMB 500" in conflict.record and conflict.record.startswith("Remedies")
    assert conflict.record_passages and all(p.source_id == "cn-bjic-2023-li-v-liu" for p in conflict.record_passages)


def test_an_upload_contradicting_the_appeal_is_a_conflict(with_memo) -> None:
    found = _run(with_memo, "The judgment was later overturned on appeal.", 2, ["cn-bjic-2023-li-v-liu"])
    assert len(found) == 1 and found[0][1].record.startswith("Appeal")


def test_an_upload_agreeing_with_the_record_is_no_conflict(with_memo) -> None:
    assert _run(with_memo, "The Beijing Internet Court awarded Mr. Li RMB 500 in damages in Li v. Liu.", 3, []) == []


def test_a_curated_source_is_never_checked_as_an_upload(with_memo) -> None:
    check, retriever, _, origins = with_memo
    evidence = retriever.paragraphs("cn-bjic-2023-li-v-liu", [30])
    statement = Statement(text="The court awarded RMB 500.", cited=[1], supported=True)
    assert check.run([statement], evidence, ["cn-bjic-2023-li-v-liu"], origins) == []


def test_an_upload_contradicting_a_holding_is_a_conflict(with_memo) -> None:
    found = _run(with_memo, "The Midjourney images in Zarya of the Dawn are protected by copyright.", 4, [])
    assert len(found) == 1 and found[0][1].case_id == "us-usco-2023-zarya-of-the-dawn"


def test_an_upload_restating_a_holding_is_no_conflict(with_memo) -> None:
    sentence = "The Copyright Office found that the Midjourney images in Zarya of the Dawn are not the product of human authorship."
    assert _run(with_memo, sentence, 4, []) == []
