"""Quotes instead of nothing: when the library covers a question but no sentence the model wrote
could be verified, the evidence sentences that best answer it are shown verbatim, each with its
marker and pinpoint. A verbatim quote is verified by construction; the user reads the source's own
words instead of a bare list of titles. Only a sentence that bears on the question is quoted: it
must share enough of the question's topic words and be close to it in meaning, so a question the
sources do not answer is still refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.config import QuoteSettings
from assistant.text import QUESTION_WORDS, bilingual_tokens, has_chinese, split_sentences, to_english, tokenize
from assistant.types import Passage


@dataclass
class Quote:
    """One evidence sentence quoted verbatim, the passage it comes from, and how well it answers."""

    sentence: str
    passage: Passage
    relevance: float


def topic_words(question: str) -> set[str]:
    """The question's own words (and, for Chinese, their glossary English) without question words."""
    words = set(tokenize(question)) | set(tokenize(to_english(question)))
    return {w for w in words - QUESTION_WORDS if len(w) > 1}


class QuoteSelector:
    """Picks one to ``max_quotes`` evidence sentences that bear on a question, best first."""

    def __init__(self, embed: Callable[[list[str]], list[list[float]]] | None = None,
                 settings: QuoteSettings | None = None) -> None:
        self.embed = embed
        self.settings = settings or QuoteSettings()

    def candidates(self, passages: list[Passage]) -> list[tuple[str, Passage]]:
        """Every whole sentence of the passages (an excerpt's "…" gaps are not sentences)."""
        found = []
        for passage in passages:
            for sentence in split_sentences(passage.text):
                text = sentence.strip().strip("…").strip()
                if len(text) >= 20 and text not in {s for s, _ in found}:
                    found.append((text, passage))
        return found

    def run(self, question: str, passages: list[Passage]) -> list[Quote]:
        knobs = self.settings
        pool = self.candidates(passages)
        wanted = topic_words(question)
        if not pool or not wanted:
            return []
        shares = np.array([len(wanted & bilingual_tokens(f"{p.title} {s}")) / len(wanted) for s, p in pool])
        if self.embed is not None:
            vectors = np.array(self.embed([to_english(question), *[to_english(s) for s, _ in pool]]))
            similarity = np.clip(vectors[1:] @ vectors[0], 0.0, 1.0)
        else:
            similarity = shares
        relevance = 0.5 * shares + 0.5 * similarity
        bearing = (shares >= knobs.min_share) & (similarity >= knobs.min_similarity)
        if not bearing.any():
            return []
        order = [int(i) for i in np.argsort(-relevance, kind="stable") if bearing[i]]
        best = relevance[order[0]]
        chinese = has_chinese(question)
        quotes: list[Quote] = []
        for index in order:
            sentence, passage = pool[index]
            if relevance[index] < knobs.min_relative * best or len(quotes) == knobs.max_quotes:
                break
            if quotes and chinese != has_chinese(sentence) and any(chinese == has_chinese(q.sentence) for q in quotes):
                continue  # one language is enough once the question's own language is quoted
            quotes.append(Quote(sentence, passage, float(relevance[index])))
        return quotes
