"""BM25 over English words and Chinese characters, as one sparse matrix.

Chinese has no spaces, so text is indexed as CJK character unigrams and bigrams beside Latin
words; numbers are kept whole because case numbers and amounts are what lawyers search for.
Scores for all passages come from one sparse column slice, which stays fast at 100k passages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from assistant.glossary import has_chinese, to_english

_TOKEN = re.compile(r"[a-z0-9]+(?:[.'’][a-z0-9]+)*|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
STOPWORDS = frozenset(
    """a an and are as at be been but by can could did do does for from had has have how i if in into is it its
    may might must no not of on or shall should so such than that the their them then there these they this
    those to under was were what when where which who whom whose why will with would you your about also any
    one ones""".split()
)
CJK_STOP = frozenset("的了是在和与及或也就都而之其这那哪什么吗呢吧怎么如何为")


def _stem(word: str) -> str:
    """A light English stemmer, enough for "works"/"work", "posted"/"posting"/"post" and
    "ruled"/"rule": plural -s, then -ed or -ing, a doubled final consonant, a final -e."""
    if word.isdigit() or len(word) <= 3:
        return word
    for suffix, keep in (("ies", "y"), ("sses", "ss"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith(("ss", "us", "is")):
            word = word[: -len(suffix)] + keep
            break
    if word.endswith("ied") and len(word) >= 6:
        return word[:-3] + "y"
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) >= 4:
        word = word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        piece = match.group(0)
        if _CJK.match(piece):
            chars = [c for c in piece]
            tokens.extend(c for c in chars if c not in CJK_STOP)
            tokens.extend(a + b for a, b in zip(chars, chars[1:]))
        else:
            piece = piece.replace("’", "'").strip("'.")
            if piece and piece not in STOPWORDS and (len(piece) > 1 or piece.isdigit()):
                tokens.append(_stem(piece))
    return tokens


def bilingual_tokens(text: str) -> set[str]:
    """The text's tokens plus, for Chinese text, those of its glossary English: how a Chinese
    sentence is compared with English passages."""
    tokens = set(tokenize(text))
    return (tokens | set(tokenize(to_english(text)))) if has_chinese(text) else tokens


class BM25Index:
    """Okapi BM25 (k1=1.2, b=0.75) with precomputed per-term weights in a CSC matrix."""

    def __init__(self, texts: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.vocabulary: dict[str, int] = {}
        rows, cols, counts = [], [], []
        lengths = np.zeros(len(texts), dtype=np.float32)
        for row, text in enumerate(texts):
            tokens = tokenize(text)
            lengths[row] = len(tokens)
            for token, count in Counter(tokens).items():
                rows.append(row)
                cols.append(self.vocabulary.setdefault(token, len(self.vocabulary)))
                counts.append(count)
        n_docs = max(len(texts), 1)
        shape = (len(texts), max(len(self.vocabulary), 1))
        tf = sparse.csr_matrix((np.array(counts, dtype=np.float32), (rows, cols)), shape=shape)
        doc_freq = np.bincount(np.array(cols, dtype=np.int64), minlength=shape[1]).astype(np.float32)
        idf = np.log(1.0 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))
        norm = k1 * (1 - b + b * lengths / max(float(lengths.mean()) if len(texts) else 1.0, 1.0))
        tf = tf.tocoo()
        weights = tf.data * (k1 + 1) / (tf.data + norm[tf.row]) * idf[tf.col]
        self.matrix = sparse.csc_matrix((weights, (tf.row, tf.col)), shape=shape)
        self.size = len(texts)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every indexed text for the query (zeros when no term matches)."""
        columns = [self.vocabulary[t] for t in tokenize(query) if t in self.vocabulary]
        if not columns or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.matrix[:, columns].sum(axis=1)).ravel()

    def top(self, query: str, n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best n (row, score) pairs with a positive score, optionally among allowed rows only."""
        scores = self.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        n = min(n, self.size)
        if n == 0:
            return []
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best])]
        return [(int(row), float(scores[row])) for row in best if scores[row] > 0]
