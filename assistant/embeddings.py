"""Sentence embeddings from the locally installed model directory (never a hub download)."""

from __future__ import annotations

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
