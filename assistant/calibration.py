"""The checker's decision, fitted on labelled claims instead of set by hand.

Each check of ``assistant.support`` was added after one failure and is right only some of the
time: measured on the development claims (``tests/verification/``), the polarity check fires on
36 true claims for 54 false ones, the figure-context check on 40 true for 31 false. So a sentence's
support is no longer a threshold on word overlap followed by vetoes. A few checks stay vetoes,
because they rarely fire on a true claim and what they catch is the worst error (a figure, name,
place or field the passage lacks, or a figure it gives for another event; a negation, a holding
or a party's argument the passage contradicts; a sentence that says nothing, only restates the
question, or drops the passage's "not confirmed");
the rest become features which a logistic regression weighs together with overlap, embedding
similarity and the share of the sentence's words the passage lacks.

``benchmarks/fit_checker.py`` fits the weights from the development sets and writes
``assistant/support_model.json``; the fit is deterministic (L-BFGS from zeros), so rerunning it
reproduces the file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant import support
from assistant.text import GENERIC_WORDS, STOPWORDS, bilingual_tokens, split_sentences, to_english

MODEL_FILE = Path(__file__).with_name("support_model.json")

# The features, in order; each is a number computed from (sentence, passage, question).
FEATURES = (
    "support",            # rarity-weighted word overlap and embedding similarity (the old score)
    "best_sentence",      # embedding similarity to the passage sentence closest to it
    "novel_share",        # share of the sentence's content words the passage lacks
    "novel_words",        # how many
    "verbatim",           # a passage sentence copied nearly word for word
    "another_case",       # the passage says this of another case
    "misattributed",      # the passage is not the source the sentence quotes
    "length",             # log of the sentence's content words
)


@dataclass
class SupportModel:
    """A logistic regression over ``FEATURES`` (standardised), and the probability it needs."""

    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    threshold: float

    def probability(self, features: list[float]) -> float:
        z = sum(w * (x - m) / s for w, x, m, s in zip(self.weights, features, self.mean, self.scale)) + self.bias
        return 1.0 / (1.0 + math.exp(-z))

    def strongest_doubt(self, features: list[float]) -> str:
        """The feature that counts most against the sentence: what a user reads as the reason."""
        pulls = [(w * (x - m) / s, name) for w, x, m, s, name in
                 zip(self.weights, features, self.mean, self.scale, FEATURES)]
        return min(pulls)[1]


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_FILE) -> SupportModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("features") != list(FEATURES):
        raise ValueError(f"{path} was fitted on other features; run benchmarks/fit_checker.py")
    return SupportModel(data["mean"], data["scale"], data["weights"], data["bias"], data["threshold"])


def claim_features(sentence: str, passage: str, body: str, question: str, score: float,
                   embed: Callable[[list[str]], list[list[float]]] | None) -> list[float]:
    """The features of one sentence against one passage (``body``: the passage without its heading)."""
    sentences = [s for line in body.split("\n") for s in split_sentences(line)] or [body]
    if embed is not None:
        vectors = np.array(embed([to_english(sentence), *[to_english(s) for s in sentences]]))
        best = float(np.max(vectors[1:] @ vectors[0]))
    else:
        best = score
    said = bilingual_tokens(sentence) - GENERIC_WORDS - STOPWORDS
    novel = said - bilingual_tokens(passage)
    return [
        score, best, len(novel) / max(1, len(said)), float(len(novel)),
        float(support.verbatim_in(sentence, body)),
        float(support.another_case(sentence, body) is not None),
        float(support.misattributed(sentence, body) is not None),
        math.log(1 + len(said)),
    ]


# What each feature means when it is the strongest doubt about a sentence.
DOUBTS = {
    "support": "too little of the sentence is in the passage",
    "best_sentence": "no passage sentence says what the sentence says",
    "novel_share": "much of the sentence is not in the passage",
    "novel_words": "much of the sentence is not in the passage",
    "verbatim": "too little of the sentence is in the passage",
    "another_case": "the passage says this of another case",
    "misattributed": "the passage is not the source the sentence quotes",
    "length": "too little of the sentence is in the passage",
}
