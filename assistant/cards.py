"""The case card: a judgment's key facts, each ending with the paragraph that states it
("RMB 500 in damages (¶30)"), and the front-matter fields (card, aliases) it is stored in.

Chunking writes the card as a passage, the conflict check and the card answers read its fields,
and the UI shows it; none of them needs to know how a question names a case (that is ``linker``).
"""

from __future__ import annotations

import json
import re

CARD_LOCATOR = "Case card"
CARD_LABELS: dict[str, str] = {
    "court": "Court", "decided": "Decided", "case_number": "Case number", "parties": "Parties",
    "claimed": "Claimed", "held": "Held", "remedies": "Remedies", "appeal": "Appeal",
}
CARD_LABELS_ZH: dict[str, str] = {
    "court": "法院", "decided": "裁判日期", "case_number": "案号", "parties": "当事人",
    "claimed": "诉讼请求", "held": "裁判结果", "remedies": "判赔与责任", "appeal": "上诉情况",
}
CASE_DOC_TYPES = frozenset({"judgment", "decision"})

_PINPOINT = re.compile(r"\s*\(((?:¶|p\.)[^()]*)\)\s*$")
_PARAGRAPH_NUMBER = re.compile(r"(\d+)(?:\s*[-–]\s*¶?\s*(\d+))?")


def card_text(fields: dict[str, str]) -> str:
    """The card as a passage: one "Label: value (¶N)" line per filled field."""
    return "\n".join(f"{CARD_LABELS[name]}: {value}" for name, value in fields.items() if name in CARD_LABELS)


def card_fields(metadata: dict[str, object]) -> dict[str, str]:
    """The card stored in a chunk's metadata (a JSON string), or {}."""
    raw = metadata.get("card") or ""
    try:
        value = json.loads(raw) if isinstance(raw, str) and raw else raw
    except json.JSONDecodeError:
        return {}
    return {k: str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def aliases_of(metadata: dict[str, object]) -> list[str]:
    raw = metadata.get("aliases") or ""
    try:
        value = json.loads(raw) if isinstance(raw, str) and raw else raw
    except json.JSONDecodeError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def without_pinpoint(value: str) -> str:
    """"RMB 500 in damages (¶30)" -> "RMB 500 in damages"."""
    return _PINPOINT.sub("", value).strip()


def pinpoint_paragraphs(value: str) -> list[int]:
    """The paragraph numbers a card value names: "(¶29-30)" -> [29, 30]; "(¶4, ¶11)" -> [4, 11]."""
    match = _PINPOINT.search(value)
    if not match:
        return []
    numbers: list[int] = []
    for first, last in _PARAGRAPH_NUMBER.findall(match.group(1)):
        start, end = int(first), int(last or first)
        numbers.extend(range(start, min(end, start + 10) + 1))
    return list(dict.fromkeys(numbers))


def paragraph_numbers(paragraph: str) -> set[int]:
    """A chunk's ``paragraph`` metadata ("30" or "29–30") as numbers."""
    found: set[int] = set()
    for first, last in _PARAGRAPH_NUMBER.findall(paragraph or ""):
        found.update(range(int(first), int(last or first) + 1))
    return found
