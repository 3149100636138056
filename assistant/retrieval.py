"""Hybrid retrieval: dense (MiniLM in Chroma) and BM25 fused by reciprocal rank, with filters
and a per-source cap so a comparative question sees passages from each side."""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from itertools import zip_longest
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from assistant.cards import paragraph_numbers
from assistant.config import RetrievalSettings
from assistant.index import LexicalView, Library, passage_text
from assistant.linker import CaseLinker
from assistant.places import pattern_of
from assistant.questions import answer_types, asks_reasoning, is_situation, types_in
from assistant.text import QUESTION_TOKENS, has_chinese, to_english, tokenize
from assistant.types import Passage, RetrievalResult

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
class _LinkView:
    """The case linker and each document's chunk rows, for one version of the lexical view."""

    view: LexicalView
    linker: CaseLinker
    rows: dict[str, list[int]]
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    masks: dict[SearchFilters, np.ndarray] = field(default_factory=dict)
    named: dict[str, bool] = field(default_factory=dict)

    def mentions(self, key: str) -> bool:
        """Whether the library is about a place (its code: a document's jurisdiction) or any of its
        passages names the place or field (``assistant.places``); kept per library version."""
        if key not in self.named:
            pattern = pattern_of(key)
            self.named[key] = pattern is None or any(m.get("jurisdiction") == key for m in self.view.metadatas) \
                or any(pattern.search(text) for text in self.view.texts)
        return self.named[key]

    def mask(self, filters: SearchFilters) -> np.ndarray:
        """The rows a filter allows, kept per library version: at 100k chunks the comparison costs
        ~7 ms, and a comparison asks each jurisdiction's filter twice (its passages, then its answer)."""
        if filters not in self.masks:
            if len(self.masks) >= 32:
                self.masks.clear()
            self.masks[filters] = filters.mask(self.view)
        return self.masks[filters]

    def vectors_of(self, source_id: str, library: Library) -> np.ndarray:
        """A document's chunk embeddings in row order, read once per library version."""
        if source_id not in self.vectors:
            self.vectors[source_id] = library.chunk_vectors([self.view.ids[row] for row in self.rows[source_id]])
        return self.vectors[source_id]

    @classmethod
    def of(cls, view: LexicalView) -> "_LinkView":
        rows: dict[str, list[int]] = {}
        first: dict[str, dict[str, Any]] = {}
        for row, metadata in enumerate(view.metadatas):
            source_id = metadata.get("source_id", "")
            rows.setdefault(source_id, []).append(row)
            first.setdefault(source_id, metadata)
        return cls(view, CaseLinker(first.items()), rows)


