"""Sentence embeddings from the locally installed model directory (never a hub download)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from langchain_huggingface import HuggingFaceEmbeddings


@lru_cache(maxsize=2)
def get_embeddings(model_dir: Path) -> HuggingFaceEmbeddings:
    """Load the embedding model once per process.

    One torch thread: on these 2-core machines it embeds short queries faster than two, and it
    leaves the other core to llama.cpp.
    """
    import torch

    torch.set_num_threads(1)
    return HuggingFaceEmbeddings(
        model_name=str(model_dir),
        model_kwargs={"device": "cpu", "local_files_only": True},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
    )


class CachedEmbedder:
    """``embed(texts)`` that embeds each distinct text once: the checker scores every sentence of
    an answer against the same passages, which would otherwise be embedded again for each."""

    def __init__(self, embed: Callable[[list[str]], list[list[float]]], max_entries: int = 4096) -> None:
        self.embed = embed
        self.max_entries = max_entries
        self._vectors: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def __call__(self, texts: list[str]) -> list[list[float]]:
        with self._lock:  # held while embedding: two threads asking for one text embed it once
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
            if len(self._vectors) + len(missing) > self.max_entries:
                self._vectors.clear()
                missing = list(dict.fromkeys(texts))
            if missing:
                self._vectors.update(zip(missing, self.embed(missing)))
            return [self._vectors[t] for t in texts]
