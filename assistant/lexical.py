"""BM25 over English words and Chinese characters, as one sparse matrix.

Text is indexed as ``assistant.text.tokenize`` reads it: CJK character unigrams and bigrams beside
Latin word stems, with numbers kept whole because case numbers and amounts are what lawyers search for.
Scores for all passages come from one sparse column slice, which stays fast at 100k passages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from assistant.text import tokenize


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