class HybridRetriever(BaseModel):
    """Retriever component: ``run(query)`` returns ranked passages; its knobs are validated fields."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    library: Library
    settings: RetrievalSettings = Field(default_factory=RetrievalSettings)
    mode: Mode = "hybrid"
    filtered_dense: Literal["exact", "chroma"] = Field(
        "exact", description="how a filtered search finds its dense candidates: exact cosine over the stored "
        "vectors of the rows the filter allows, or (as before) a wider Chroma search, then Chroma's own filter")
    _links: _LinkView | None = PrivateAttr(default=None)

    def links(self) -> _LinkView:
        """The linker for the library as it is now (rebuilt when the library changed)."""
        view = self.library.lexical()
        if self._links is None or self._links.view is not view:
            self._links = _LinkView.of(view)
        return self._links

    def link(self, text: str) -> list[str]:
        """The library documents a text names (see assistant.linker), and the cases its phrases
        describe by court or country where reading settles which one is meant."""
        links = self.links()
        linked = links.linker.link(text)
        if is_situation(text):
            return linked  # a user's own story resembles cases; it names only those it names
        for clause, sentence, cases in links.linker.described(text):
            if not links.linker.link(clause) and (case := self._described_case(sentence, cases, links)):
                linked.append(case)
        return list(dict.fromkeys(linked))

    def _described_case(self, clause: str, cases: list[str], links: _LinkView) -> str | None:
        """The one case among ``cases`` a phrase describes: the best match of its passages by
        embeddings and by BM25 alike, clearly ahead of the next; None when reading does not settle it."""
        cases = [case for case in cases if case in links.rows]
        if not cases:
            return None
        english = to_english(clause)
        vector = self.library.embed_query(english or clause)
        similarity = sorted(((float(np.max(links.vectors_of(case, self.library) @ vector)), case) for case in cases),
                            reverse=True)
        best, case = similarity[0]
        mask = np.zeros(len(links.view.ids), dtype=bool)
        mask[[row for c in cases for row in links.rows[c]]] = True
        # A Chinese phrase is matched by its English rendering: the court's Chinese name, common to
        # all the candidates, would otherwise pick whichever case repeats it most.
        lexical = links.view.bm25.top(english if has_chinese(clause) else clause, 1, mask)
        if not lexical or links.view.metadatas[lexical[0][0]].get("source_id") != case:
            return None
        runner_up = similarity[1][0] if len(similarity) > 1 else 0.0
        if best < self.settings.described_min_similarity or best - runner_up < self.settings.described_margin:
            return None
        return case

    def run(self, query: str, k: int | None = None, filters: SearchFilters | None = None,
            cases: list[str] | None = None) -> RetrievalResult:
        """Ranked passages for a query. When the query names cases (or ``cases`` is given, as for a
        follow-up), those cases' paragraphs come first, ranked by the question's topic words."""
        started = time.perf_counter()
        k = k or self.settings.k
        filters = filters or SearchFilters()
        english = to_english(query)
        lexical_query = f"{query} {english}" if english != query else query

        found: dict[str, Passage] = {}
        fused: dict[str, float] = {}
        best_dense = 0.0
        links = self.links()
        view = links.view
        allowed = links.mask(filters) if filters.active else None
        if self.mode in ("hybrid", "dense"):
            for rank, (chunk_id, text, metadata, similarity) in enumerate(
                    self._dense(english or query, filters, view, allowed)):
                best_dense = max(best_dense, similarity)
                passage = found.setdefault(chunk_id, _passage(chunk_id, text, metadata))
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)
        if self.mode in ("hybrid", "lexical"):
            for rank, (row, _) in enumerate(view.bm25.top(lexical_query, self.settings.candidates, allowed)):
                chunk_id = view.ids[row]
                passage = found.setdefault(chunk_id, _passage(chunk_id, view.texts[row], view.metadatas[row]))
                fused[chunk_id] = fused.get(chunk_id, 0.0) + 1.0 / (self.settings.rrf_k + rank + 1)

        ranked = sorted(found.values(), key=lambda p: fused[p.chunk_id], reverse=True)
        for passage in ranked:
            passage.score = fused[passage.chunk_id]
        if cases is None:
            cases = self.link(query)
            if not cases and not is_situation(query):
                cases = _leading_case(ranked[:self.settings.leading_case_window], links.linker)
        linked = [s for s in cases if s in links.rows
                  and (not filters.active or filters.allows(links.view.metadatas[links.rows[s][0]]))]
        if not linked:
            return RetrievalResult(query, _cap_per_source(ranked, k, self.settings.per_source_cap), best_dense,
                                   time.perf_counter() - started)
        focused = self._within_cases(query, linked, links)
        taken = {p.chunk_id for p in focused}
        rest = [p for p in ranked if p.chunk_id not in taken]
        passages = (focused + _cap_per_source(rest, k, self.settings.per_source_cap))[:k]
        return RetrievalResult(query, passages, best_dense, time.perf_counter() - started, linked)

    def _within_cases(self, query: str, linked: list[str], links: _LinkView) -> list[Passage]:
        """The linked documents' best passages for what the question asks, interleaved case by case.

        Every paragraph of a case carries its name and court, so words found in most of the case's
        paragraphs are taken out of the query; what is left (award, appeal, posted…) ranks the
        paragraphs, by BM25 and embeddings, for each part of a question in several parts ("what was
        awarded, and why?"), with a bonus for paragraphs holding the kind of fact a part asks for
        (an amount for "how much") and, for a Chinese question, for the case's Chinese paragraphs."""
        topic = links.linker.without_names(query, linked)
        chinese = has_chinese(query)
        view = links.view
        per_case: list[list[Passage]] = []
        for source_id in linked:
            rows = links.rows[source_id]
            tokens = [set(tokenize(view.texts[row])) for row in rows]
            common = {t for t in set().union(*tokens) if sum(t in row for row in tokens) > self.settings.case_common_share * len(rows)}
            mask = np.zeros(len(view.ids), dtype=bool)
            mask[rows] = True
            rankings: list[tuple[list[int], dict[int, float]]] = []
            for part in question_parts(topic):
                english = to_english(part)
                words = [w for w in re.findall(r"[\w'’.-]+|[^\w\s]", f"{part} {english}" if english != part else part)
                         if not (set(tokenize(w)) and set(tokenize(w)) <= common)]
                focused = " ".join(words)
                if not set(tokenize(focused)) - QUESTION_TOKENS:
                    continue
                lexical = [row for row, _ in view.bm25.top(focused, len(rows), mask)]
                by_lexical = lexical + [row for row in rows if row not in set(lexical)]
                lists = [lexical]
                if self.mode != "lexical":
                    dense_query = " ".join(w for w in re.findall(r"\S+", english)
                                           if not (set(tokenize(w)) and set(tokenize(w)) <= common))
                    vectors = links.vectors_of(source_id, self.library)
                    similarity = vectors @ self.library.embed_query(dense_query or english)
                    lists.append([rows[i] for i in np.argsort(-similarity, kind="stable")])
                wanted = answer_types(f"{part} {english}")
                if wanted:
                    lists.append([row for row in by_lexical if wanted & types_in(view.texts[row])])
                if asks_reasoning(part):
                    lists.append([row for row in by_lexical
                                  if _REASONING_SECTION.search(str(view.metadatas[row].get("section", "")))])
                if chinese:
                    lists.append([row for row in by_lexical if has_chinese(view.texts[row])])
                scores = {row: 0.0 for row in rows}
                for ranking in lists:
                    for rank, row in enumerate(ranking):
                        scores[row] += 1.0 / (self.settings.case_rrf_k + rank + 1)
                rankings.append((sorted(rows, key=lambda row: scores[row], reverse=True), scores))
            if not rankings:
                rankings = [(list(rows), {row: 0.0 for row in rows})]
            # Each part of the question in turn contributes its best paragraph not yet taken.
            ordered: list[int] = []
            best: dict[int, float] = {}
            for group in zip_longest(*(order for order, _ in rankings)):
                for row, (_, scores) in zip(group, rankings):
                    if row is not None and row not in best:
                        ordered.append(row)
                        best[row] = scores[row]
            limit = 4 if len(linked) == 1 else 3 if len(linked) == 2 else 2
            passages = []
            for row in ordered[:limit]:
                passage = _passage(view.ids[row], view.texts[row], view.metadatas[row])
                passage.score = best[row]
                passages.append(passage)
            per_case.append(passages)
        return [p for group in zip_longest(*per_case) for p in group if p is not None]

    def paragraphs(self, source_id: str, numbers: list[int]) -> list[Passage]:
        """A document's passages for the given paragraph numbers, in reading order (the pinpoint
        paragraphs a case card line names)."""
        links = self.links()
        wanted = set(numbers)
        rows = links.rows.get(source_id, [])
        metadatas = links.view.metadatas
        chosen = [row for row in rows if paragraph_numbers(str(metadatas[row].get("paragraph", ""))) & wanted]
        if not chosen:  # a PDF's card lines cite pages ("(p. 2)"), its chunks carry page numbers
            chosen = [row for row in rows if not metadatas[row].get("paragraph")
                      and paragraph_numbers(str(metadatas[row].get("page", ""))) & wanted]
        return [_passage(links.view.ids[row], links.view.texts[row], metadatas[row]) for row in chosen]

    def _dense(self, query: str, filters: SearchFilters, view: LexicalView,
               allowed: np.ndarray | None) -> list[tuple[str, str, dict[str, Any], float]]:
        """Dense candidates as (chunk id, text, metadata, cosine similarity), best first.

        Unfiltered, Chroma's HNSW index answers (a few ms at 100k chunks). Filtered, the rows the
        filter allows are scored exactly from their stored vectors: Chroma's filtered search costs
        70-250 ms at 100k chunks (its metadata filter, not the vectors), and the old workaround, a
        wider unfiltered search filtered afterwards, falls back to it whenever the filter keeps a
        small part of the library, such as one jurisdiction of nine (what every comparison row asks)."""
        if allowed is not None and self.filtered_dense == "exact":
            try:
                return self._dense_exact(query, view, allowed)
            except KeyError:
                pass  # the store changed under this view (a document removed meanwhile): ask Chroma
        search = self.library.dense_search
        if not filters.active:
            found = search(query, self.settings.candidates)
        else:
            wide = search(query, self.settings.candidates * self.settings.filter_widening)
            found = [(doc, distance) for doc, distance in wide if filters.allows(doc.metadata)]
            if len(found) >= int(self.settings.candidates * self.settings.filter_min_share):
                found = found[: self.settings.candidates]
            else:
                found = search(query, self.settings.candidates, filters.chroma_where())
        return [(doc.id or "", passage_text(doc.page_content), doc.metadata, 1.0 - float(distance))
                for doc, distance in found]

    def _dense_exact(self, query: str, view: LexicalView,
                     allowed: np.ndarray) -> list[tuple[str, str, dict[str, Any], float]]:
        """The top candidates among the allowed rows by exact cosine with the query."""
        rows = np.flatnonzero(allowed)
        if rows.size == 0:
            return []
        matrix = self.library.vectors(view)
        vector = self.library.embed_query(query)
        # Gathering a few rows is cheaper than scoring all; scoring all is cheaper than gathering most.
        scores = np.asarray(matrix[rows]) @ vector if 3 * rows.size < allowed.size else (matrix @ vector)[rows]
        take = min(self.settings.candidates, rows.size)
        top = np.argpartition(-scores, take - 1)[:take]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(view.ids[rows[i]], view.texts[rows[i]], view.metadatas[rows[i]], float(scores[i])) for i in top]


