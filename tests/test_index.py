"""The index with the real embedding model and the real embedded Chroma."""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import chromadb
import pytest
from langchain_chroma import Chroma

from assistant.config import Settings
from assistant.embeddings import get_embeddings
from assistant.index import Library

REPO = Path(__file__).resolve().parents[1]


def _doc(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.md"
    path.write_text(f"# {name}\n\n1. {body}\n\n2. A second paragraph about {name} and its facts.\n", encoding="utf-8")
    return path


def _chunk_audit(library: Library) -> tuple[Counter, set[str]]:
    got = library.collection.get(include=["metadatas"])
    per_source = Counter(m["source_id"] for m in got["metadatas"])
    assert len(got["ids"]) == len(set(got["ids"])), "duplicate chunk ids"
    return per_source, set(got["ids"])


def test_curated_library_is_complete_and_consistent(library: Library) -> None:
    stats = library.stats()
    assert stats["documents"] == len(list((REPO / "corpus").glob("*.md"))) + 1 and stats["pending"] == 0
    per_source, _ = _chunk_audit(library)
    documents = library.documents()
    assert set(per_source) == set(documents)
    assert all(per_source[sid] == entry["chunks"] for sid, entry in documents.items())


def test_the_collection_is_chromadbs_own_opened_as_langchain_chroma_opens_it(library: Library) -> None:
    collection = library.collection
    assert isinstance(collection, chromadb.Collection) and collection.name == library.settings.collection
    assert collection.metadata == {"hnsw:space": "cosine"}
    assert collection.configuration["embedding_function"] is None, "we embed; chromadb must not"
    assert collection.count() == library.stats()["chunks"]
    assert library.store.get(limit=1)["ids"][0] in set(collection.get()["ids"]), "one collection, seen two ways"


def test_a_collection_langchain_chroma_created_alone_is_opened_unchanged(tmp_path: Path, model_dir: Path) -> None:
    """Indexes built before the library kept its own chromadb collection must keep working."""
    settings = Settings(data_dir=tmp_path / "data", model_dir=model_dir)
    client = chromadb.PersistentClient(path=str(settings.chroma_dir),
                                       settings=chromadb.Settings(anonymized_telemetry=False))
    Chroma(client=client, collection_name=settings.collection, collection_metadata={"hnsw:space": "cosine"},
           embedding_function=get_embeddings(Path(settings.embedding_model))).add_texts(
        ["The lighthouse keeper's logbook."], metadatas=[{"source_id": "old"}], ids=["old:0"])
    library = Library(settings)
    assert library.collection.get()["ids"] == ["old:0"]
    (passage, distance), = library.dense_search("The lighthouse keeper's logbook.", k=1)
    assert passage.metadata["source_id"] == "old" and distance < 1e-3, "cosine distance, as before"


def test_reingest_skips_unchanged_replaces_changed_and_never_duplicates(tmp_path: Path, model_dir: Path) -> None:
    library = Library(Settings(data_dir=tmp_path / "data", model_dir=model_dir))
    folder = tmp_path / "docs"
    folder.mkdir()
    first = _doc(folder, "alpha", "Alpha was decided on 1 May 2020.")
    _doc(folder, "beta", "Beta concerns a photograph.")
    report = library.ingest([folder])
    assert len(report.added) == 2 and not report.rejected
    again = library.ingest([folder])
    assert len(again.skipped) == 2 and not again.added and not again.replaced
    first.write_text("# alpha\n\n1. Alpha was overturned on 2 June 2021.\n", encoding="utf-8")
    changed = library.ingest([folder])
    assert len(changed.replaced) == 1
    per_source, _ = _chunk_audit(library)
    alpha_id = next(sid for sid in per_source if "alpha" in sid)
    assert per_source[alpha_id] == 1
    texts = library.collection.get(where={"source_id": alpha_id}, include=["documents"])["documents"]
    assert "overturned" in texts[0]


def test_a_broken_file_is_rejected_and_the_rest_of_the_batch_is_kept(tmp_path: Path, model_dir: Path) -> None:
    library = Library(Settings(data_dir=tmp_path / "data", model_dir=model_dir))
    folder = tmp_path / "docs"
    folder.mkdir()
    _doc(folder, "good", "A good document.")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    report = library.ingest([folder])
    assert len(report.added) == 1
    assert len(report.rejected) == 1 and "broken.pdf" in report.rejected[0][1]
    assert library.stats()["documents"] == 1


def test_removing_a_curated_file_drops_it_on_the_next_curated_ingest(tmp_path: Path, model_dir: Path, monkeypatch) -> None:
    import assistant.index as index

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("cn-huangpu-2025-prompts", "cn-bjic-2025-cat-pendant"):
        (corpus / f"{name}.md").write_text((REPO / "corpus" / f"{name}.md").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(index, "CURATED_DIRS", (corpus,))
    library = Library(Settings(data_dir=tmp_path / "data", model_dir=model_dir))
    assert len(library.ingest().added) == 2
    (corpus / "cn-huangpu-2025-prompts.md").unlink()
    report = library.ingest()
    assert report.removed == ["cn-huangpu-2025-prompts"]
    per_source, _ = _chunk_audit(library)
    assert set(per_source) == {"cn-bjic-2025-cat-pendant"}


def test_an_ingest_killed_midway_is_completed_by_the_next_run(tmp_path: Path, model_dir: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(200):
        _doc(folder, f"doc{number:03d}", f"Document {number} records that the award was {number} units.")
    env = {**os.environ, "CA_DATA_DIR": str(tmp_path / "data"), "CA_MODEL_DIR": str(model_dir)}
    command = [sys.executable, "-m", "assistant.cli", "ingest", str(folder)]
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    settings = Settings(data_dir=tmp_path / "data", model_dir=model_dir)
    deadline = time.time() + 120
    while time.time() < deadline and Library(settings).stats()["documents"] < 20:
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    partial = Library(settings).stats()["documents"]
    assert 0 < partial < 200, "the kill should land midway"

    result = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    library = Library(settings)
    stats = library.stats()
    assert stats["documents"] == 200 and stats["pending"] == 0
    per_source, ids = _chunk_audit(library)
    assert len(per_source) == 200 and all(count == 2 for count in per_source.values())
    assert len(ids) == 400


_WRITER = """
import sys
from pathlib import Path
import chromadb
import pytest
from langchain_chroma import Chroma

from assistant.config import Settings
from assistant.embeddings import get_embeddings
from assistant.index import Library
library = Library(Settings(data_dir=Path(sys.argv[1]), model_dir=Path(sys.argv[2])))
ready = Path(sys.argv[3])
while not ready.exists():
    pass
library.ingest([Path(p) for p in sys.argv[4:]])
"""


@pytest.mark.slow
def test_two_processes_ingesting_at_once_lose_nothing(tmp_path: Path, model_dir: Path) -> None:
    """Two real processes ingest different documents at the same moment, three rounds: every
    document ends up listed, searchable and counted once (the manifest lock)."""
    data = tmp_path / "data"
    folder = tmp_path / "docs"
    folder.mkdir()
    names: list[str] = []
    topics = iter("lighthouse violin glacier orchid saffron harpoon meteor tundra canyon falcon quartz walnut".split())
    topic_of: dict[str, str] = {}
    for round_ in range(3):
        go = tmp_path / f"go-{round_}"
        batches = []
        for writer in ("a", "b"):
            batch = []
            for i in range(2):
                name = f"doc-{writer}{round_}{i}"
                topic_of[name] = next(topics)
                batch.append(_doc(folder, name, f"This memo is about a {topic_of[name]} and nothing else."))
            names += [p.stem for p in batch]
            batches.append(batch)
        processes = [subprocess.Popen([sys.executable, "-c", _WRITER, str(data), str(model_dir), str(go),
                                       *map(str, batch)], cwd=REPO) for batch in batches]
        time.sleep(3)  # both have loaded the library code and wait on the same signal
        go.touch()
        assert all(p.wait(timeout=300) == 0 for p in processes)
    library = Library(Settings(data_dir=data, model_dir=model_dir))
    documents = library.documents()
    by_file = {Path(entry["path"]).stem: source_id for source_id, entry in documents.items()}
    assert sorted(by_file) == sorted(names) and len(documents) == len(names)
    per_source, _ = _chunk_audit(library)
    assert all(per_source[sid] == documents[sid]["chunks"] for sid in documents)
    assert sum(per_source.values()) == sum(e["chunks"] for e in documents.values())
    from assistant.retrieval import HybridRetriever

    retriever = HybridRetriever(library=library)
    for name in names:
        found = retriever.run(f"the {topic_of[name]}", k=3).passages
        assert any(p.source_id == by_file[name] for p in found), name
