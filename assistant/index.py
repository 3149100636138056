"""The library: chunks in a Chroma collection, a manifest of what is in it, and its BM25 twin.

Crash safety rests on one rule: a document's manifest entry is marked ``pending`` before its
chunks change and ``complete`` after (assistant.manifest), and chunks are always deleted by
``source_id`` (not by remembered ids). A run that finds a pending entry redoes or drops that
document, so an ingest killed at any point leaves no duplicates and no orphans once the next run
finishes.
"""

from __future__ import annotations

import os
import pickle
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import chromadb
import httpx
import numpy as np
from langchain_chroma import Chroma
from langchain_core.documents import Document

from assistant.card_extraction import with_extracted_card
from assistant.chunking import chunk_document
from assistant.config import Settings
from assistant.embeddings import get_embeddings
from assistant.injection import SCREEN_VERSION
from assistant.lexical import BM25Index
from assistant.loaders import LoadedDocument, LoadError, content_hash, discover, load_file
from assistant.manifest import Entry, LockedManifest, Manifest, private_tmp
from assistant.ocr import OcrProgress, PageReading, remember, remembered_file
from assistant.schema import CARD_FIELDS, SchemaError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CURATED_DIRS = (PROJECT_ROOT / "corpus", PROJECT_ROOT / "seeds")
_ADD_BATCH = 256
_READ_PAGE = 10_000  # SQLite refuses more than 32,766 variables in one query
_COLLECTION_METADATA = {"hnsw:space": "cosine"}  # dense_search reports cosine distances


def embedding_text(metadata: dict[str, Any], text: str) -> str:
    """What gets indexed: the passage under its document title and locator, so that a passage
    saying only "the court held…" is still found by a question naming the case."""
    return f"{metadata.get('title', '')} — {metadata.get('locator', '')}\n{text}"


def passage_text(stored: str) -> str:
    """The passage itself, without the title line that was prepended for embedding."""
    return stored.split("\n", 1)[1] if "\n" in stored else stored


