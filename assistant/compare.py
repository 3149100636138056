"""Compare jurisdictions side by side: one row per jurisdiction, each a chat answer restricted to it.

Each row *is* a chat answer (``AnswerPipeline.stream`` with a jurisdiction filter), not the output
of a second pipeline, so a row is gated, cited, verified and refused exactly as a chat answer is.
What a comparison adds is only what a table needs:

- every row's passages first, from retrieval alone (no model), each with the sentence that matters;
- a refusal decided outside the model that names the jurisdiction and states no position;
- one or two sentences per row, so five rows fit in about a minute on 2 cores;
- rows computed one after another on the one model context, with a stop between rows.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from assistant.cards import CARD_LOCATOR
from assistant.index import Library
from assistant.pipeline import AnswerPipeline
from assistant.sides import NAMES, Side, place, refusal_text, side_answer
from assistant.questions import language_of, validate_question
from assistant.retrieval import SearchFilters
from assistant.schema import JURISDICTIONS
from assistant.types import Answer, Citation
from assistant.types import Passage, RetrievalResult
from assistant.text import (
    ASKING_WORDS,
    STOPWORDS,
    bilingual_tokens,
    split_sentences,
    takes_no_position,
    to_english,
    tokenize,
)

def parse_jurisdictions(value: str | Iterable[str]) -> list[str]:
    """Codes from user input, upper-cased, deduplicated, in the order given: "cn, US" -> ["CN", "US"].

    Raises ValueError naming the first unknown code and the valid ones, or when none is given."""
    items = value.split(",") if isinstance(value, str) else list(value)
    codes: list[str] = []
    for item in items:
        code = str(item).strip().upper()
        if not code:
            continue
        if code not in JURISDICTIONS:
            raise ValueError(f"unknown jurisdiction {str(item).strip()!r} (choose from {', '.join(JURISDICTIONS)})")
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ValueError(f"no jurisdiction given (choose from {', '.join(JURISDICTIONS)})")
    return codes


def library_jurisdictions(library: Library) -> list[str]:
    """The jurisdictions of the library's complete documents, in the schema's order (CN, US, UK, EU,
    JP, DE, CZ, KR, IN): stable, so a table's rows do not move when a document is added."""
    present = {str(entry.get("meta", {}).get("jurisdiction") or "") for entry in library.documents().values()}
    return [code for code in JURISDICTIONS if code in present]


@dataclass
class CompareRow:
    """One jurisdiction's row: its passages at once, then its cited answer or its refusal."""

    jurisdiction: str
    name: str
    refused: bool = False
    answer: str = ""
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    highlight: str = ""
    done: bool = False
    # Why a refused row was refused: "not_covered" (the gate, no model call) or the chat's reason
    # after the model read ("sources_silent", "unverified", "not_decided").
    refusal_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "name": self.name,
            "refused": self.refused,
            "refusal_reason": self.refusal_reason,
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "passages": [p.to_json() for p in self.passages],
            "highlight": self.highlight,
        }


@dataclass
class CompareEvent:
    """``passages``: a row's retrieval is known (``row.done`` is False); ``row``: a finished row."""

    kind: Literal["passages", "row"]
    row: CompareRow


def highlight(question: str, passage: Passage, embed: Callable[[list[str]], list[list[float]]] | None = None) -> str:
    """The sentence of a passage that matters most for the question: shared topic words plus, when
    an embedding function is given, embedding similarity (the way evidence sentences are chosen)."""
    sentences = [s.strip() for s in split_sentences(passage.text) if s.strip("… ")] or [passage.text.strip()]
    if len(sentences) == 1:
        return sentences[0]
    english = to_english(question)
    wanted = (set(tokenize(question)) | set(tokenize(english))) - STOPWORDS - ASKING_WORDS
    score = np.array([len(wanted & bilingual_tokens(s)) / max(1, len(wanted)) for s in sentences])
    if embed is not None:
        vectors = np.asarray(embed([english, *sentences]))
        score = 0.5 * score + 0.5 * np.clip(vectors[1:] @ vectors[0], 0.0, 1.0)
    return sentences[int(np.argmax(score))]


def _text_first(passages: list[Passage]) -> list[Passage]:
    """Passages best first, but with a document's text ahead of a case card: the row shows its best
    passage with a pinpoint, and a card is a summary, not a pinpoint."""
    for index, passage in enumerate(passages):
        if passage.locator != CARD_LOCATOR:
            return [passage, *passages[:index], *passages[index + 1:]] if index else list(passages)
    return list(passages)


