"""The answer pipeline: condense → retrieve → gate → select evidence → generate → verify.

Each step is a small function or component, so each can be tested alone. The decision to
refuse is made outside the model, twice: before generation when the library plainly lacks the
topic (no LLM call at all), and after it when nothing the model wrote is supported.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from langchain_core.language_models import BaseChatModel

from assistant import prompts
from assistant.cases import (
    CARD_LABELS,
    CARD_LABELS_ZH,
    CARD_LOCATOR,
    aliases_of,
    allowed_jurisdictions,
    answer_types,
    asks_reasoning,
    card_fields,
    card_fields_asked,
    pinpoint_paragraphs,
    types_in,
    without_pinpoint,
)
from assistant.chunking import split_sentences
from assistant.citations import CitationChecker, Statement
from assistant.config import Settings
from assistant.conflicts import UPLOAD, Conflict, ConflictCheck
from assistant.glossary import has_chinese, to_english
from assistant.injection import set_aside
from assistant.lexical import STOPWORDS, bilingual_tokens, tokenize
from assistant.retrieval import HybridRetriever, Passage, RetrievalResult, SearchFilters, question_parts


class InvalidQuestion(ValueError):
    """An empty or over-long question, or over-long history."""


# Words that say nothing about *which* topic is asked; ignored when judging coverage.
_QUESTION_WORDS = frozenset(tokenize(
    "what which who whom whose why how when where did does do is are was were can could should would "
    "tell explain describe summarise summarize compare difference between according library source "
    "court case law copyright ai artificial intelligence generated generative work works mean say said "
    "happen happened decide decided rule ruled held hold find found under about regarding there any "
    "please give list key main point name named date day"
))
_FOLLOW_UP = re.compile(
    r"\b(it|its|they|them|that|this|those|these|he|she|his|her|the court|the case|the judge|same|also|"
    r"and what|what about|how about)\b|^(and|but|so)\b|该案|这个|那个|此案|它|他们|那么",
    re.IGNORECASE,
)
_ABSENCE = re.compile(
    r"\b(not (confirmed|known|covered|available|specified|stated|mentioned|disclosed|reported|provided|given|"
    r"included|clear)|unconfirmed|unknown|no information|does not (say|state|mention|cover|specify|provide|"
    r"give|contain|include)|do not (say|state|mention|cover|specify|provide|give|contain|include)|"
    r"cannot (find|determine|answer)|is not in the (library|sources)|not yet (quantified|decided|determined|assessed|"
    r"known)|no (damages|decision|ruling) (was |were |has been |have been )?(decided|made|issued|given|assessed))\b|未涵盖|没有提供|未提及|未说明|不清楚|无法确定|未确认|没有信息",
    re.IGNORECASE,
)


class ReplyParser:
    """Splits the model's reply into its "Relevant:" header and the answer text, as it streams.

    The header is never shown; a header of "none" means the model found no source that answers.
    A reply that ignores the format is passed through as the answer.
    """

    _HEADER = re.compile(r"\s*relevant\s*:(?P<relevant>[^\n]*?)(?=\n|answer\s*:)", re.IGNORECASE)
    _LABEL = re.compile(r"\s*answer\s*:\s*", re.IGNORECASE)

    def __init__(self) -> None:
        self.buffer = ""
        self.stage = "header"  # header -> label -> answer
        self.relevant: list[int] | None = None
        self.none_relevant = False

    @staticmethod
    def _could_become(buffer: str, word: str) -> bool:
        text = buffer.lstrip().lower()
        return word.startswith(text) or text.startswith(word)

    def feed(self, text: str) -> str:
        """Take the next streamed piece; return the part that belongs to the answer."""
        if self.stage == "answer":
            return text
        self.buffer += text
        if self.stage == "header":
            match = self._HEADER.match(self.buffer)
            if match:
                header = match.group("relevant")
                self.relevant = [int(n) for n in re.findall(r"\d+", header)]
                self.none_relevant = not self.relevant and bool(re.search(r"none|无|没有", header, re.IGNORECASE))
                self.buffer, self.stage = self.buffer[match.end():], "label"
            elif self._could_become(self.buffer, "relevant:"):
                return ""
            elif self._could_become(self.buffer, "answer:"):
                self.stage = "label"
            else:
                self.stage = "answer"
                return self._take()
        label = self._LABEL.match(self.buffer)
        if label and label.end() < len(self.buffer):
            self.buffer, self.stage = self.buffer[label.end():], "answer"
            return self._take()
        if not label and not self._could_become(self.buffer, "answer:"):
            self.stage = "answer"
            return self._take()
        return ""

    def _take(self) -> str:
        text, self.buffer = self.buffer, ""
        return text

    def flush(self) -> str:
        """What is left when the stream ends (an unfinished reply)."""
        return "" if self.stage == "header" else self._LABEL.sub("", self._take(), count=1)


@dataclass
class Citation:
    n: int
    source_id: str
    title: str
    locator: str
    quote: str
    supported: bool
    metadata: dict[str, Any] = field(default_factory=dict)
    origin: Literal["library", "upload"] = "library"  # an upload is never presented as the curated library

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "source_id": self.source_id, "title": self.title, "locator": self.locator,
                "quote": self.quote, "supported": self.supported, "origin": self.origin}


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    citations: list[Citation]
    passages: list[Passage]
    timings: dict[str, float | None]
    evidence: list[Passage] = field(default_factory=list)
    language: str = "en"
    refusal_reason: str | None = None
    statements: list[Statement] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    model_text: str = ""
    answered_from: Literal["model", "card", "card+model", "none"] = "model"
    linked: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        """Whether the answer is shown as verified: it answers, and every sentence it shows
        passed every check (unsupported ones are left out of ``answer``)."""
        return not self.refused

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "refusal_reason": self.refusal_reason,
            "answered_from": self.answered_from,
            "linked_cases": self.linked,
            "citations": [c.to_json() for c in self.citations],
            "conflicts": [c.to_json() for c in self.conflicts],
            "unverified": self.unverified,
            "passages": [p.to_json() for p in self.passages],
            "timings": {k: (round(v, 3) if v is not None else None) for k, v in self.timings.items()},
        }

    def render_sources(self) -> str:
        """The citation list for a terminal."""
        lines = []
        if self.unverified:
            lines.append("Not verified against the sources (omitted above):")
            lines.extend(f"  ? {sentence}" for sentence in self.unverified)
        for citation in self.citations:
            mark = "verified" if citation.supported else "unverified"
            if citation.origin == "upload":
                mark += "; " + prompts.UPLOAD_NOTE_EN
            lines.append(f"[{citation.n}] {citation.title} — {citation.locator} ({citation.source_id}, {mark})")
            lines.append(f"    “{citation.quote}”")
        return "\n".join(lines)


@dataclass
class AnswerEvent:
    kind: Literal["passages", "token", "final"]
    text: str = ""
    passages: list[Passage] = field(default_factory=list)
    answer: Answer | None = None


def validate_question(question: str, history: list[tuple[str, str]], max_chars: int) -> str:
    text = (question or "").strip()
    if not text:
        raise InvalidQuestion("the question is empty")
    if len(text) > max_chars:
        raise InvalidQuestion(f"the question has {len(text)} characters; the limit is {max_chars}")
    if sum(len(q) + len(a) for q, a in history) > 20 * max_chars:
        raise InvalidQuestion("the conversation is too long; start a new one")
    return text


def _topic_terms(question: str) -> str:
    """The names in a question (capitalised words, case names, numbers, Chinese terms): what a
    follow-up such as "And how much was awarded?" silently refers back to."""
    names = re.findall(r"\b(?:[A-Z][\w'’.-]*|v\.|\d[\d,()]*)|[\u4e00-\u9fff]{2,}", question)
    return " ".join(n for n in names if n.lower().strip("?.,") not in _QUESTION_WORDS and n not in _OPENERS)


_OPENERS = frozenset("Who What Which When Where Why How Is Are Was Were Did Does Do Can Could Should Would "
                     "And But So In On Under For Please Tell Explain Compare".split())


# A part of a question that asks something (the rest only sets the scene: "In the Ultraman case, …").
_ASKS = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how|whether|did|does|do|is|are|was|were|can|could|"
                   r"has|have|had)\b|吗|什么|多少|哪|谁|何|是否|如何|怎", re.IGNORECASE)


def refers_back(question: str) -> bool:
    """Whether a question names nothing itself and leans on the conversation ("And how much?")."""
    if has_chinese(question):
        return len(question) <= 16 or bool(_FOLLOW_UP.search(question))
    return not _topic_terms(question) and (len(question.split()) <= 12 or bool(_FOLLOW_UP.search(question)))


def condense(question: str, history: list[tuple[str, str]]) -> str:
    """A standalone query for retrieval: a follow-up that names nothing itself ("And how much
    was awarded?") borrows the names from the previous question — not its whole wording, which
    would outweigh the new question."""
    if not history or not refers_back(question):
        return question
    return f"{question} {_topic_terms(history[-1][0])}".strip()


def language_of(question: str) -> str:
    return "zh" if has_chinese(question) else "en"


def coverage(question: str, passages: list[Passage]) -> float:
    """Share of the question's topic words found in the best passages (with their titles)."""
    english = to_english(question)
    wanted = set(tokenize(english)) - _QUESTION_WORDS
    wanted = {t for t in wanted if t.isascii()}
    if not wanted:
        return 1.0
    found: set[str] = set()
    for passage in passages[:4]:
        found |= set(tokenize(f"{passage.title} {passage.locator} {passage.text}"))
    return len(wanted & found) / len(wanted)


def _question_only(passage: Passage) -> bool:
    return passage.text.rstrip().endswith(("?", "?"))


class EvidenceSelector:
    """Chooses what the model reads: the best sentences of the top passages, within a budget.

    Reading is the slow part here (about 80 prompt tokens/s on 2 cores), and a whole passage is
    mostly context around one or two sentences that answer. Sentences are scored against the
    query (shared topic words plus embedding similarity); the top passage keeps more room than
    the others, every excerpt keeps its passage's heading, and a passage whose best sentence is
    far weaker than the best overall is left out rather than offered as a distraction.
    """

    def __init__(self, embed: Callable[[list[str]], list[list[float]]] | None = None, budget_chars: int = 1000,
                 lead_chars: int = 560, other_chars: int = 280, max_sources: int = 3, candidates: int = 6,
                 min_relative: float = 0.6) -> None:
        if not 0 < other_chars <= lead_chars <= budget_chars:
            raise ValueError("need 0 < other_chars <= lead_chars <= budget_chars")
        self.embed = embed
        self.budget_chars = budget_chars
        self.lead_chars = lead_chars
        self.other_chars = other_chars
        self.max_sources = max_sources
        self.candidates = candidates
        self.min_relative = min_relative

    def _relevance(self, query: str, sentences: list[str]) -> np.ndarray:
        english = to_english(query)
        wanted = (set(tokenize(query)) | set(tokenize(english))) - _QUESTION_WORDS
        lexical = np.array([
            len(wanted & bilingual_tokens(s))
            / max(1, len(wanted)) for s in sentences
        ])
        if self.embed is None:
            return lexical
        vectors = np.array(self.embed([english, *sentences]))
        return 0.5 * lexical + 0.5 * np.clip(vectors[1:] @ vectors[0], 0.0, 1.0)

    def run(self, query: str, passages: list[Passage]) -> list[Passage]:
        pool = [p for p in passages if not _question_only(p) and not set_aside(p.text, p.metadata)
                and p.locator != CARD_LOCATOR][: self.candidates]
        if not pool:
            return []
        sentences = [split_sentences(p.text) or [p.text] for p in pool]
        flat = [s for group in sentences for s in group]
        scores = self._relevance(query, flat)
        chosen: list[Passage] = []
        used, offset, best = 0, 0, float(scores.max())
        for rank, (passage, group) in enumerate(zip(pool, sentences)):
            own = scores[offset: offset + len(group)]
            offset += len(group)
            room = min(self.other_chars if chosen else self.lead_chars, self.budget_chars - used)
            if chosen and (own.max() < self.min_relative * best or room < 80):
                continue
            text = _excerpt(group, own, room)
            chosen.append(replace(passage, text=text))
            used += len(text)
            if len(chosen) == self.max_sources or used >= self.budget_chars:
                break
        return chosen


def _excerpt(sentences: list[str], scores: np.ndarray, room: int, min_relative: float = 0.5) -> str:
    """The best sentences that fit in ``room`` characters, in reading order, gaps marked by "…".
    A passage that fits is kept whole; otherwise sentences far weaker than its best are dropped."""
    if sum(len(s) + 1 for s in sentences) <= room:
        return " ".join(s.strip() for s in sentences)
    keep: set[int] = set()
    used = 0
    for index in np.argsort(-scores, kind="stable"):
        length = len(sentences[index]) + 1
        if keep and (used + length > room or scores[index] < min_relative * scores.max()):
            continue
        keep.add(int(index))
        used += length
    parts: list[str] = []
    for index in sorted(keep):
        if parts and index - 1 not in keep:
            parts.append("…")
        parts.append(sentences[index].strip())
    if min(keep) > 0:
        parts.insert(0, "…")
    return " ".join(parts)


# Card fields whose values are figures (dates, amounts, numbers), checked with their label.
_CONFLICT_SLOT = "\x00"  # where a conflict's upload marker goes; replaced when the answer is composed
_FIGURE_FIELDS = frozenset({"decided", "remedies", "claimed", "case_number"})
# A status that says the case is still open, so an outcome it lacks has not happened yet.
_OPEN_STATUS = re.compile(r"pending|not confirmed|no decision|not final|outcome not|in discovery|proceeds", re.IGNORECASE)

_COMPARISON = re.compile(r"\b(?:compare|comparison|differ\w*|contrast|both|versus|vs\.?|each|similar\w*)\b|比较|区别|不同|异同|两案",
                         re.IGNORECASE)


def is_comparison(question: str, linked: list[str]) -> bool:
    """A question about two or more cases at once, where citing several cases is the point."""
    return len(linked) > 1 or bool(_COMPARISON.search(question))


def case_evidence(query: str, passages: list[Passage], linked: list[str], budget_chars: int = 1400,
                  per_case: int = 2) -> list[Passage]:
    """Whole paragraphs of the cases a question names: the best one of each case, then, while the
    budget lasts, the one that adds most of what is still missing (a topic word, or the kind of
    fact asked for), so "what was awarded, and why?" reads the remedies and a reasoning paragraph.

    The retriever has already ranked each case's paragraphs by the question's topic words."""
    english = to_english(query)
    wanted = {t for t in set(tokenize(english)) | set(tokenize(query)) if t not in _QUESTION_WORDS}
    kinds = answer_types(f"{query} {english}")
    pools = {source: [p for p in passages if p.source_id == source and p.locator != CARD_LOCATOR
                      and not _question_only(p) and not set_aside(p.text, p.metadata)][:4] for source in linked}
    chosen: list[Passage] = []
    covered: set[str] = set()
    used = 0
    limit = per_case if len(linked) == 1 else 1
    for round_ in range(limit):
        for source in linked:
            pool = [p for p in pools[source] if p not in chosen]
            if not pool:
                continue

            def gain(passage: Passage) -> int:
                fresh_kinds = (kinds & types_in(passage.text)) - covered
                return len((wanted & bilingual_tokens(passage.text)) - covered) + 2 * len(fresh_kinds)

            pick = pool[0] if round_ == 0 else max(pool, key=gain)
            if round_ > 0 and (gain(pick) == 0 or used + len(pick.text) > budget_chars):
                continue
            chosen.append(pick)
            used += len(pick.text)
            covered |= bilingual_tokens(pick.text) | types_in(pick.text)
    return chosen


_EXAMPLE_WORDS = frozenset(tokenize(" ".join(text for turn in prompts.EXAMPLES for text in turn))) - STOPWORDS


def repeats_example(sentence: str, vocabulary: dict[str, int] | set[str]) -> bool:
    """Whether a sentence copies the prompt's worked example: it uses two or more of the example's
    words that occur nowhere in the library (florins, the ferry operator…)."""
    foreign = {t for t in tokenize(sentence) if t in _EXAMPLE_WORDS and t not in vocabulary}
    return len(foreign) >= 2


def best_quote(statement: str, passage: Passage, checker: CitationChecker) -> str:
    """The sentence of a passage that best supports a statement (what the UI highlights)."""
    sentences = [s.strip("… ") for s in split_sentences(passage.text) if s.strip("… ")] or [passage.text]
    scores = checker.scores(statement, sentences)
    return sentences[int(scores.argmax())] if len(sentences) > 1 else sentences[0]


def _adds_to(question: str, statements: list[Statement]) -> bool:
    """Whether the answer says anything the question did not (an echo like "Li [1]" does not)."""
    asked = set(tokenize(question)) | set(tokenize(to_english(question)))
    said = set().union(*(tokenize(s.text) for s in statements))
    return bool(said - asked - _QUESTION_WORDS - STOPWORDS)


def _with_markers(sentence: str, markers: str) -> str:
    """Put citation markers before the sentence's closing punctuation: "… RMB 500 [1]." """
    text = sentence.rstrip()
    end = len(text.rstrip(".。!！?？;；"))
    return f"{text[:end]} {markers}{text[end:]}" if markers else text


@dataclass
class _Shown:
    """A sentence that passed every check, with the passages it cites."""

    text: str
    passages: list[Passage]


class AnswerPipeline:
    """Answers questions from the library with verified citations."""

    def __init__(
        self,
        retriever: HybridRetriever,
        llm: Callable[[], BaseChatModel],
        checker: CitationChecker,
        selector: EvidenceSelector | None = None,
        max_question_chars: int = 2000,
        min_dense: float = 0.30,
        min_coverage: float = 0.34,
    ) -> None:
        self.retriever = retriever
        self.llm = llm
        self.checker = checker
        self.selector = selector or EvidenceSelector(embed=checker.embed)
        self.conflicts = ConflictCheck(retriever, checker)
        self.max_question_chars = max_question_chars
        self.min_dense = min_dense
        self.min_coverage = min_coverage

    @classmethod
    def from_settings(cls, settings: Settings, library: Any | None = None) -> "AnswerPipeline":
        from pathlib import Path

        from assistant.embeddings import get_embeddings
        from assistant.index import Library
        from assistant.llms import load_chat_model

        library = library or Library(settings)
        embeddings = get_embeddings(Path(settings.embedding_model))
        return cls(
            retriever=HybridRetriever(library=library),
            llm=lambda: load_chat_model(settings.llm, settings),
            checker=CitationChecker(embed=embeddings.embed_documents),
            max_question_chars=settings.max_question_chars,
        )

    def gate(self, question: str, result: RetrievalResult) -> bool:
        """True when the library plausibly covers the question (decided without the model).
        A question that names a case in the library is covered by definition."""
        if result.linked:
            return True
        if not result.passages:
            return False
        return result.best_dense >= self.min_dense and coverage(question, result.passages) >= self.min_coverage

    def cases_asked(self, question: str, history: list[tuple[str, str]]) -> list[str] | None:
        """The cases a question names; a follow-up that names none asks about the last case named.
        None leaves it to the retriever (which may still link a case by a party name)."""
        linked = self.retriever.link(question)
        if linked or not history or not refers_back(question):
            return linked or None
        for earlier, _ in reversed(history):
            if earlier_linked := self.retriever.link(earlier):
                return earlier_linked
        return None

    def card_answers(self, question: str, linked: list[str], language: str) -> list[_Shown]:
        """Sentences stating what the named cases' cards hold for the fields the question asks for,
        each citing the paragraph its card line names and checked against that paragraph."""
        english = to_english(question)
        asked = list(dict.fromkeys(card_fields_asked(question) + card_fields_asked(english)))
        if not asked:
            return []
        links = self.retriever.links()
        shown: list[_Shown] = []
        for source_id in linked[:2]:
            rows = links.rows.get(source_id, [])
            if not rows:
                continue
            metadata = links.view.metadatas[rows[0]]
            card = card_fields(metadata)
            for name in asked:
                value = card.get(name)
                paragraphs = self.retriever.paragraphs(source_id, pinpoint_paragraphs(value or ""))
                if not value or not paragraphs:
                    continue
                claim = without_pinpoint(value)
                case = _case_name(metadata, language)
                english_line = f"{CARD_LABELS[name]} in {_case_name(metadata)}: {claim}."
                # Checked as the value itself; a figure's label says what the figure is ("Decided").
                checked = f"{claim} ({CARD_LABELS[name].lower()})" if name in _FIGURE_FIELDS else claim
                exempt = f"{_case_name(metadata)} {claim.split(' ', 1)[0]}"  # "Public apology" is no name
                support = self.checker.scores(checked, ["\n".join(p.text for p in paragraphs)], exempt, strict=False)[0]
                if support < self.checker.threshold:
                    continue  # the card line and its paragraph disagree: let the model read instead
                text = f"{case}的{CARD_LABELS_ZH[name]}:{claim}。" if language == "zh" else english_line
                shown.append(_Shown(text, paragraphs[:3]))
        return shown

    def _undecided(self, question: str, linked: list[str], language: str) -> str:
        """For a question asking a case's outcome, award or date that its card does not hold while
        its status says it is still open ("appeal pending", "no decision"): the status, instead of
        letting the model guess a ruling that does not exist yet. Empty when that is not the case."""
        english = to_english(question)
        asked = set(card_fields_asked(question) + card_fields_asked(english)) & {"held", "decided", "remedies", "appeal"}
        if not asked or asks_reasoning(question):
            return ""
        links = self.retriever.links()
        rows = links.rows.get(linked[0], [])
        if not rows:
            return ""
        metadata = links.view.metadatas[rows[0]]
        status = str(metadata.get("status") or "")
        if set(card_fields(metadata)) & asked or not _OPEN_STATUS.search(status):
            return ""
        case = _case_name(metadata, language)
        as_of = str(metadata.get("as_of") or "")
        if language == "zh":
            return f"资料库没有{case}的这一裁判结果:其状态为“{status}”(更新至 {as_of})。"
        return f"The library has no such ruling in {case}: its status is \"{status}\" (current to {as_of})."

    def _card_is_enough(self, question: str, cards: list[_Shown], linked: list[str]) -> bool:
        """Whether the card lines answer the whole question: it asks no why or how, and every part
        of it ("how much was awarded, and was it appealed?") asks for a card field."""
        if not cards or asks_reasoning(question):
            return False
        topic = self.retriever.links().linker.without_names(question, linked)
        for part in question_parts(topic):
            english = to_english(part)
            if _ASKS.search(part) and not (card_fields_asked(part) or card_fields_asked(english)):
                return False
        return True

    def stream(
        self,
        question: str,
        history: list[tuple[str, str]] | None = None,
        filters: SearchFilters | None = None,
    ) -> Iterator[AnswerEvent]:
        history = history or []
        started = time.perf_counter()
        question = validate_question(question, history, self.max_question_chars)
        language = language_of(question)
        query = condense(question, history)
        result = self.retriever.run(query, filters=filters, cases=self.cases_asked(question, history))
        retrieval_s = time.perf_counter() - started
        yield AnswerEvent("passages", passages=result.passages)

        timings: dict[str, float | None] = {"retrieval_s": retrieval_s, "first_token_s": None, "total_s": None}
        if not self.gate(query, result):
            answer = self._refusal(question, result.passages, language, "not_covered", timings, started)
            yield AnswerEvent("token", text=answer.answer)
            yield AnswerEvent("final", answer=answer)
            return

        cards = self.card_answers(question, result.linked, language) if result.linked else []
        undecided = "" if cards or not result.linked else self._undecided(question, result.linked, language)
        if undecided:
            answer = self._refusal(question, result.passages, language, "not_decided", timings, started)
            answer.answer = undecided
            yield AnswerEvent("token", text=undecided)
            yield AnswerEvent("final", answer=answer)
            return
        if cards:
            timings["first_token_s"] = time.perf_counter() - started
            yield AnswerEvent("token", text=("" if language == "zh" else " ").join(c.text for c in cards))
        if cards and self._card_is_enough(question, cards, result.linked):
            answer = self._compose(question, cards, [], [], result, language, timings, "card")
            answer.timings["total_s"] = time.perf_counter() - started
            yield AnswerEvent("final", answer=answer)
            return

        if result.linked:
            evidence = case_evidence(query, result.passages, result.linked)
        else:
            evidence = self.selector.run(query, result.passages)
        prompt_question = question if query == question else f"{question} (follow-up to the question: {history[-1][0]})"
        messages = prompts.answer_messages(
            [(f"{p.title} — {p.locator}", p.text) for p in evidence], prompt_question, language
        )
        pieces: list[str] = []
        reply = ReplyParser()
        for chunk in self.llm().stream(messages):
            text = reply.feed(str(chunk.content or ""))
            if reply.none_relevant:
                break
            if text:
                if timings["first_token_s"] is None:
                    timings["first_token_s"] = time.perf_counter() - started
                pieces.append(text)
                yield AnswerEvent("token", text=text)
        if reply.none_relevant and not cards:
            answer = self._refusal(question, result.passages, language, "sources_silent", timings, started)
            answer.evidence, answer.linked = evidence, result.linked
            yield AnswerEvent("final", answer=answer)
            return
        pieces.append(reply.flush())
        model_text = "" if reply.none_relevant else "".join(pieces).strip()
        statements = self._check(question, model_text, evidence, result.linked)
        origins = self._origins()
        conflicts = dict(self.conflicts.run(statements, evidence, result.linked, origins))
        shown = [self._conflict_shown(conflicts[i], language) if i in conflicts
                 else _Shown(s.text, [evidence[n - 1] for n in s.cited])
                 for i, s in enumerate(statements) if s.supported]
        if statements and not statements[0].supported and not cards and not _answers_topic(question, shown):
            shown = []  # the model's direct answer failed; what is left is context, not an answer
        answer = self._compose(question, cards, shown, statements, result, language, timings,
                               "card+model" if cards else "model", evidence=evidence, model_text=model_text)
        answer.conflicts = list(conflicts.values())
        answer.timings["total_s"] = time.perf_counter() - started
        yield AnswerEvent("final", answer=answer)

    def ask(self, question: str, history: list[tuple[str, str]] | None = None,
            filters: SearchFilters | None = None) -> Answer:
        final = None
        for event in self.stream(question, history, filters):
            if event.kind == "final":
                final = event.answer
        assert final is not None
        return final

    def _check(self, question: str, model_text: str, evidence: list[Passage], linked: list[str]) -> list[Statement]:
        """The checker's verdict on each sentence the model wrote, plus the checks that need the
        question: a sentence citing another case than the one asked about, or copying the prompt's
        worked example, is not supported."""
        # The model sees each source under its title and locator, so those count as evidence too
        # (a year or an article number in a title is not an invented figure).
        statements = self.checker.run(model_text, [f"{p.title} — {p.locator}\n{p.text}" for p in evidence], question)
        links = self.retriever.links()
        vocabulary = links.view.bm25.vocabulary
        strict_case = bool(linked) and not is_comparison(question, linked)
        allowed = allowed_jurisdictions(question)
        for statement in statements:
            if not statement.supported:
                continue
            cited = [evidence[n - 1] for n in statement.cited]
            other_case = strict_case and any(
                p.source_id not in linked and links.linker.is_case(p.source_id) for p in cited)
            # "How does Indian law treat…" is not answered by a Chinese judgment.
            other_place = allowed is not None and any(
                p.metadata.get("jurisdiction") and p.metadata.get("jurisdiction") not in allowed for p in cited)
            if other_case or other_place or repeats_example(statement.text, vocabulary):
                statement.supported = False
        return statements

    def _origins(self) -> dict[str, str]:
        """Each document's origin ("curated" or "user"), from the manifest: the index's record."""
        return {source_id: str(entry.get("origin") or "") for source_id, entry in self.retriever.library.documents().items()}

    @staticmethod
    def _conflict_shown(conflict: Conflict, language: str) -> _Shown:
        """An upload's claim that the case's own record contradicts, shown as a disagreement that
        cites both sides; never as what the court decided."""
        zh = language == "zh"
        record = conflict.record
        fields = {"upload": conflict.upload.title, "says": conflict.statement.rstrip("。."), "case": conflict.case_title,
                  "record": record, "upload_cite": _CONFLICT_SLOT}
        if record:
            text = (prompts.CONFLICT_ZH if zh else prompts.CONFLICT_EN).format(**fields)
        else:
            text = (prompts.CONFLICT_UNRECORDED_ZH if zh else prompts.CONFLICT_UNRECORDED_EN).format(**fields)
        return _Shown(text, [conflict.upload, *conflict.record_passages])

    def _compose(self, question: str, cards: list[_Shown], shown: list[_Shown], statements: list[Statement],
                 result: RetrievalResult, language: str, timings: dict[str, float | None], source: str,
                 evidence: list[Passage] | None = None, model_text: str = "") -> Answer:
        """The final answer from the checked sentences: card lines first, then the model's."""
        items = cards + [s for s in shown if not any(_same_sentence(s.text, c.text) for c in cards)]
        read = evidence if evidence is not None else [p for c in cards for p in c.passages]
        unverified = [s.text for s in statements if not s.supported]
        if not items:
            answer = self._refusal(question, read, language, "unverified", timings, None)
            answer.statements, answer.model_text, answer.unverified = statements, model_text, unverified
            answer.evidence, answer.linked = read, result.linked
            return answer
        numbering: dict[str, int] = {}
        citations: list[Citation] = []
        parts: list[str] = []
        origins = self._origins()
        for item in items:
            markers = []
            for passage in item.passages:
                if passage.chunk_id not in numbering:
                    numbering[passage.chunk_id] = len(numbering) + 1
                    origin = "upload" if origins.get(passage.source_id) == UPLOAD else "library"
                    citations.append(Citation(numbering[passage.chunk_id], passage.source_id, passage.title,
                                              passage.locator, best_quote(item.text, passage, self.checker), True,
                                              passage.metadata, origin))
                markers.append(f"[{numbering[passage.chunk_id]}]")
            text = item.text
            if _CONFLICT_SLOT in text:  # a conflict cites the upload where it is quoted, the record at the end
                text, markers = text.replace(_CONFLICT_SLOT, markers[0]), markers[1:]
            parts.append(_with_markers(text, "".join(dict.fromkeys(markers))))
        joiner = "" if language == "zh" else " "
        said = [Statement(text=i.text, supported=True) for i in items]
        refused = all(_ABSENCE.search(i.text) for i in items) or not _adds_to(question, said)
        passages = list(result.passages)
        passages += [p for p in read if p.chunk_id not in {q.chunk_id for q in passages}]
        return Answer(
            question=question,
            answer=joiner.join(parts),
            refused=refused,
            refusal_reason="sources_silent" if refused else None,
            citations=citations,
            passages=passages,
            evidence=read,
            timings=timings,
            language=language,
            statements=statements,
            unverified=unverified,
            model_text=model_text,
            answered_from=source,  # type: ignore[arg-type]
            linked=result.linked,
        )

    def _refusal(self, question: str, nearest: list[Passage], language: str, reason: str,
                 timings: dict[str, float | None], started: float | None) -> Answer:
        zh = language == "zh"
        if reason == "not_covered":
            lead = prompts.REFUSAL_ZH if zh else prompts.REFUSAL_EN
        else:
            lead = prompts.UNVERIFIED_ZH if zh else prompts.UNVERIFIED_EN
        titles = list(dict.fromkeys(f"{p.title} ({p.locator})" for p in nearest[:3]))
        text = lead
        if titles:
            text += " " + (prompts.NEAREST_ZH if zh else prompts.NEAREST_EN) + " " + "; ".join(titles) + "."
        if started is not None:
            timings["total_s"] = time.perf_counter() - started
        return Answer(question=question, answer=text, refused=True, citations=[], passages=nearest,
                      timings=timings, language=language, refusal_reason=reason, answered_from="none")


def _case_name(metadata: dict[str, Any], language: str = "en") -> str:
    """A case's short name for an answer: for a Chinese answer its first Chinese alias, otherwise
    the head of its title ("Li v. Liu")."""
    if language == "zh":
        chinese = [a for a in aliases_of(metadata) if has_chinese(a)]
        if chinese:
            return chinese[0]
    title = str(metadata.get("title") or metadata.get("source_id") or "")
    return re.split(r"\s[(（—–]|,", title, maxsplit=1)[0].strip() or title


def _answers_topic(question: str, shown: list[_Shown]) -> bool:
    """Whether the sentences left touch at least a third of the question's topic words."""
    english = to_english(question)
    wanted = {t for t in tokenize(english) if t not in _QUESTION_WORDS and t.isascii()}
    if not wanted:
        return True
    said = set().union(*(bilingual_tokens(s.text) for s in shown)) if shown else set()
    return len(wanted & said) / len(wanted) >= 0.34


def _same_sentence(a: str, b: str) -> bool:
    """Whether the model restated a card line (most of its words are the card line's)."""
    words = set(tokenize(a)) - STOPWORDS
    return bool(words) and len(words & set(tokenize(b))) / len(words) >= 0.8
