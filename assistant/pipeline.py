"""The answer pipeline: condense → retrieve → gate → case cards → evidence → generate → verify.

``AnswerPipeline.stream`` is the whole path of a question; each step is a small function or
component that can be tested alone (evidence selection lives in ``assistant.evidence``, the
checker in ``assistant.citations``). The decision to refuse is made outside the model, twice:
before generation when the library plainly lacks the topic (no LLM call at all), and after it
when nothing the model wrote is supported.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from assistant import prompts
from assistant.cases import (
    CARD_LABELS,
    CARD_LABELS_ZH,
    aliases_of,
    allowed_jurisdictions,
    asks_reasoning,
    card_fields,
    card_fields_asked,
    pinpoint_paragraphs,
    without_pinpoint,
)
from assistant.citations import CitationChecker
from assistant.config import GateSettings, Settings
from assistant.conflicts import ConflictCheck, UPLOAD
from assistant.embeddings import CachedEmbedder, get_embeddings
from assistant.evidence import EvidenceSelector, best_quote, case_evidence
from assistant.index import Library
from assistant.llms import load_chat_model
from assistant.reply import ReplyParser
from assistant.retrieval import HybridRetriever, SearchFilters, question_parts
from assistant.text import (
    CJK_CHARS,
    OPENERS,
    QUESTION_WORDS,
    STOPWORDS,
    bilingual_tokens,
    has_chinese,
    says_sources_silent,
    to_english,
    tokenize,
)
from assistant.types import Answer, AnswerEvent, Citation, Conflict, Passage, RetrievalResult, Statement


class InvalidQuestion(ValueError):
    """An empty or over-long question, or over-long history."""


_FOLLOW_UP = re.compile(
    r"\b(it|its|they|them|that|this|those|these|he|she|his|her|the court|the case|the judge|same|also|"
    r"and what|what about|how about)\b|^(and|but|so)\b|该案|这个|那个|此案|它|他们|那么",
    re.IGNORECASE,
)
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
    names = re.findall(rf"\b(?:[A-Z][\w'’.-]*|v\.|\d[\d,()]*)|[{CJK_CHARS}]{{2,}}", question)
    return " ".join(n for n in names if n.lower().strip("?.,") not in QUESTION_WORDS and n not in OPENERS)


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
    """Share of the question's topic words found in the given passages (with their titles)."""
    english = to_english(question)
    wanted = set(tokenize(english)) - QUESTION_WORDS
    wanted = {t for t in wanted if t.isascii()}
    if not wanted:
        return 1.0
    found: set[str] = set()
    for passage in passages:
        found |= set(tokenize(f"{passage.title} {passage.locator} {passage.text}"))
    return len(wanted & found) / len(wanted)


_CONFLICT_SLOT = "\x00"  # where a conflict's upload marker goes; replaced when the answer is composed
# Card fields whose values are figures (dates, amounts, numbers), checked with their label.
_FIGURE_FIELDS = frozenset({"decided", "remedies", "claimed", "case_number"})
# A status that says the case is still open, so an outcome it lacks has not happened yet.
_OPEN_STATUS = re.compile(r"pending|not confirmed|no decision|not final|outcome not|in discovery|proceeds", re.IGNORECASE)

_COMPARISON = re.compile(r"\b(?:compare|comparison|differ\w*|contrast|both|versus|vs\.?|each|similar\w*)\b|比较|区别|不同|异同|两案",
                         re.IGNORECASE)


def is_comparison(question: str, linked: list[str]) -> bool:
    """A question about two or more cases at once, where citing several cases is the point."""
    return len(linked) > 1 or bool(_COMPARISON.search(question))


_EXAMPLE_WORDS = frozenset(tokenize(" ".join(text for turn in prompts.EXAMPLES for text in turn))) - STOPWORDS


def repeats_example(sentence: str, vocabulary: dict[str, int] | set[str]) -> bool:
    """Whether a sentence copies the prompt's worked example: it uses two or more of the example's
    words that occur nowhere in the library (florins, the ferry operator…)."""
    foreign = {t for t in tokenize(sentence) if t in _EXAMPLE_WORDS and t not in vocabulary}
    return len(foreign) >= 2