def _sentences(text: str) -> list[str]:
    """A row's answer as sentences (each ends with its citation markers and full stop)."""
    return [s for s in re.split(r"(?<=[.。!?！？])\s+", text) if s.strip()] or [text]


class Comparison:
    """Answers one question for several jurisdictions, row by row, on one chat pipeline."""

    def __init__(self, pipeline: AnswerPipeline) -> None:
        self.pipeline = pipeline

    def jurisdictions(self, chosen: str | Iterable[str] | None = None) -> list[str]:
        """The rows to compute: the user's choice (validated), or every jurisdiction in the library."""
        if chosen is None:
            return library_jurisdictions(self.pipeline.retriever.library)
        return parse_jurisdictions(chosen)

    def _retrieve(self, question: str, code: str, named: list[str] | None) -> tuple[CompareRow, bool]:
        """A row's passages (exactly the retrieval its chat answer will use) and whether the chat's
        coverage gate lets the model read them.

        The gate is applied here to the ranking without the leading-case shortcut: with a filter to
        one jurisdiction, the top passages of a small jurisdiction often all come from its one
        judgment, which would link that case and let any question through ("covered by
        definition"). A case the question itself names still passes, as in chat."""
        filters = SearchFilters(jurisdiction=code)
        result: RetrievalResult = self.pipeline.retriever.run(question, filters=filters, cases=named)
        named_here = [s for s in result.linked if s in (named or [])]
        covered = self.pipeline.gate(question, replace(result, linked=named_here))
        passages = _text_first(result.passages)
        row = CompareRow(code, NAMES.get(code, code), passages=passages)
        if covered and passages:
            row.highlight = highlight(question, passages[0], self.pipeline.checker.embed)
        return row, covered

    def _answer(self, question: str, row: CompareRow, stop: threading.Event | None) -> Answer | None:
        """The chat answer for one row (None when the user stopped the run meanwhile)."""
        return side_answer(self.pipeline, question,
                           Side(place(row.jurisdiction), SearchFilters(jurisdiction=row.jurisdiction)), stop)

    def _finish(self, row: CompareRow, answer: Answer | None, language: str) -> CompareRow:
        """The final row: the chat answer's cited text, or a refusal naming the jurisdiction."""
        if answer is None:
            reason: str | None = "not_covered"
        elif answer.refused:
            reason = answer.refusal_reason or "refused"
        # A row whose every sentence only says a source does not decide or cover the question is the
        # library having nothing on point there ("The AI Act does not decide who owns AI output").
        elif not answer.citations or all(takes_no_position(s) for s in _sentences(answer.answer)):
            reason = "sources_silent"
        else:
            return replace(row, refused=False, answer=answer.answer, citations=list(answer.citations), done=True)
        return replace(row, refused=True, answer=refusal_text(row.jurisdiction, language, reason), citations=[],
                       highlight="", done=True, refusal_reason=reason)

    def stream(self, question: str, jurisdictions: str | Iterable[str] | None = None,
               stop: threading.Event | None = None) -> Iterator[CompareEvent]:
        """First a ``passages`` event for every row (retrieval only, fast), then a ``row`` event as
        each row finishes: rows the gate refuses at once (no model call), then the others in the
        order asked, one model call each. ``stop`` is checked between rows and while the model
        writes; a row cut short is never reported as finished.

        Raises InvalidQuestion (empty or over-long question) or ValueError (unknown jurisdiction)
        before any work."""
        question = validate_question(question, [], self.pipeline.max_question_chars)
        codes = self.jurisdictions(jurisdictions)
        language = language_of(question)
        named = self.pipeline.cases_asked(question, [])
        rows: list[tuple[CompareRow, bool]] = []
        for code in codes:
            if stop is not None and stop.is_set():
                return
            row, covered = self._retrieve(question, code, named)
            rows.append((row, covered))
            yield CompareEvent("passages", replace(row))
        for row, covered in rows:
            if not covered:
                yield CompareEvent("row", self._finish(row, None, language))
        for row, covered in rows:
            if not covered:
                continue
            if stop is not None and stop.is_set():
                return
            answer = self._answer(question, row, stop)
            if answer is None:
                return
            yield CompareEvent("row", self._finish(row, answer, language))

    def run(self, question: str, jurisdictions: str | Iterable[str] | None = None) -> list[CompareRow]:
        """Every row, finished, in the order asked."""
        finished = {event.row.jurisdiction: event.row for event in self.stream(question, jurisdictions)
                    if event.kind == "row"}
        return [finished[code] for code in self.jurisdictions(jurisdictions) if code in finished]