class LibraryUnavailable(RuntimeError):
    """The Chroma server that holds the library cannot be reached (stopped, restarting, wrong address)."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    chunks_written: int = 0


@dataclass
class LexicalView:
    """The BM25 index with, row by row, the chunk ids, texts and metadata it was built from.

    The filterable fields are also kept as arrays, so a filter costs one vector comparison
    instead of a Python loop over every chunk (~120 ms at 100k chunks)."""

    bm25: BM25Index
    ids: list[str]
    texts: list[str]
    metadatas: list[dict[str, Any]]
    jurisdiction: np.ndarray = field(init=False)
    doc_type: np.ndarray = field(init=False)
    date_num: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.jurisdiction = np.array([m.get("jurisdiction", "") for m in self.metadatas], dtype=object)
        self.doc_type = np.array([m.get("doc_type", "") for m in self.metadatas], dtype=object)
        self.date_num = np.array([int(m.get("date_num") or 0) for m in self.metadatas], dtype=np.int64)


@dataclass(frozen=True)
class _OpenStore:
    """One Chroma collection seen two ways, opened and forgotten together."""

    collection: chromadb.Collection  # chromadb's own: reads, deletes and counts, no embedding
    langchain: Chroma  # embeds texts and queries with our model on the way in


class Library:
    """One collection of chunks plus its manifest; safe to share between threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.manifest = Manifest.of_library(settings)
        self._lock = threading.RLock()
        self._opened: _OpenStore | None = None
        self._lexical: LexicalView | None = None
        self._lexical_stamp: tuple[int, int] = (-1, -1)
        self._lexical_generation = -1
        self._vectors: tuple[LexicalView, np.ndarray] | None = None

    # -- storage -----------------------------------------------------------------------------
    @property
    def store(self) -> Chroma:
        """The LangChain vector store over the collection (dense search, adding texts)."""
        return self._open_store().langchain

    @property
    def collection(self) -> chromadb.Collection:
        """chromadb's own collection object: chunks read, deleted and counted by id or metadata."""
        return self._open_store().collection

    def _open_store(self) -> _OpenStore:
        if self._opened is None:
            chroma_settings = chromadb.Settings(anonymized_telemetry=False)
            if self.settings.chroma_host:
                try:
                    client = chromadb.HttpClient(
                        host=self.settings.chroma_host, port=self.settings.chroma_port, settings=chroma_settings
                    )
                except ValueError as error:  # chromadb's own "Could not connect to a Chroma server"
                    raise LibraryUnavailable(self._unreachable(error)) from error
                with self._server():
                    self._opened = self._open(client)
            else:
                self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
                self._opened = self._open(
                    chromadb.PersistentClient(path=str(self.settings.chroma_dir), settings=chroma_settings)
                )
        return self._opened

    def _open(self, client: chromadb.ClientAPI) -> _OpenStore:
        """The collection as langchain-chroma opens it: same name and metadata, and no chromadb
        embedding function (chromadb's default would fetch a model of its own; we embed)."""
        collection = client.get_or_create_collection(
            name=self.settings.collection, embedding_function=None, metadata=_COLLECTION_METADATA
        )
        langchain = Chroma(
            client=client,
            collection_name=self.settings.collection,
            embedding_function=get_embeddings(Path(self.settings.embedding_model)),
            collection_metadata=_COLLECTION_METADATA,
        )
        return _OpenStore(collection, langchain)

    def _unreachable(self, error: Exception) -> str:
        return (f"cannot reach the Chroma server at {self.settings.chroma_host}:{self.settings.chroma_port} "
                f"(CA_CHROMA_HOST/CA_CHROMA_PORT): {error}")

    @contextmanager
    def _server(self) -> Iterator[None]:
        """Report a Chroma server that is down as LibraryUnavailable naming it, and forget the
        client: the next call connects afresh, so a restarted server is picked up without a restart
        here. (An embedded store never raises httpx errors, so this costs it nothing.)"""
        try:
            yield
        except httpx.TransportError as error:
            self._opened = None
            raise LibraryUnavailable(self._unreachable(error)) from error

    @contextmanager
    def _writing(self) -> Iterator[LockedManifest]:
        """Exclusive right to change the library, across threads and processes: the manifest's
        lock, held over its read-modify-write and the matching Chroma change. This library's own
        lock is held too, so its cached views are not read while the library changes under them."""
        with self._lock, self.manifest.locked() as manifest:
            yield manifest

    def dense_search(self, query: str, k: int, where: dict[str, Any] | None = None) -> list[tuple[Document, float]]:
        """Nearest passages by embedding, with cosine distances (the dense half of retrieval)."""
        with self._server():
            return self.store.similarity_search_with_score(query, k=k, filter=where)

    def embed_query(self, text: str) -> np.ndarray:
        """The query's embedding (normalised), as dense search computes it."""
        return np.asarray(get_embeddings(Path(self.settings.embedding_model)).embed_query(text), dtype=np.float32)

    def chunk_vectors(self, chunk_ids: list[str]) -> np.ndarray:
        """Stored embeddings of the given chunks, in that order (a lookup by id: no vector search,
        so ranking one document's paragraphs stays cheap in a library of 100k chunks)."""
        with self._server():
            got = self.collection.get(ids=chunk_ids, include=["embeddings"])
        by_id = dict(zip(got["ids"], got["embeddings"]))
        return np.asarray([by_id[i] for i in chunk_ids], dtype=np.float32)

    # -- reading -----------------------------------------------------------------------------
    def documents(self) -> dict[str, Entry]:
        """Complete documents by source_id, with their metadata (what the library view lists)."""
        return self.manifest.documents()

    def document_chunks(self, source_id: str) -> list[dict[str, Any]]:
        """A document's passages in reading order: what the library view shows as its text."""
        with self._server():
            got = self.collection.get(where={"source_id": source_id}, include=["documents", "metadatas"])
        chunks = [{**meta, "text": passage_text(text)} for text, meta in zip(got["documents"], got["metadatas"])]
        return sorted(chunks, key=lambda chunk: chunk.get("chunk_index", 0))

    def stored_chunks(self) -> int:
        """How many chunks the store itself holds (the manifest's count is what should be there);
        with a Chroma server, this is also the check that it answers."""
        with self._server():
            return self.collection.count()

    def stats(self) -> dict[str, Any]:
        """The manifest's counts (documents, chunks, pending, generation) and which store holds them."""
        return {
            **self.manifest.summary(),
            "store": f"chroma server {self.settings.chroma_host}:{self.settings.chroma_port}"
            if self.settings.chroma_host
            else f"embedded chroma at {self.settings.chroma_dir}",
        }

    def _read_all_chunks(self) -> tuple[list[str], list[str], list[dict[str, Any]]]:
        ids: list[str] = []
        documents: list[str] = []
        metadatas: list[dict[str, Any]] = []
        while True:
            page = self.collection.get(include=["documents", "metadatas"], limit=_READ_PAGE, offset=len(ids))
            ids += page["ids"]
            documents += page["documents"]
            metadatas += page["metadatas"]
            if len(page["ids"]) < _READ_PAGE:
                return ids, documents, metadatas

    def lexical(self) -> LexicalView:
        """The BM25 view of the collection, rebuilt only when the library changed (cached on disk).

        A query only stats the manifest; it is parsed again only when its file changed."""
        with self._lock:
            stamp = self.manifest.stamp()
            if self._lexical is not None and self._lexical_stamp == stamp:
                return self._lexical
            generation = self.manifest.read()["generation"]
            cache = self.settings.data_dir / f"{self.manifest.path.stem}.bm25-v4-{generation}.pkl"
            if cache.is_file():
                view = pickle.loads(cache.read_bytes())
            else:
                with self._server():
                    ids, documents, metadatas = self._read_all_chunks()
                texts = [passage_text(text) for text in documents]
                view = LexicalView(BM25Index([embedding_text(m, t) for m, t in zip(metadatas, texts)]),
                                   ids, texts, metadatas)
                self._drop_lexical_caches()
                tmp = private_tmp(cache)
                tmp.write_bytes(pickle.dumps(view, protocol=pickle.HIGHEST_PROTOCOL))
                os.replace(tmp, cache)
            self._lexical, self._lexical_stamp, self._lexical_generation = view, stamp, generation
            return view

    def vectors(self, view: LexicalView) -> np.ndarray:
        """Every chunk's stored embedding, row for row with ``view.ids`` (read-only, normalised).

        Filtered dense search scores the rows a filter allows straight from these: exact cosine
        over a jurisdiction's rows takes a few milliseconds at 100k chunks, while Chroma's metadata
        filter alone costs 70-100 ms there before any vector is compared. Read from the store once
        per library version and kept beside the BM25 cache as a .npy file, which later processes
        map into memory instead of reading the store again (~3.5 s at 100k chunks).
        Raises KeyError when the store no longer holds a chunk of ``view`` (it changed meanwhile)."""
        with self._lock:
            if self._vectors is not None and self._vectors[0] is view:
                return self._vectors[1]
            if view is not self._lexical:  # an older view than the current one: read, do not cache
                with self._server():
                    return self._read_vectors(view.ids)
            cache = self.settings.data_dir / f"{self.manifest.path.stem}.vectors-v1-{self._lexical_generation}.npy"
            matrix = _mapped(cache, len(view.ids))
            if matrix is None:
                with self._server():
                    fresh = self._read_vectors(view.ids)
                tmp = private_tmp(cache)
                with open(tmp, "wb") as handle:
                    np.save(handle, fresh)
                os.replace(tmp, cache)
                matrix = _mapped(cache, len(view.ids))
                if matrix is None:
                    matrix = fresh
            self._vectors = (view, matrix)
            return matrix

    def _read_vectors(self, ids: list[str]) -> np.ndarray:
        """Stored embeddings of ``ids`` in that order, read by id in pages."""
        pages = [self.chunk_vectors(ids[start: start + _READ_PAGE]) for start in range(0, len(ids), _READ_PAGE)]
        return np.ascontiguousarray(np.vstack(pages), dtype=np.float32) if pages else np.zeros((0, 0), np.float32)

    def _drop_lexical_caches(self) -> None:
        for old in self.settings.data_dir.glob(f"{self.manifest.path.stem}.bm25-*.pkl"):
            old.unlink(missing_ok=True)
        for old in self.settings.data_dir.glob(f"{self.manifest.path.stem}.vectors-*.npy"):
            old.unlink(missing_ok=True)  # a process that mapped one keeps reading it until it reloads

    # -- writing -----------------------------------------------------------------------------
    def _replace_chunks(self, source_id: str, chunks: list[Document]) -> None:
        self.collection.delete(where={"source_id": source_id})
        for start in range(0, len(chunks), _ADD_BATCH):
            batch = chunks[start : start + _ADD_BATCH]
            self.store.add_texts(
                texts=[embedding_text(c.metadata, c.page_content) for c in batch],
                metadatas=[_with_date_number(c.metadata) for c in batch],
                ids=[f"{source_id}:{c.metadata['content_hash'][:12]}:{c.metadata['chunk_index']}" for c in batch],
            )

    def _entry(self, doc: LoadedDocument, chunks: list[Document], origin: str) -> Entry:
        """The manifest's record of ``doc`` (its status is the manifest's to set)."""
        meta = doc.meta.model_dump(mode="json")
        return {
            "origin": origin,
            "path": str(doc.path),
            "content_hash": doc.content_hash,
            "chunks": len(chunks),
            "format": doc.format,
            "meta": meta,
            # Passages that give the assistant orders: never evidence; the Library view warns.
            "set_aside": [c.metadata["locator"] for c in chunks if c.metadata.get("set_aside")],
            "screen_version": SCREEN_VERSION,
            # Pages read by OCR, with the confidence of each: the Library view marks them.
            "ocr_pages": {str(page): confidence for page, confidence in doc.ocr_pages.items()},
        }

    def _recover(self, manifest: LockedManifest, report: IngestReport) -> None:
        """Finish what a killed run left pending: re-ingest it from its file, or drop it."""
        for source_id, entry in manifest.pending():
            self.collection.delete(where={"source_id": source_id})
            manifest.remove(source_id)
            path = Path(entry["path"])
            if path.is_file():
                try:
                    self._ingest_one(manifest, self._load(path, entry["origin"] == "curated"), entry["origin"], report)
                except (LoadError, SchemaError) as error:
                    report.rejected.append((str(path), str(error)))

    @property
    def _ocr_kept(self) -> Path:
        """Where the readings of the scans in the library are kept (assistant.ocr.remember)."""
        return self.settings.data_dir / "ocr"

    def _load(self, path: Path, curated: bool, on_ocr_page: OcrProgress | None = None) -> LoadedDocument:
        """Load one file; a user's judgment without a card gets one read from its text."""
        doc = load_file(path, curated=curated, max_bytes=int(self.settings.max_upload_mb * 1024 * 1024),
                        ocr=self.settings.ocr, on_ocr_page=on_ocr_page, ocr_kept=self._ocr_kept)
        return doc if curated else with_extracted_card(doc)

    def _ingest_one(self, manifest: LockedManifest, doc: LoadedDocument, origin: str, report: IngestReport) -> None:
        source_id = doc.meta.id
        chunks = chunk_document(doc)
        if not chunks:
            raise LoadError(doc.path, "no text to index")
        existed = source_id in manifest.entries
        entry = self._entry(doc, chunks, origin)
        manifest.mark_pending(source_id, entry)
        self._replace_chunks(source_id, chunks)
        manifest.mark_complete(source_id, entry)
        if doc.ocr_pages:
            readings = [PageReading(page, text, doc.ocr_pages[page])
                        for page, text in doc.pages if page in doc.ocr_pages]
            remember(self._ocr_kept, doc.path.read_bytes(), self.settings.ocr, readings)
        (report.replaced if existed else report.added).append(source_id)
        report.chunks_written += len(chunks)

    def ingest(
        self,
        paths: Iterable[Path] | None = None,
        *,
        rebuild: bool = False,
        progress: Callable[[list[Path]], Iterable[Path]] = iter,
        on_ocr_page: Callable[[Path, int, int], None] | None = None,
    ) -> IngestReport:
        """Add or refresh files. With no paths: the curated corpus and seeds, dropping curated
        documents whose files are gone. Unchanged files are skipped unless ``rebuild``.
        ``progress`` wraps the file list (a tqdm bar on a terminal, Gradio's in the web chat);
        ``on_ocr_page(path, pages read, pages to read)`` hears of each scanned page OCR reads."""
        curated = paths is None
        targets = discover(list(CURATED_DIRS) if curated else [Path(p) for p in paths])
        origin = "curated" if curated else "user"
        report = IngestReport()
        with self._writing() as manifest, self._server():
            self._recover(manifest, report)
            seen: set[str] = set()
            scanned = {e["path"]: (sid, e) for sid, e in manifest.entries.items() if e.get("ocr_pages")}
            for path in progress(targets):
                try:
                    if not rebuild and (unchanged := _unchanged_scan(scanned.get(str(path)), path)):
                        seen.add(unchanged)
                        report.skipped.append(unchanged)
                        continue
                    doc = self._load(path, curated, partial(on_ocr_page, path) if on_ocr_page else None)
                    source_id = doc.meta.id
                    if source_id in seen:
                        raise LoadError(path, f"document id {source_id!r} is used by another file in this batch")
                    seen.add(source_id)
                    entry = manifest.entries.get(source_id)
                    if entry and entry["origin"] == "curated" and origin == "user":
                        raise LoadError(path, f"id {source_id!r} belongs to a curated library document")
                    if (entry and entry["content_hash"] == doc.content_hash and not rebuild
                            and entry.get("screen_version") == SCREEN_VERSION):
                        report.skipped.append(source_id)
                        continue
                    self._ingest_one(manifest, doc, origin, report)
                except (LoadError, SchemaError) as error:
                    report.rejected.append((str(path), str(error)))
            if curated:
                gone = [sid for sid, e in manifest.entries.items() if e["origin"] == "curated" and sid not in seen
                        and not any(r[0] == e["path"] for r in report.rejected)]
                for source_id in gone:
                    self._remove(manifest, source_id)
                    report.removed.append(source_id)
        return report

    def _remove(self, manifest: LockedManifest, source_id: str) -> None:
        entry = manifest.entries[source_id]
        manifest.mark_pending(source_id, entry)
        self.collection.delete(where={"source_id": source_id})
        manifest.remove(source_id)
        path = Path(entry["path"])
        if entry.get("ocr_pages") and path.is_file():  # the text OCR read goes with the document
            remembered_file(self._ocr_kept, path.read_bytes(), self.settings.ocr).unlink(missing_ok=True)

    def remove(self, source_id: str) -> None:
        """Remove one document and its chunks (the web chat's "remove" on a user's upload)."""
        with self._writing() as manifest, self._server():
            if source_id not in manifest.entries:
                raise KeyError(f"no document {source_id!r} in the library")
            self._remove(manifest, source_id)

    def reset(self) -> None:
        """Delete the whole library (tests and `ingest --rebuild` of a broken store)."""
        with self._writing():
            if self.settings.chroma_host:
                with self._server():
                    self.store.delete_collection()
            else:
                shutil.rmtree(self.settings.chroma_dir, ignore_errors=True)
            self.manifest.delete()
            self._drop_lexical_caches()
            shutil.rmtree(self._ocr_kept, ignore_errors=True)
            self._opened, self._lexical, self._vectors = None, None, None


