"""The answer pipeline: condense → retrieve → gate → case cards → evidence → generate → verify.

``AnswerPipeline.stream`` is the whole path of a question; each step is a small function or
component that can be tested alone (evidence selection lives in ``assistant.evidence``, the
checker in ``assistant.citations``). The decision to refuse is made outside the model, twice:
before generation when the library plainly lacks the topic (no LLM call at all), and after it
when nothing the model wrote is supported.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from assistant import prompts
from assistant.card_answers import CardAnswers, Shown
from assistant.citations import APPLIED, CitationChecker
from assistant.card_answers import case_name
from assistant.config import GateSettings, Settings
from assistant.conflicts import ConflictCheck, UPLOAD
from assistant.embeddings import CachedEmbedder, get_embeddings
from assistant.evidence import EvidenceSelector, best_quote, case_evidence
from assistant.index import Library
from assistant.llms import load_chat_model
from assistant.places import fields_in, places_in
from assistant.questions import (
    allowed_jurisdictions,
    condense,
    coverage,
    is_comparison,
    is_situation,
    language_of,
    is_story,
    jurisdictions_named,
    without_jurisdictions,
    refers_back,
    validate_question,
)
from assistant.quotes import Quote, QuoteSelector
from assistant.reply import ReplyParser
from assistant.sides import Side, join_sides, side_answer, sides_of
from assistant.retrieval import HybridRetriever, SearchFilters
from assistant.text import QUESTION_WORDS, STOPWORDS, bilingual_tokens, says_sources_silent, to_english, tokenize
from assistant.types import Answer, AnswerEvent, Citation, Conflict, Passage, RetrievalResult, Statement


_CONFLICT_SLOT = "\x00"  # where a conflict's upload marker goes; replaced when the answer is composed
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
        quotes: QuoteSelector | None = None,
    ) -> None:
        self.retriever = retriever
        self.llm = llm
        self.checker = checker
        self.selector = selector or EvidenceSelector(embed=checker.embed)
        self.conflicts = ConflictCheck(retriever, checker)
        self.cards = CardAnswers(retriever, checker)
        self.quotes = quotes or QuoteSelector(embed=checker.embed)
        self.gate_settings = gate or GateSettings()
        self.max_question_chars = max_question_chars
        # A question comparing cases or jurisdictions is answered side by side (assistant.compare);
        # off for the sides themselves.
        self.compare_sides = True

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
            quotes=QuoteSelector(embed=embed, settings=settings.quote),
        )

    def gate(self, question: str, result: RetrievalResult) -> bool:
        """True when the library plausibly covers the question (decided without the model).
        A question that names a case in the library is covered by definition, unless it also names
        a place or field of law no passage of the library mentions ("…in Brazil?", "…patents?")."""
        named = places_in(question) | fields_in(question)
        if any(not self.retriever.links().mentions(key) for key in named):
            return False
        if result.linked:
            return True
        if not result.passages:
            return False
        knobs = self.gate_settings
        # A story is judged by the words it shares with the library, not by its narrative; the
        # jurisdictions a question names are judged above, and passages write them otherwise ("U.S.").
        vocabulary = self.retriever.links().view.bm25.vocabulary if is_story(question) else None
        topic = without_jurisdictions(question, jurisdictions_named(question))
        covered = coverage(topic, result.passages[:knobs.coverage_passages], vocabulary)
        return result.best_dense >= knobs.min_dense and covered >= knobs.min_coverage

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

    def stream(
        self,
        question: str,
        history: list[tuple[str, str]] | None = None,
        filters: SearchFilters | None = None,
        cases: list[str] | None = None,
    ) -> Iterator[AnswerEvent]:
        """The answer as events: the passages found, then the text as it is written, then the
        final answer with every sentence checked. ``cases`` restricts it to those cases (one side
        of a comparison); by default the question's own."""
        history = history or []
        started = time.perf_counter()
        question = validate_question(question, history, self.max_question_chars)
        query = condense(question, history)
        result = self.retriever.run(query, filters=filters, cases=cases or self.cases_asked(question, history))
        turn = _Turn(question, query, history, result, language_of(question), started,
                     {"retrieval_s": time.perf_counter() - started, "first_token_s": None, "total_s": None,
                      "check_s": None})
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
        if self.compare_sides:
            sides = sides_of(question, result.linked, lambda case: self._case_label(case, language), language)
            if sides:
                return (yield from self._sides_answer(turn, sides))
        cards = self.cards.run(question, result.linked, language) if result.linked else []
        undecided = "" if cards or not result.linked else self.cards.undecided(question, result.linked, language)
        if undecided:
            answer = self._refusal(question, result.passages, language, "not_decided", turn.timings)
            answer.answer = undecided
            yield AnswerEvent("token", text=undecided)
            return answer
        origins = self._origins()
        if cards:
            turn.timings["first_token_s"] = time.perf_counter() - turn.started
            yield AnswerEvent("token", text=("" if language == "zh" else " ").join(c.text for c in cards))
        if cards and self.cards.is_enough(question, cards, result.linked):
            return self._compose(turn, cards, [], [], "card", origins)
        return (yield from self._model_answer(turn, cards, origins))

    def _case_label(self, case: str, language: str) -> str:
        links = self.retriever.links()
        return case_name(links.view.metadatas[links.rows[case][0]], language) if case in links.rows else case

    def _sides_answer(self, turn: _Turn, sides: list[Side]) -> Generator[AnswerEvent, None, Answer]:
        """A comparison answered side by side: each side a short answer from its own sources (the
        engine of the Compare tab), shown as it is done, then joined."""
        answered: list[tuple[Side, Answer]] = []
        zh = turn.language == "zh"
        yield AnswerEvent("token", text=prompts.SIDES_LEAD_ZH if zh else prompts.SIDES_LEAD_EN)
        for side in sides:
            answer = side_answer(self, turn.question, side)
            if answer is None:
                continue
            answered.append((side, answer))
            if turn.timings["first_token_s"] is None and not answer.refused:
                turn.timings["first_token_s"] = time.perf_counter() - turn.started
            so_far = join_sides(turn.question, answered, turn.language, {})  # numbered as the final answer
            yield AnswerEvent("token", text="\n" + so_far.answer.rsplit("\n", 1)[-1])
        joined = join_sides(turn.question, answered, turn.language, turn.timings)
        joined.passages = joined.passages or turn.result.passages
        return joined

    def _model_answer(self, turn: _Turn, cards: list[Shown],
                      origins: dict[str, str]) -> Generator[AnswerEvent, None, Answer]:
        """The model reads the evidence; its sentences are streamed, then checked one by one."""
        question, result, language, timings = turn.question, turn.result, turn.language, turn.timings
        situation = self.selector.settings.situation_two_steps and is_situation(question) and not result.linked
        if result.linked:
            evidence = case_evidence(turn.query, result.passages, result.linked, self.selector.settings)
        elif situation or not self.compare_sides:  # a situation, or one side of a comparison
            evidence = self.selector.whole(turn.query, result.passages, self.selector.settings.situation_sources)
        else:
            evidence = self.selector.run(turn.query, result.passages)
        prompt_question = (question if turn.query == question
                           else f"{question} (follow-up to the question: {turn.history[-1][0]})")
        write = prompts.situation_messages if situation else prompts.answer_messages
        messages = write([(f"{p.title} — {p.locator}", p.text) for p in evidence], prompt_question, language)
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
            quotes = self.quotes.run(turn.query, evidence)
            if quotes:  # the model judged wrongly, or too cautiously: the sentences that bear on it
                return self._compose(turn, [], _quoted(quotes, language), [], "quote", origins, evidence=evidence)
            answer = self._refusal(question, result.passages, language, "sources_silent", timings)
            answer.evidence, answer.linked = evidence, result.linked
            return answer
        pieces.append(reply.flush())
        model_text = "" if reply.none_relevant else "".join(pieces).strip()
        checking = time.perf_counter()
        statements = self._check(question, model_text, evidence, result.linked)
        conflicts = dict(self.conflicts.run(statements, evidence, result.linked, origins))
        timings["check_s"] = time.perf_counter() - checking
        shown = [self._conflict_shown(conflicts[i], language) if i in conflicts
                 else Shown(s.text, [evidence[n - 1] for n in s.cited])
                 for i, s in enumerate(statements) if s.supported]
        if (statements and not statements[0].supported and not cards
                and not _answers_topic(question, shown, self.gate_settings.min_topic_share)):
            shown = []  # the model's direct answer failed; what is left is context, not an answer
        source = "card+model" if cards else "model"
        if not shown and not cards and (quotes := self.quotes.run(turn.query, evidence)):
            shown, source = _quoted(quotes, language), "quote"
        answer = self._compose(turn, cards, shown, statements, source, origins,
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
        sources = [f"{p.title} — {p.locator}\n{p.text}" for p in evidence]
        statements = self.checker.run(model_text, sources, question)
        if self.selector.settings.situation_two_steps and is_situation(question):
            self._check_applied(statements, sources, question)
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
            if other_case:
                statement.supported, statement.reason = False, "the cited passage is about another case"
            elif other_place:
                statement.supported, statement.reason = False, "the cited passage is about another jurisdiction"
            elif repeats_example(statement.text, vocabulary):
                statement.supported, statement.reason = False, "it copies the prompt's worked example"
        return statements

    def _check_applied(self, statements: list[Statement], sources: list[str], question: str) -> None:
        """A sentence applying its source's rule to the asker's facts is judged by that source and
        the facts the question gives (``CitationChecker.applies``), not by the source alone."""
        for statement in statements:
            cited = [n for n in statement.model_cited if 1 <= n <= len(sources)]
            if statement.supported or not cited or not APPLIED.match(statement.text):
                continue
            verdicts = [self.checker.applies(statement.text, sources[n - 1], question) for n in cited]
            supported = [n for n, verdict in zip(cited, verdicts) if verdict.supported]
            statement.supported = bool(supported)
            statement.cited = supported or cited
            statement.reason = next((v.reason for v in verdicts if v.supported), verdicts[0].reason)

    def _origins(self) -> dict[str, str]:
        """Each document's origin ("curated" or "user"), from the manifest: the index's record."""
        return {source_id: str(entry.get("origin") or "") for source_id, entry in self.retriever.library.documents().items()}

    @staticmethod
    def _conflict_shown(conflict: Conflict, language: str) -> Shown:
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
        return Shown(text, [conflict.upload, *conflict.record_passages])

    def _compose(self, turn: _Turn, cards: list[Shown], shown: list[Shown], statements: list[Statement],
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


def _quoted(quotes: list[Quote], language: str) -> list[Shown]:
    """Evidence sentences shown as quotes, never reworded: the first under the plain label."""
    lead = prompts.QUOTE_LEAD_ZH if language == "zh" else prompts.QUOTE_LEAD_EN
    return [Shown(f"{lead + ' ' if i == 0 else ''}“{q.sentence}”", [q.passage]) for i, q in enumerate(quotes)]


def _answers_topic(question: str, shown: list[Shown], min_share: float) -> bool:
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