_PART_BREAK = re.compile(r"[?？;；]|,\s*(?:and\s+)?(?=why|how|what|when|where|who|which|whether|did|was|were)|"
                         r"\band\s+(?=why|how|what|when|where|who|which|whether)|以及|并且|另外|，(?=为什么|为何|如何|是否)",
                         re.IGNORECASE)


# Section headings under which a judgment gives its reasons: where a "why" question is answered.
_REASONING_SECTION = re.compile(r"reason|holding|analysis|discussion|findings|decision|判决理由|法院认为|裁判要旨|理由",
                                re.IGNORECASE)


def question_parts(question: str) -> list[str]:
    """A question in several parts ("what was awarded, and why was it protected?") as its parts;
    a part too short to stand alone stays with the one before it."""
    parts: list[str] = []
    for piece in _PART_BREAK.split(question):
        if not piece or not piece.strip():
            continue
        if parts and len(set(tokenize(piece)) - QUESTION_TOKENS) < 1:
            parts[-1] += " " + piece
        else:
            parts.append(piece.strip())
    return parts or [question]


def _leading_case(top: list[Passage], linker: CaseLinker) -> list[str]:
    """The case a question is about when it names none ("the Beijing AI picture case", "Li's
    image"): the one judgment among the best passages, provided every other one of them is about
    it too (news or commentary that names it)."""
    cases = {p.source_id for p in top if linker.is_case(p.source_id)}
    if len(cases) != 1:
        return []
    case = next(iter(cases))
    about = all(p.source_id == case or case in linker.link(f"{p.title} {p.text}") for p in top)
    return [case] if about else []


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
