"""One side of a comparison: an answer restricted to one jurisdiction or one case, in one or
two sentences, and the joining of several sides into one answer.

The Compare tab (``assistant.compare``) shows each side as a row of a table; a comparison asked
in the chat (``AnswerPipeline``) shows them one after another in its answer. Both use
``side_answer``, so a side is gated, cited, verified and refused exactly as a chat answer is.
"""

from __future__ import annotations

import copy
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from assistant import prompts
from assistant.questions import is_comparison, jurisdictions_named, without_jurisdictions
from assistant.retrieval import SearchFilters
from assistant.schema import JURISDICTIONS
from assistant.text import split_sentences
from assistant.types import Answer, Citation, Passage

if TYPE_CHECKING:  # the pipeline answers each side, and itself asks for sides
    from assistant.pipeline import AnswerPipeline

# Human names, in English and Chinese; the article goes into sentences ("for the United Kingdom").
NAMES: dict[str, str] = {
    "CN": "China", "US": "United States", "UK": "United Kingdom", "EU": "European Union", "JP": "Japan",
    "DE": "Germany", "CZ": "Czech Republic", "KR": "South Korea", "IN": "India",
}
NAMES_ZH: dict[str, str] = {
    "CN": "中国", "US": "美国", "UK": "英国", "EU": "欧盟", "JP": "日本", "DE": "德国", "CZ": "捷克", "KR": "韩国",
    "IN": "印度",
}
_WITH_ARTICLE = frozenset({"US", "UK", "EU", "CZ"})
MAX_SENTENCES = 2



def place(code: str, language: str = "en") -> str:
    """The jurisdiction as it reads in a sentence: "the United Kingdom", "China", "英国"."""
    if language == "zh":
        return NAMES_ZH.get(code, code)
    name = NAMES.get(code, code)
    return f"the {name}" if code in _WITH_ARTICLE else name


def refusal_text(code: str, language: str = "en", reason: str | None = "not_covered", label: str = "") -> str:
    """A refusal row's sentence: it names the jurisdiction (or the case, ``label``) and never states a
    position. "Nothing on this" is only for the gate; a row whose passages were read and whose
    answer failed the checker says so."""
    zh = language == "zh"
    if reason == "not_covered":
        template = prompts.COMPARE_REFUSAL_ZH if zh else prompts.COMPARE_REFUSAL_EN
    elif reason == "sources_silent":
        template = prompts.COMPARE_SILENT_ZH if zh else prompts.COMPARE_SILENT_EN
    else:
        template = prompts.COMPARE_UNVERIFIED_ZH if zh else prompts.COMPARE_UNVERIFIED_EN
    return template.format(place=label or place(code, language))


@dataclass(frozen=True)
class Side:
    """One side of a comparison asked in the chat: a jurisdiction (a filter) or a named case."""

    label: str
    filters: SearchFilters | None = None
    cases: list[str] | None = None
    question: str = ""  # the question as this side is asked it (without the other sides' names)


def sides_of(question: str, linked: list[str], case_label: Callable[[str], str], language: str = "en") -> list[Side]:
    """The sides a question compares: the cases it names (two or three), or else the jurisdictions
    it names; none when it compares nothing."""
    if len(linked) >= 2 and is_comparison(question, linked):
        return [Side(case_label(case), cases=[case]) for case in linked[:3]]
    named = [code for code in JURISDICTIONS if code in jurisdictions_named(question)]
    if len(named) >= 2 and is_comparison(question, []):
        return [Side(place(code, language), filters=SearchFilters(jurisdiction=code),
                     question=without_jurisdictions(question, set(named) - {code})) for code in named[:3]]
    return []