def _adds_to(question: str, statements: list[Statement]) -> bool:
    """Whether the answer says anything the question did not (an echo like "Li [1]" does not)."""
    asked = set(tokenize(question)) | set(tokenize(to_english(question)))
    said = set().union(*(tokenize(s.text) for s in statements))
    return bool(said - asked - QUESTION_WORDS - STOPWORDS)


def _with_markers(sentence: str, markers: str) -> str:
    """Put citation markers before the sentence's closing punctuation: "… RMB 500 [1]." """
    text = sentence.rstrip()
    end = len(text.rstrip(".。!！?？;；"))
    return f"{text[:end]} {markers}{text[end:]}" if markers else text


@dataclass
class _Turn:
    """One question on its way through the pipeline: what was asked, and what retrieval found."""

    question: str
    query: str  # the question, or for a follow-up the question with the names it refers back to
    history: list[tuple[str, str]]
    result: RetrievalResult
    language: str
    started: float
    timings: dict[str, float | None]


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
        gate: GateSettings | None = None,
        max_question_chars: int = 2000,
    ) -> None:
        self.retriever = retriever
        self.llm = llm
        self.checker = checker
        self.selector = selector or EvidenceSelector(embed=checker.embed)
        self.conflicts = ConflictCheck(retriever, checker)
        self.gate_settings = gate or GateSettings()
        self.max_question_chars = max_question_chars

    @classmethod
    def from_settings(cls, settings: Settings, library: Library | None = None) -> "AnswerPipeline":
        """The pipeline with every knob of ``settings``: the real index, embeddings and model."""
        embed = CachedEmbedder(get_embeddings(Path(settings.embedding_model)).embed_documents)
        return cls(
            retriever=HybridRetriever(library=library or Library(settings), settings=settings.retrieval),
            llm=lambda: load_chat_model(settings.llm, settings),
            checker=CitationChecker(embed=embed, settings=settings.verification),
            selector=EvidenceSelector(embed=embed, settings=settings.evidence),
            gate=settings.gate,
            max_question_chars=settings.max_question_chars,
        )

    def gate(self, question: str, result: RetrievalResult) -> bool:
        """True when the library plausibly covers the question (decided without the model).
        A question that names a case in the library is covered by definition."""
        if result.linked:
            return True
        if not result.passages:
            return False
        knobs = self.gate_settings
        return result.best_dense >= knobs.min_dense and coverage(question, result.passages[:knobs.coverage_passages]) >= knobs.min_coverage

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
        """The answer as events: the passages found, then the text as it is written, then the
        final answer with every sentence checked."""
        history = history or []
        started = time.perf_counter()
        question = validate_question(question, history, self.max_question_chars)
        query = condense(question, history)
        result = self.retriever.run(query, filters=filters, cases=self.cases_asked(question, history))
        turn = _Turn(question, query, history, result, language_of(question), started,
                     {"retrieval_s": time.perf_counter() - started, "first_token_s": None, "total_s": None})
        yield AnswerEvent("passages", passages=result.passages)
        answer = yield from self._answer(turn)
        answer.timings["total_s"] = time.perf_counter() - started
        yield AnswerEvent("final", answer=answer)

    def _answer(self, turn: _Turn) -> Generator[AnswerEvent, None, Answer]:
        """Refuse without the model (the library lacks the topic, or the case is undecided), answer
        from the named cases' cards, or have the model read the evidence and check what it wrote."""
        question, result, language = turn.question, turn.result, turn.language
        if not self.gate(turn.query, result):
            answer = self._refusal(question, result.passages, language, "not_covered", turn.timings)
            yield AnswerEvent("token", text=answer.answer)
            return answer
        cards = self.card_answers(question, result.linked, language) if result.linked else []
        undecided = "" if cards or not result.linked else self._undecided(question, result.linked, language)
        if undecided:
            answer = self._refusal(question, result.passages, language, "not_decided", turn.timings)
            answer.answer = undecided
            yield AnswerEvent("token", text=undecided)
            return answer
        origins = self._origins()
        if cards:
            turn.timings["first_token_s"] = time.perf_counter() - turn.started
            yield AnswerEvent("token", text=("" if language == "zh" else " ").join(c.text for c in cards))
        if cards and self._card_is_enough(question, cards, result.linked):
            return self._compose(turn, cards, [], [], "card", origins)
        return (yield from self._model_answer(turn, cards, origins))

    def _model_answer(self, turn: _Turn, cards: list[_Shown],
                      origins: dict[str, str]) -> Generator[AnswerEvent, None, Answer]:
        """The model reads the evidence; its sentences are streamed, then checked one by one."""
        question, result, language, timings = turn.question, turn.result, turn.language, turn.timings
        if result.linked:
            evidence = case_evidence(turn.query, result.passages, result.linked, self.selector.settings)
        else:
            evidence = self.selector.run(turn.query, result.passages)
        prompt_question = (question if turn.query == question
                           else f"{question} (follow-up to the question: {turn.history[-1][0]})")
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
                    timings["first_token_s"] = time.perf_counter() - turn.started
                pieces.append(text)
                yield AnswerEvent("token", text=text)
        if reply.none_relevant and not cards:
            answer = self._refusal(question, result.passages, language, "sources_silent", timings)
            answer.evidence, answer.linked = evidence, result.linked
            return answer
        pieces.append(reply.flush())
        model_text = "" if reply.none_relevant else "".join(pieces).strip()
        statements = self._check(question, model_text, evidence, result.linked)
        conflicts = dict(self.conflicts.run(statements, evidence, result.linked, origins))
        shown = [self._conflict_shown(conflicts[i], language) if i in conflicts
                 else _Shown(s.text, [evidence[n - 1] for n in s.cited])
                 for i, s in enumerate(statements) if s.supported]
        if (statements and not statements[0].supported and not cards
                and not _answers_topic(question, shown, self.gate_settings.min_topic_share)):
            shown = []  # the model's direct answer failed; what is left is context, not an answer
        answer = self._compose(turn, cards, shown, statements, "card+model" if cards else "model", origins,
                               evidence=evidence, model_text=model_text)
        answer.conflicts = list(conflicts.values())
        return answer

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

    def _compose(self, turn: _Turn, cards: list[_Shown], shown: list[_Shown], statements: list[Statement],
                 source: str, origins: dict[str, str], evidence: list[Passage] | None = None,
                 model_text: str = "") -> Answer:
        """The final answer from the checked sentences: card lines first, then the model's."""
        question, result, language, timings = turn.question, turn.result, turn.language, turn.timings
        items = cards + [s for s in shown if not any(_same_sentence(s.text, c.text) for c in cards)]
        read = evidence if evidence is not None else [p for c in cards for p in c.passages]
        unverified = [s.text for s in statements if not s.supported]
        if not items:
            answer = self._refusal(question, read, language, "unverified", timings)
            answer.statements, answer.model_text, answer.unverified = statements, model_text, unverified
            answer.evidence, answer.linked = read, result.linked
            return answer
        numbering: dict[str, int] = {}
        citations: list[Citation] = []
        parts: list[str] = []
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
        refused = all(says_sources_silent(i.text) for i in items) or not _adds_to(question, said)
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

    @staticmethod
    def _refusal(question: str, nearest: list[Passage], language: str, reason: str,
                 timings: dict[str, float | None]) -> Answer:
        """A refusal that says why and lists the nearest sources, so the user can read them."""
        zh = language == "zh"
        if reason == "not_covered":
            lead = prompts.REFUSAL_ZH if zh else prompts.REFUSAL_EN
        elif reason == "sources_silent":
            lead = prompts.SILENT_ZH if zh else prompts.SILENT_EN
        else:
            lead = prompts.UNVERIFIED_ZH if zh else prompts.UNVERIFIED_EN
        titles = list(dict.fromkeys(f"{p.title} ({p.locator})" for p in nearest[:3]))
        text = lead
        if titles:
            text += " " + (prompts.NEAREST_ZH if zh else prompts.NEAREST_EN) + " " + "; ".join(titles) + "."
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


def _answers_topic(question: str, shown: list[_Shown], min_share: float) -> bool:
    """Whether the sentences left touch at least ``min_share`` of the question's topic words."""
    english = to_english(question)
    wanted = {t for t in tokenize(english) if t not in QUESTION_WORDS and t.isascii()}
    if not wanted:
        return True
    said = set().union(*(bilingual_tokens(s.text) for s in shown)) if shown else set()
    return len(wanted & said) / len(wanted) >= min_share


def _same_sentence(a: str, b: str) -> bool:
    """Whether the model restated a card line (most of its words are the card line's)."""
    words = set(tokenize(a)) - STOPWORDS
    return bool(words) and len(words & set(tokenize(b))) / len(words) >= 0.8
