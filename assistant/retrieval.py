"""Hybrid retrieval: dense (MiniLM in Chroma) and BM25 fused by reciprocal rank, with filters
and a per-source cap so a comparative question sees passages from each side."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from assistant.glossary import has_chinese, to_english
from assistant.index import LexicalView, Library, passage_text

Mode = Literal["hybrid", "dense", "lexical"]


def _day_number(day: date | None) -> int | None:
    """A date as the YYYYMMDD integer chunks store in ``date_num``."""
    return int(day.strftime("%Y%m%d")) if day else None


@dataclass(frozen=True)
class SearchFilters:
    """Metadata restrictions a user can put on a question."""

    jurisdiction: str | None = None
    doc_type: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def _days(self) -> tuple[int | None, int | None]:
        """The date bounds as the stored ``date_num`` (YYYYMMDD) integers."""
        return _day_number(self.date_from), _day_number(self.date_to)

    def chroma_where(self) -> dict[str, Any] | None:
        """The filter for Chroma's dense search."""
        low, high = self._days()
        clauses: list[dict[str, Any]] = []
        if self.jurisdiction:
            clauses.append({"jurisdiction": self.jurisdiction})
        if self.doc_type:
            clauses.append({"doc_type": self.doc_type})
        if low:
            clauses.append({"date_num": {"$gte": low}})
        if high:
            clauses.append({"date_num": {"$lte": high}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def allows(self, metadata: dict[str, Any]) -> bool:
        """The same test for one chunk's metadata."""
        return bool(self._keep(metadata.get("jurisdiction"), metadata.get("doc_type"), int(metadata.get("date_num") or 0)))

    def mask(self, view: LexicalView) -> np.ndarray:
        """The same test over every row of the lexical view at once."""
        return np.asarray(self._keep(view.jurisdiction, view.doc_type, view.date_num), dtype=bool)

    def _keep(self, jurisdiction: Any, doc_type: Any, day: Any) -> Any:
        """The test itself, on scalars or numpy arrays alike."""
        low, high = self._days()
        keep: Any = True
        if self.jurisdiction:
            keep = keep & (jurisdiction == self.jurisdiction)
        if self.doc_type:
            keep = keep & (doc_type == self.doc_type)
        if low:
            keep = keep & (day >= low)
        if high:
            keep = keep & (day <= high)
        return keep

    @property
    def active(self) -> bool:
        return any(asdict(self).values())


@dataclass
class Passage:
    """One retrieved chunk with its pinpoint and the scores that ranked it."""

    chunk_id: str
    source_id: str
    title: str
    locator: str
    text: str
    score: float
    dense_score: float = 0.0
    lexical_score: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "title": self.title,
            "locator": self.locator,
            "score": round(self.score, 4),
            "text": self.text,
        }


@dataclass
class RetrievalResult:
    query: str
    passages: list[Passage]
    best_dense: float
    best_lexical: float
    seconds: float


class HybridRetriever(BaseRetriever):
    """Retriever component: ``run(query)`` returns ranked passages; also a LangChain retriever."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    library: Library
    k: int = Field(6, ge=1, le=50)
    candidates: int = Field(40, ge=1, le=500)
    rrf_k: int = Field(60, ge=1)
    per_source_cap: int = Field(3, ge=1)
    mode: Mode = "hybrid"

    def run(self, query: str, k: int | None = None, filters: SearchFilters | None = None) -> RetrievalResult:
        started = time.perf_counter()
        k = k or self.k
        filters = filters or SearchFilters()
        english = to_english(query) if has_chinese(query) else query
        lexical_query = f"{query} {english}" if english != query else query

        found: dict[str, Passage] = {}
        fused: dict[str, float] = {}
        best_dense = best_lexical = 0.0
        if self.mode in ("hybrid", "dense"):
            for rank, (doc, distance) in enumerate(self._dense(english or query, filters)):
                similarity = 1.0 - float(distance)
                best_dense = max(best_dense, similarity)
                passage = found.setdefault(doc.id, _passage(doc.id, passage_text(doc.page_content), doc.metadata))
                passage.dense_score = similarity
                fused[doc.id] = fused.get(doc.id, 0.0) + 1.0 / (self.rrf_k + rank + 1)
        if self.mode in ("hybrid", "lexical"):
            view = self.library.lexical()
            allowed = filters.mask(view) if filters.active else None
            for rank, (row, score) in enumerate(view.bm25.top(lexical_query, self.candidates, allowed)):
                chunk_id = view.ids[row]
                best_lexical = max(best_lexical, score)
                passage = found.setdefault(chunk_id, _passage(chunk_id, view.texts[row], view.metadatas[row]))
                passage.lexical_score = score
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (self.rrf_k + rank + 1)

        ranked = sorted(found.values(), key=lambda p: fused[p.chunk_id], reverse=True)
        for passage in ranked:
            passage.score = fused[passage.chunk_id]
        return RetrievalResult(query, _cap_per_source(ranked, k, self.per_source_cap), best_dense, best_lexical,
                               time.perf_counter() - started)

    def _dense(self, query: str, filters: SearchFilters) -> list[tuple[Document, float]]:
        """Dense candidates. Chroma's filtered search is slow on large collections (~250 ms at
        100k), so a filter is first applied to a wider unfiltered search, and Chroma's own
        filter is used only when that leaves too few."""
        search = self.library.dense_search
        if not filters.active:
            return search(query, self.candidates)
        wide = search(query, self.candidates * 5)
        kept = [(doc, distance) for doc, distance in wide if filters.allows(doc.metadata)]
        if len(kept) >= self.candidates // 2:
            return kept[: self.candidates]
        return search(query, self.candidates, filters.chroma_where())

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(page_content=p.text, metadata={**p.metadata, "score": p.score}, id=p.chunk_id)
            for p in self.run(query).passages
        ]


def _passage(chunk_id: str, text: str, metadata: dict[str, Any]) -> Passage:
    return Passage(chunk_id, metadata.get("source_id", ""), metadata.get("title", ""),
                   metadata.get("locator", ""), text, 0.0, metadata=dict(metadata))


def _cap_per_source(ranked: list[Passage], k: int, cap: int) -> list[Passage]:
    """Top k, at most ``cap`` per document while others wait, so several sources get a say."""
    chosen: list[Passage] = []
    overflow: list[Passage] = []
    counts: dict[str, int] = {}
    for passage in ranked:
        if len(chosen) == k:
            break
        if counts.get(passage.source_id, 0) < cap:
            chosen.append(passage)
            counts[passage.source_id] = counts.get(passage.source_id, 0) + 1
        else:
            overflow.append(passage)
    chosen.extend(overflow[: k - len(chosen)])
    return chosen