def join_sides(question: str, answered: list[tuple[Side, Answer]], language: str,
               timings: dict[str, float | None]) -> Answer:
    """One answer from the sides' answers: each side under its name with its own citations
    (renumbered in order), or the side's refusal saying whether the library lacks it or its answer
    could not be verified."""
    zh = language == "zh"
    parts = [prompts.SIDES_LEAD_ZH if zh else prompts.SIDES_LEAD_EN]
    citations: list[Citation] = []
    passages: list[Passage] = []
    unverified: list[str] = []
    for side, answer in answered:
        passages += [p for p in answer.passages if p.chunk_id not in {q.chunk_id for q in passages}]
        unverified += answer.unverified
        if answer.refused or not answer.citations:
            text = refusal_text("", language, answer.refusal_reason or "unverified", label=side.label)
        else:
            numbers = {c.n: len(citations) + i + 1 for i, c in enumerate(answer.citations)}
            citations += [replace(c, n=numbers[c.n]) for c in answer.citations]
            text = re.sub(r"\[(\d+)\]", lambda m: f"[{numbers.get(int(m.group(1)), m.group(1))}]", answer.answer)
        parts.append(f"{side.label}{'：' if zh else ':'} {text}")
    refused = not citations
    return Answer(question=question, answer=("\n" if zh else "\n").join(parts), refused=refused,
                  refusal_reason="unverified" if refused else None, citations=citations, passages=passages,
                  timings=timings, language=language, unverified=unverified,
                  answered_from="none" if refused else "model",
                  linked=[case for side, _ in answered for case in side.cases or []])


def _cut(written: str, piece: str, max_sentences: int) -> int | None:
    """Where in the next streamed ``piece`` the reply's answer has ``max_sentences`` complete
    sentences and a further one begins (None while it has not): the row keeps what comes before."""
    reply = written + piece
    label = re.search(r"answer\s*:", reply, re.IGNORECASE)
    if label is None and re.match(r"\s*relevant\s*:", reply, re.IGNORECASE):
        return None  # still in the "Relevant:" header
    start = label.end() if label else 0
    answer = reply[start:]
    sentences = split_sentences(answer)
    if len(sentences) <= max_sentences:
        return None
    end = 0
    for sentence in sentences[:max_sentences]:
        end = answer.index(sentence, end) + len(sentence)
    return max(0, start + end - len(written))


def _with_rule(message: Any, rule: str) -> Any:
    """The last chat message with the row's instruction added at its end (a (role, text) pair or a
    LangChain message alike)."""
    if isinstance(message, tuple):
        role, text = message
        return (role, f"{text}\n{rule}")
    return message.model_copy(update={"content": f"{message.content}\n{rule}"})


class _RowModel:
    """The chat model for one row: the same model (and llama.cpp context), told which jurisdiction
    the row is for and to answer in one or two sentences. Generation stops once it has written
    that many sentences (the model does not always stop by itself), or when the user stops."""

    def __init__(self, model: Any, rule: str, stop: threading.Event | None, max_sentences: int = MAX_SENTENCES) -> None:
        self.model = model
        self.rule = rule
        self.stop = stop
        self.max_sentences = max_sentences

    def stream(self, messages: list[Any], **kwargs: Any) -> Iterator[Any]:
        messages = [*messages[:-1], _with_rule(messages[-1], self.rule)]
        chunks = self.model.stream(messages, **kwargs)
        written = ""
        try:
            for chunk in chunks:
                piece = str(chunk.content or "")
                cut = _cut(written, piece, self.max_sentences)
                if cut is not None:
                    if cut:
                        yield chunk.model_copy(update={"content": piece[:cut]})
                    return
                written += piece
                yield chunk
                if self.stop is not None and self.stop.is_set():
                    return
        finally:
            chunks.close()  # frees the model (llama.cpp holds a lock while it generates)


def side_answer(pipeline: AnswerPipeline, question: str, side: Side, stop: threading.Event | None = None) -> Answer | None:
    """The chat answer for one side: its jurisdiction's or case's own passages only, in one or
    two sentences (None when the user stopped the run meanwhile)."""
    rule = prompts.COMPARE_RULE.format(place=side.label)
    model = pipeline.llm
    pipeline = copy.copy(pipeline)  # the same retriever, checker, gate thresholds and model
    pipeline.compare_sides = False  # a side is one answer, never split again
    pipeline.llm = lambda: _RowModel(model(), rule, stop)  # type: ignore[assignment, return-value]
    final = None
    for event in pipeline.stream(side.question or question, filters=side.filters, cases=side.cases):
        if event.kind == "final":
            final = event.answer
    return None if stop is not None and stop.is_set() else final
