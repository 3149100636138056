"""Filtered dense search scores the allowed rows exactly from the stored vectors (what a comparison
does once per jurisdiction); it must rank as Chroma's own filtered search does, and its on-disk
copy of the vectors must follow the library as it changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from assistant.config import RetrievalSettings, Settings
from assistant.index import Library
from assistant.retrieval import HybridRetriever, SearchFilters

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "Can an image generated with an AI tool be protected by copyright?",
    "Is training an AI model on copyrighted works without permission lawful?",
    "Does the text and data mining exception cover building a dataset?",
]


def test_exact_filtered_dense_finds_the_true_nearest_passages_of_the_jurisdiction(library: Library) -> None:
    """The exact ranking is the brute-force one, and never worse than Chroma's filtered HNSW search
    (which, searching wide and filtering after, can miss a passage)."""
    exact = HybridRetriever(library=library, mode="dense", settings=RetrievalSettings(k=10))
    chroma = HybridRetriever(library=library, mode="dense", settings=RetrievalSettings(k=10), filtered_dense="chroma")
    view = library.lexical()
    for question in QUESTIONS:
        vector = library.embed_query(question)
        for code in ("CN", "US", "UK", "EU", "CZ", "IN"):
            filters = SearchFilters(jurisdiction=code)
            rows = np.flatnonzero(filters.mask(view))
            truth = library.chunk_vectors([view.ids[r] for r in rows]) @ vector
            best = [view.ids[rows[i]] for i in np.argsort(-truth, kind="stable")[:exact.settings.candidates]]
            found = exact._dense(question, filters, view, filters.mask(view))
            assert [chunk_id for chunk_id, *_ in found] == best, (question, code)
            ours = exact.run(question, filters=filters, cases=[])
            theirs = chroma.run(question, filters=filters, cases=[])
            assert abs(ours.best_dense - theirs.best_dense) < 1e-4
            assert all(p.metadata["jurisdiction"] == code for p in ours.passages)


def test_a_filter_nothing_matches_finds_nothing(library: Library) -> None:
    retriever = HybridRetriever(library=library)
    result = retriever.run(QUESTIONS[0], filters=SearchFilters(jurisdiction="US", doc_type="news"))
    assert result.passages == [] and result.best_dense == 0.0


def test_stored_vectors_are_row_aligned_with_the_lexical_view(library: Library) -> None:
    view = library.lexical()
    matrix = library.vectors(view)
    assert matrix.shape == (len(view.ids), 384)
    picks = [0, len(view.ids) // 2, len(view.ids) - 1]
    assert np.allclose(matrix[picks], library.chunk_vectors([view.ids[i] for i in picks]), atol=1e-6)


def test_the_vectors_file_is_reused_and_replaced_when_the_library_changes(tmp_path: Path, model_dir: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", model_dir=model_dir)
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("uk-cdpa-1988-s9-3.md", "jp-copyright-act-art-30-4.md"):
        shutil.copy(REPO / "corpus" / name, folder)
    library = Library(settings)
    library.ingest([folder])
    retriever = HybridRetriever(library=library)
    assert retriever.run(QUESTIONS[1], filters=SearchFilters(jurisdiction="JP")).passages
    files = sorted(settings.data_dir.glob("*.vectors-*.npy"))
    assert len(files) == 1

    reopened = Library(settings)  # a later process maps the file instead of reading the store
    assert isinstance(reopened.vectors(reopened.lexical()), np.memmap)

    library.remove("jp-copyright-act-art-30-4")
    result = retriever.run(QUESTIONS[1], filters=SearchFilters(jurisdiction="JP"))
    assert result.passages == []
    assert retriever.run(QUESTIONS[0], filters=SearchFilters(jurisdiction="UK")).passages
    newer = sorted(settings.data_dir.glob("*.vectors-*.npy"))
    assert len(newer) == 1 and newer != files
    assert np.load(newer[0]).shape[0] == len(library.lexical().ids)
