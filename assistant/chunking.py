"""Cut loaded documents into retrieval chunks that each carry a pinpoint locator ("Reasoning ¶12", "p. 3").

Chunks follow the document's own structure (numbered paragraphs, sections, pages) so an answer can
cite exactly where a statement comes from, and they are only ever cut between sentences.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from langchain_core.documents import Document

from assistant.cards import CARD_LOCATOR, card_text
from assistant.injection import SCREEN_VERSION, addresses_the_model
from assistant.loaders import LoadedDocument
from assistant.text import sentence_spans, trimmed_span

SHORT_PARAGRAPH_CHARS = 200
MAX_CHUNK_CHARS = 900

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_NUMBERED = re.compile(r"^(\d{1,4})\.\s+")
_BLOCK = re.compile(r"(?:[^\n]|\n(?![ \t]*(?:\n|$)))+")  # text between blank lines
_WORD = re.compile(r"\w")
_SOFT_BREAK = re.compile(r"[\s,，、;:]")


def _split_overlong(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Last resort for a 'sentence' longer than max_chars (tables, lists): cut at a space or comma."""
    spans = []
    while end - start > max_chars:
        window = text[start : start + max_chars]
        soft = [m.end() for m in _SOFT_BREAK.finditer(window) if m.end() > max_chars // 2]
        cut = start + (soft[-1] if soft else max_chars)
        spans.append(trimmed_span(text, start, cut))
        start = cut
    spans.append(trimmed_span(text, start, end))
    return [(s, e) for s, e in spans if e > s]


def _pieces(text: str, max_chars: int) -> list[str]:
    """Pack whole paragraphs (or, if one is too long, its sentences) into pieces of at most max_chars."""
    spans: list[tuple[int, int]] = []
    for block in _BLOCK.finditer(text):
        start, end = trimmed_span(text, *block.span())
        if start == end:
            continue
        if end - start <= max_chars:
            spans.append((start, end))
            continue
        for s, e in sentence_spans(text, start, end):
            spans.extend(_split_overlong(text, s, e, max_chars))
    packed: list[tuple[int, int]] = []
    for start, end in spans:
        if packed and end - packed[-1][0] <= max_chars:
            packed[-1] = (packed[-1][0], end)
        else:
            packed.append((start, end))
    return [text[s:e] for s, e in packed]


@dataclass
class _Unit:
    """A citable stretch of a text document: one numbered paragraph, or a run of counted ones."""

    section: str
    first: int
    last: int
    text: str

    @property
    def paragraph(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"


def _paragraphs(body: str) -> list[tuple[str, str]]:
    """(heading path, text) for each blank-line paragraph; ## and deeper headings form the path."""
    path: list[tuple[int, str]] = []
    found: list[tuple[str, str]] = []
    lines: list[str] = []
    for line in [*body.split("\n"), ""]:
        heading = _HEADING.match(line)
        if (heading or not line.strip()) and lines:
            text = "\n".join(lines).strip()
            if _WORD.search(text):  # a rule like "---" is not a paragraph and must not be counted
                found.append((" > ".join(title for _, title in path), text))
            lines = []
        if heading and len(heading.group(1)) > 1:
            level = len(heading.group(1))
            path = [(lvl, title) for lvl, title in path if lvl < level] + [(level, heading.group(2))]
        elif not heading and line.strip():
            lines.append(line)
    return found


def _units(body: str, max_chars: int) -> list[_Unit]:
    """Numbered documents keep their own paragraph numbers; others are counted ¶1, ¶2… in order.

    A document counts as numbered when at least half its paragraphs start "N. " with rising numbers;
    its un-numbered paragraphs (quotes, lists) then belong to the numbered paragraph around them.
    """
    paragraphs = _paragraphs(body)
    numbers = [int(m.group(1)) for _, text in paragraphs if (m := _NUMBERED.match(text))]
    rising = all(a < b for a, b in zip(numbers, numbers[1:]))
    units: list[_Unit] = []
    if numbers and rising and 2 * len(numbers) >= len(paragraphs):
        leading: list[str] = []
        for section, text in paragraphs:
            if match := _NUMBERED.match(text):
                number = int(match.group(1))
                units.append(_Unit(section, number, number, "\n\n".join([*leading, text[match.end() :]])))
                leading = []
            elif units:
                units[-1].text += "\n\n" + text
            else:
                leading.append(text)
        return units
    for count, (section, text) in enumerate(paragraphs, 1):
        previous = units[-1] if units else None
        if (
            previous is not None
            and previous.section == section
            and len(previous.text) < SHORT_PARAGRAPH_CHARS
            and len(previous.text) + 2 + len(text) <= max_chars
        ):
            previous.text += "\n\n" + text
            previous.last = count
        else:
            units.append(_Unit(section, count, count, text))
    return units


def paragraph_pinpoints(body: str) -> list[tuple[str, str]]:
    """("¶N" or "¶N-M", text) for each citable paragraph of a text document, numbered exactly as its
    chunks are, so a card line citing one is re-pointed to the right chunk."""
    return [(f"¶{unit.first}" if unit.first == unit.last else f"¶{unit.first}-{unit.last}", unit.text)
            for unit in _units(body, MAX_CHUNK_CHARS)]


def _document_metadata(doc: LoadedDocument) -> dict[str, str]:
    """Document-level fields; Chroma takes only scalars, so absent values become ""."""
    meta = doc.meta
    return {
        "source_id": meta.id,
        "title": meta.title,
        "jurisdiction": meta.jurisdiction or "",
        "doc_type": meta.doc_type or "",
        "court_or_body": meta.court_or_body or "",
        "date": meta.date.isoformat() if meta.date else "",
        "case_number": meta.case_number or "",
        "language": meta.language or "",
        "source_url": meta.sources[0] if meta.sources else "",
        "status": meta.status or "",
        "as_of": meta.as_of.isoformat() if meta.as_of else "",
        "topics": ",".join(meta.topics),
        "aliases": json.dumps(meta.aliases, ensure_ascii=False) if meta.aliases else "",
        "card": json.dumps(meta.card.fields(), ensure_ascii=False) if meta.card else "",
        "card_origin": getattr(meta, "card_origin", None) or "",
        "content_hash": doc.content_hash,
        "path": str(doc.path),
    }


def _located_pieces(doc: LoadedDocument, max_chars: int) -> list[tuple[str, str, str, int, str]]:
    """(locator, section, paragraph, page, text) for every piece of the document, in order."""
    located = []
    for page, text in doc.pages:
        if page is not None:
            pieces = _pieces(text, max_chars)
            for part, piece in enumerate(pieces, 1):
                locator = f"p. {page}" + (f", part {part}" if len(pieces) > 1 else "")
                located.append((locator, "", "", page, piece))
            continue
        for unit in _units(text, max_chars):
            base = f"{unit.section} ¶{unit.paragraph}" if unit.section else f"¶{unit.paragraph}"
            pieces = [unit.text] if len(unit.text) <= max_chars else _pieces(unit.text, max_chars)
            for part, piece in enumerate(pieces, 1):
                locator = base + (f" (part {part})" if len(pieces) > 1 else "")
                located.append((locator, unit.section, unit.paragraph, 0, piece))
    return located


def chunk_document(doc: LoadedDocument, max_chars: int = MAX_CHUNK_CHARS) -> list[Document]:
    """Structure-aware chunks of ``doc`` with locators and flat, None-free metadata."""
    base = _document_metadata(doc)
    chunks = []
    for locator, section, paragraph, page, text in _located_pieces(doc, max_chars):
        if not _WORD.search(text):
            continue
        metadata = {**base, "locator": locator, "section": section, "paragraph": paragraph, "page": page,
                    "set_aside": addresses_the_model(text), "screen_version": SCREEN_VERSION}
        if page in doc.ocr_pages:  # read by OCR: the Library view and the citation card say so
            metadata |= {"ocr": True, "ocr_confidence": doc.ocr_pages[page]}
        chunks.append(Document(page_content=text, metadata={**metadata, "chunk_index": len(chunks)}))
    if doc.meta.card and doc.meta.card.fields():
        # The card is a passage of its own, so retrieval and the model can read it like any other;
        # a citation of one of its lines is re-pointed to the paragraph the line names.
        metadata = {**base, "locator": CARD_LOCATOR, "section": CARD_LOCATOR, "paragraph": "", "page": 0,
                    "set_aside": False, "screen_version": SCREEN_VERSION}
        chunks.append(Document(page_content=card_text(doc.meta.card.fields()),
                               metadata={**metadata, "chunk_index": len(chunks)}))
    return chunks
