"""What the model reads: excerpts of the best passages, or whole paragraphs of the cases a
question names, within a character budget (reading is the slowest step on a laptop); and, once an
answer is written, the sentence of a cited passage that best supports each claim."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from assistant.cards import CARD_LOCATOR
from assistant.citations import CitationChecker
from assistant.config import EvidenceSettings
from assistant.injection import set_aside
from assistant.questions import answer_types, types_in
from assistant.text import QUESTION_WORDS, bilingual_tokens, split_sentences, to_english, tokenize
from assistant.types import Passage


def _question_only(passage: Passage) -> bool:
    return passage.text.rstrip().endswith(("?", "?"))


class EvidenceSelector:
    """Chooses what the model reads: the best sentences of the top passages, within a budget.

    Reading is the slow part here (see ``EvidenceSettings``), and a whole passage is
    mostly context around one or two sentences that answer. Sentences are scored against the
    query (shared topic words plus embedding similarity); the top passage keeps more room than
    the others, every excerpt keeps its passage's heading, and a passage whose best sentence is
    far weaker than the best overall is left out rather than offered as a distraction.
    """

    def __init__(self, embed: Callable[[list[str]], list[list[float]]] | None = None,
                 settings: EvidenceSettings | None = None) -> None:
        self.embed = embed
        self.settings = settings or EvidenceSettings()

    def _relevance(self, query: str, sentences: list[str]) -> np.ndarray:
        english = to_english(query)
        wanted = (set(tokenize(query)) | set(tokenize(english))) - QUESTION_WORDS
        lexical = np.array([
            len(wanted & bilingual_tokens(s))
            / max(1, len(wanted)) for s in sentences
        ])
        if self.embed is None:
            return lexical
        vectors = np.array(self.embed([english, *sentences]))
        return 0.5 * lexical + 0.5 * np.clip(vectors[1:] @ vectors[0], 0.0, 1.0)

    def run(self, query: str, passages: list[Passage]) -> list[Passage]:
        knobs = self.settings
        pool = [p for p in passages if not _question_only(p) and not set_aside(p.text, p.metadata)
                and p.locator != CARD_LOCATOR][: knobs.candidates]
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
            room = min(knobs.other_chars if chosen else knobs.lead_chars, knobs.budget_chars - used)
            if chosen and (own.max() < knobs.min_relative * best or room < knobs.min_excerpt_chars):
                continue
            text = _excerpt(group, own, room, knobs.excerpt_min_relative)
            chosen.append(replace(passage, text=text))
            used += len(text)
            if len(chosen) == knobs.max_sources or used >= knobs.budget_chars:
                break
        return chosen


    def whole(self, query: str, passages: list[Passage], max_sources: int) -> list[Passage]:
        """Whole paragraphs, best first by their best sentence, from at most ``max_sources``
        documents: a question about the asker's own situation, or one side of a comparison, needs a
        rule with its conditions, which an excerpt may cut."""
        pool = [p for p in passages if not _question_only(p) and not set_aside(p.text, p.metadata)
                and p.locator != CARD_LOCATOR][: self.settings.candidates]
        if not pool:
            return []
        sentences = [split_sentences(p.text) or [p.text] for p in pool]
        scores = self._relevance(query, [s for group in sentences for s in group])
        best: list[float] = []
        offset = 0
        for group in sentences:
            best.append(float(scores[offset: offset + len(group)].max()))
            offset += len(group)
        chosen: list[Passage] = []
        for _, passage in sorted(zip(best, pool), key=lambda pair: -pair[0]):
            if passage.source_id not in {p.source_id for p in chosen}:
                chosen.append(passage)
            if len(chosen) == max_sources:
                break
        return chosen


def _excerpt(sentences: list[str], scores: np.ndarray, room: int, min_relative: float) -> str:
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


def case_evidence(query: str, passages: list[Passage], linked: list[str],
                  settings: EvidenceSettings | None = None) -> list[Passage]:
    """Whole paragraphs of the cases a question names: the best one of each case, then, while the
    budget lasts, the one that adds most of what is still missing (a topic word, or the kind of
    fact asked for), so "what was awarded, and why?" reads the remedies and a reasoning paragraph.

    The retriever has already ranked each case's paragraphs by the question's topic words."""
    settings = settings or EvidenceSettings()
    english = to_english(query)
    wanted = {t for t in set(tokenize(english)) | set(tokenize(query)) if t not in QUESTION_WORDS}
    kinds = answer_types(f"{query} {english}")
    pools = {source: [p for p in passages if p.source_id == source and p.locator != CARD_LOCATOR
                      and not _question_only(p) and not set_aside(p.text, p.metadata)][:4] for source in linked}
    chosen: list[Passage] = []
    covered: set[str] = set()
    used = 0
    limit = settings.case_paragraphs if len(linked) == 1 else 1
    for round_ in range(limit):
        for source in linked:
            pool = [p for p in pools[source] if p not in chosen]
            if not pool:
                continue

            def gain(passage: Passage) -> int:
                fresh_kinds = (kinds & types_in(passage.text)) - covered
                return len((wanted & bilingual_tokens(passage.text)) - covered) + 2 * len(fresh_kinds)

            pick = pool[0] if round_ == 0 else max(pool, key=gain)
            if round_ > 0 and (gain(pick) == 0 or used + len(pick.text) > settings.case_budget_chars):
                continue
            chosen.append(pick)
            used += len(pick.text)
            covered |= bilingual_tokens(pick.text) | types_in(pick.text)
    return chosen


def best_quote(statement: str, passage: Passage, checker: CitationChecker) -> str:
    """The sentence of a passage that best supports a statement (what the UI highlights)."""
    sentences = [s.strip("… ") for s in split_sentences(passage.text) if s.strip("… ")] or [passage.text]
    scores = checker.scores(statement, sentences)
    return sentences[int(scores.argmax())] if len(sentences) > 1 else sentences[0]