def upload_notes(entry: Entry) -> list[str]:
    """What ingest did to a file besides indexing it, for the CLI and the upload status line: the
    pages it read by OCR, and a card it read from the text, which the user should check."""
    notes = []
    if pages := entry.get("ocr_pages"):
        notes.append(f"{len(pages)} scanned page{'s' if len(pages) != 1 else ''} read by OCR "
                     f"(lowest confidence {min(pages.values()):.0%})")
    meta = entry.get("meta") or {}
    if meta.get("card_origin") == "extracted":
        fields = ", ".join(name for name in CARD_FIELDS if (meta.get("card") or {}).get(name))
        notes.append(f"case card read from its text ({fields}): check it in the Library view")
    return notes


def _unchanged_scan(known: tuple[str, Entry] | None, path: Path) -> str | None:
    """The id of the document read by OCR from ``path`` when the file (and sidecar) are as they were
    then: it is skipped without reading its pages again, which takes seconds a page."""
    if known is None:
        return None
    source_id, entry = known
    same = entry.get("screen_version") == SCREEN_VERSION and entry["content_hash"] == content_hash(path)
    return source_id if same else None


def _mapped(path: Path, rows: int) -> np.ndarray | None:
    """A saved embedding matrix mapped read-only into memory, or None when it is missing, damaged
    or does not have ``rows`` rows."""
    try:
        matrix = np.load(path, mmap_mode="r")
    except (OSError, ValueError):
        return None
    return matrix if matrix.ndim == 2 and matrix.shape[0] == rows else None


def _with_date_number(metadata: dict[str, Any]) -> dict[str, Any]:
    """Chroma compares only numbers, so a date range filter needs the date as YYYYMMDD."""
    date = str(metadata.get("date") or "")
    digits = date.replace("-", "")
    return {**metadata, "date_num": int(digits) if digits.isdigit() and len(digits) == 8 else 0}
