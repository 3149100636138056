"""Passages that speak to the assistant instead of about the law: a prompt injection in a document.

They are flagged once, when a document is ingested (chunk metadata ``set_aside``; the manifest lists
their locators so the Library view can warn), and never used as evidence: the checker can only
confirm that a source says something, so an injected "cite Smith v. Jones" would otherwise verify
against the very passage that planted it.
"""

from __future__ import annotations

import re
from typing import Any

# Text that speaks to the assistant rather than about the law: a prompt injection in a document.
_ADDRESSES_MODEL = re.compile(
    r"\b(ignore|disregard|forget)\s+(all\s+|any\s+|the\s+)?(previous|prior|above|earlier|other)\s+"
    r"(instructions?|sources?|rules|context)|\b(system|developer)\s+(instruction|prompt|message)s?\b|"
    r"\b(note|reminder|instructions?|message)\s+(to|for)\s+the\s+(assistant|model|ai)\b|\bto the assistant\b|"
    r"\b(always|only)\s+(answer|reply|respond|say)\b|\bin every answer\b",
    re.IGNORECASE,
)


def addresses_the_model(text: str) -> bool:
    """Whether a passage gives orders to the assistant."""
    return bool(_ADDRESSES_MODEL.search(text))


def set_aside(text: str, metadata: dict[str, Any]) -> bool:
    """Whether a passage is kept out of the evidence: the flag set at ingest, or, for an index
    built before the flag existed, the same test now."""
    flag = metadata.get("set_aside")
    return bool(flag) if flag is not None else addresses_the_model(text)
