"""Read library files (markdown, plain text, PDF) into clean text plus validated metadata.

Every way a file can be unusable ends in a one-line LoadError or SchemaError naming the file, so a
bad upload is reported to the user instead of crashing ingestion with a traceback.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pypdf import PdfReader

from assistant.config import OcrSettings
from assistant.ocr import OcrError, OcrProgress, read_pages, remembered
from assistant.schema import (
    DocumentMeta,
    SchemaError,
    UserDocumentMeta,
    parse_yaml_mapping,
    split_front_matter,
    validate_curated,
    validate_meta,
)
from assistant.text import CJK_WRITING

Format = Literal["markdown", "text", "pdf"]
Pages = list[tuple[int | None, str]]  # (page number, text); page None for markdown and text
FORMATS: dict[str, Format] = {".md": "markdown", ".markdown": "markdown", ".txt": "text", ".pdf": "pdf"}
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
SIDECAR_SUFFIX = ".meta.yaml"

_PDF_MAGIC = b"%PDF-"
_FRONT_MATTER = re.compile(rb"(?:\xef\xbb\xbf)?-{3,}[ \t]*\r?$", re.MULTILINE)  # how python-frontmatter spots it
_BINARY_SAMPLE = 8192
_TEXT_CONTROLS = {9, 10, 12, 13}  # tab, newline, form feed, carriage return
_INNER_SPACES = re.compile(r"(?<=\S)[ \t\u00a0]+")
_TRAILING_SPACES = re.compile(r"[ \t\u00a0]+$", re.MULTILINE)
_HYPHEN_BREAK = re.compile(r"(?<=[A-Za-z])-\n(?=[a-z])")
# A line break after anything but sentence-final punctuation is a PDF layout wrap, not a real break.
_MID_SENTENCE_BREAK = re.compile(r"(?<=[^\s.!?:;。！？；：\"'”’])\n(?=\S)")
_IS_CJK = re.compile(f"[{CJK_WRITING}]")


class LoadError(ValueError):
    """A file that cannot be read as a library document; the message names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = Path(path)
        self.reason = reason


@dataclass(frozen=True)
class LoadedDocument:
    """One file's text and metadata; ``pages`` holds (page number, text), page None for md/txt;
    ``ocr_pages`` the confidence (0-1) of each page whose text came from OCR."""

    meta: DocumentMeta | UserDocumentMeta
    path: Path
    content_hash: str
    pages: Pages
    format: Format
    ocr_pages: dict[int, float] = field(default_factory=dict)


def normalise_text(text: str) -> str:
    """NFC, no NULs or BOM, Unix line ends, single spaces: equal text must embed and match equally."""
    text = unicodedata.normalize("NFC", text).replace("\x00", "").lstrip("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INNER_SPACES.sub(" ", text)
    return _TRAILING_SPACES.sub("", text)


def _join_wrapped_lines(match: re.Match[str]) -> str:
    before, after = match.string[match.start() - 1], match.string[match.end()]
    return "" if _IS_CJK.match(before) and _IS_CJK.match(after) else " "


def reflow_pdf_text(text: str) -> str:
    """Undo PDF line wrapping (hyphenated and mid-sentence breaks); blank lines stay paragraph breaks."""
    text = _HYPHEN_BREAK.sub("", normalise_text(text))
    return _MID_SENTENCE_BREAK.sub(_join_wrapped_lines, text).strip()


def derived_id(path: Path) -> str:
    """Id of a user file without one: from its name only, so re-adding an edited file replaces it."""
    ascii_stem = unicodedata.normalize("NFKD", path.stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_stem.lower()).strip("-")[:40].strip("-")
    digest = hashlib.sha256(path.name.encode()).hexdigest()[:8]
    return f"user-{slug}-{digest}" if slug else f"user-{digest}"


def pretty_stem(path: Path) -> str:
    """A file's name as a title: its stem with dashes and underscores as spaces."""
    return re.sub(r"[\s_-]+", " ", path.stem).strip() or path.name


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.1f} MB" if n_bytes >= 2**20 else f"{n_bytes:,} bytes"


def _read_checked(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise LoadError(path, "not a regular file")
        if size == 0:
            raise LoadError(path, "empty file")
        if size > max_bytes:
            raise LoadError(path, f"file too large ({_size(size)}; the limit is {_size(max_bytes)})")
        return path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read file ({exc.strerror or exc})") from None


def _decode_text(path: Path, raw: bytes) -> str:
    sample = raw[:_BINARY_SAMPLE]
    controls = sum(1 for byte in sample if byte < 32 and byte not in _TEXT_CONTROLS)
    if b"\x00" in sample or controls > len(sample) * 0.05:
        raise LoadError(path, "looks like binary data, not text")
    try:
        return normalise_text(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise LoadError(path, f"not valid UTF-8 text (bad byte at offset {exc.start})") from None


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _read_scanned(path: Path, raw: bytes, pages: Pages, ocr: OcrSettings, on_page: OcrProgress | None,
                  kept: Path | None) -> tuple[Pages, dict[int, float]]:
    """The pages with those that have no text layer read by OCR, and the confidence of each page
    read. A page read with less than ``ocr.min_confidence`` refuses the whole file: a poor reading
    would be searched and quoted as if it were the document."""
    blank = [number for number, text in pages if number is not None and not text]
    if not blank:
        return pages, {}
    if not ocr.enabled:
        raise LoadError(path, "no text layer (scanned PDF?) and OCR is turned off (CA_OCR__ENABLED)")
    try:
        readings = read_pages(raw, blank, ocr, on_page, remembered(kept, raw, ocr))
    except OcrError as error:
        raise LoadError(path, f"no text layer (scanned PDF?) and OCR could not read it: {error}") from None
    poor = [r for r in readings if r.text and r.confidence < ocr.min_confidence]
    if poor:
        shown = ", ".join(f"page {r.page} at {r.confidence:.2f}" for r in poor[:5]) + (", …" if len(poor) > 5 else "")
        raise LoadError(path, f"scanned pages too poor to read reliably (OCR confidence {shown}; at least "
                              f"{ocr.min_confidence:.2f} is needed): add a clearer scan or a copy with a text layer")
    read = {r.page: reflow_pdf_text(r.text) for r in readings}
    return ([(number, read.get(number, text)) for number, text in pages],
            {r.page: round(r.confidence, 3) for r in readings if read[r.page]})


def _read_pdf(path: Path, raw: bytes, ocr: OcrSettings, on_page: OcrProgress | None,
              kept: Path | None) -> tuple[Pages, str | None, dict[int, float]]:
    """Per-page text (scanned pages read by OCR), the /Title and the OCR confidence of each page
    read that way; pypdf raises many exception types on bad files, so catch all."""
    try:
        reader = PdfReader(io.BytesIO(raw))
        encrypted = reader.is_encrypted
    except Exception as exc:
        raise LoadError(path, f"corrupt or not a PDF ({_first_line(exc)})") from None
    if encrypted:
        try:
            opened = bool(reader.decrypt(""))
        except Exception:
            opened = False
        if not opened:
            raise LoadError(path, "encrypted PDF (it needs a password; add an unprotected copy)")
    try:
        pages: Pages = [
            (number, reflow_pdf_text(page.extract_text() or ""))
            for number, page in enumerate(reader.pages, start=1)
        ]
        title = reader.metadata.title if reader.metadata else None
    except Exception as exc:
        raise LoadError(path, f"could not extract text from the PDF ({_first_line(exc)})") from None
    pages, ocr_pages = _read_scanned(path, raw, pages, ocr, on_page, kept)
    if not any(text for _, text in pages):
        raise LoadError(path, "no text layer, and OCR found no text on its pages (blank or picture-only scan?)")
    usable_title = isinstance(title, str) and title.strip() and title.strip().lower() != "untitled"
    return pages, title.strip() if usable_title else None, ocr_pages


def _find_sidecar(path: Path) -> tuple[Path, bytes, dict[str, Any]] | None:
    """The ``*.meta.yaml`` beside ``path`` whose ``file:`` names it (``<stem>.meta.yaml`` may omit it)."""
    own = path.with_name(path.stem + SIDECAR_SUFFIX)
    others = sorted(p for p in path.parent.glob("*" + SIDECAR_SUFFIX) if p != own)
    for sidecar in [own, *others]:
        if not sidecar.is_file():
            continue
        raw = sidecar.read_bytes()
        try:
            data = parse_yaml_mapping(sidecar, raw.decode("utf-8"), "metadata sidecar")
        except UnicodeDecodeError:
            raise SchemaError(sidecar, "metadata sidecar is not valid UTF-8") from None
        named = data.get("file")
        if named == path.name or (named is None and sidecar == own):
            return sidecar, raw, data
    return None


def _has_front_matter(fmt: Format | None, raw: bytes) -> bool:
    """Whether a markdown file opens with a ``---`` front matter block (its metadata, not a sidecar's)."""
    return fmt == "markdown" and _FRONT_MATTER.match(raw) is not None


def content_hash(path: Path) -> str | None:
    """The content_hash ``load_file`` gives ``path`` (the file, with its sidecar if it has one), without
    reading the document itself: a scanned PDF already in the library is not read by OCR again.
    None when the file or its sidecar cannot be read."""
    try:
        raw = path.read_bytes()
        sidecar = None if _has_front_matter(FORMATS.get(path.suffix.lower()), raw) else _find_sidecar(path)
    except (OSError, SchemaError):
        return None
    return hashlib.sha256(raw + (sidecar[1] if sidecar else b"")).hexdigest()


def _first_heading(body: str) -> str | None:
    match = re.search(r"^# +(.+?)\s*#*$", body, re.MULTILINE)
    return match.group(1) if match else None


def load_file(path: Path, *, curated: bool = False, max_bytes: int = DEFAULT_MAX_BYTES,
              ocr: OcrSettings | None = None, on_ocr_page: OcrProgress | None = None,
              ocr_kept: Path | None = None) -> LoadedDocument:
    """Load one file; ``curated`` demands full metadata whose id matches the file name.

    Markdown carries metadata as front matter; plain text, PDF and markdown without front matter may
    have a ``*.meta.yaml`` sidecar (where a card the user confirmed is kept). PDF pages without a text
    layer are read by OCR (``ocr``, default settings when None), unless the folder ``ocr_kept``
    holds their readings (``ocr.remember``); ``on_ocr_page`` hears of each page read.
    Raises LoadError for unreadable files and SchemaError for bad metadata (both ValueErrors).
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        shown = repr(path.suffix) if path.suffix else "(no extension)"
        raise LoadError(path, f"unsupported file type {shown} (supported: {', '.join(FORMATS)})")
    raw = _read_checked(path, max_bytes)
    if (fmt == "pdf") != raw.startswith(_PDF_MAGIC):
        found = "it has no PDF header" if fmt == "pdf" else "it is a PDF"
        raise LoadError(path, f"content does not match the {path.suffix} extension ({found})")

    metadata: dict[str, Any] = {}
    meta_path, hashed = path, raw
    ocr_pages: dict[int, float] = {}
    if fmt == "markdown":
        metadata, body = split_front_matter(path, _decode_text(path, raw))
        pages: Pages = [(None, body.strip())]
        title = _first_heading(body)
    elif fmt == "pdf":
        pages, title, ocr_pages = _read_pdf(path, raw, ocr or OcrSettings(), on_ocr_page, ocr_kept)
    else:
        pages, title = [(None, _decode_text(path, raw).strip())], None
    if not _has_front_matter(fmt, raw):
        sidecar = _find_sidecar(path)
        if sidecar is not None:
            meta_path, sidecar_raw, metadata = sidecar
            hashed = raw + sidecar_raw
        elif curated and fmt != "markdown":
            wanted = f"a *{SIDECAR_SUFFIX} with 'file: {path.name}'"
            raise SchemaError(path, f"missing metadata sidecar ({wanted})")
    if not any(text for _, text in pages):
        raise LoadError(path, "contains no text")

    if curated:
        meta: DocumentMeta | UserDocumentMeta = validate_curated(meta_path, metadata)
    else:
        defaults = {"id": derived_id(path), "title": title or pretty_stem(path)}
        meta = validate_meta(meta_path, {**defaults, **metadata}, UserDocumentMeta)
    return LoadedDocument(meta, path, hashlib.sha256(hashed).hexdigest(), pages, fmt, ocr_pages)


def _is_library_file(relative: Path) -> bool:
    hidden = any(part.startswith(".") for part in relative.parts)
    return not hidden and relative.suffix.lower() in FORMATS and relative.name.lower() != "readme.md"


def discover(paths: Iterable[Path]) -> list[Path]:
    """Expand folders to the supported files inside them (no hidden files, sidecars or READMEs).

    Files named explicitly are kept even if unsupported, so load_file can say why they are refused.
    """
    found: dict[Path, Path] = {}
    for root in map(Path, paths):
        if root.is_dir():
            candidates = [p for p in root.rglob("*") if p.is_file() and _is_library_file(p.relative_to(root))]
        elif root.exists():
            candidates = [root]
        else:
            raise LoadError(root, "no such file or folder")
        for candidate in candidates:
            found.setdefault(candidate.resolve(), candidate)
    return sorted(found.values())


def safe_upload_name(name: str) -> str:
    """Reduce an uploaded file's name to a bare file name, so an upload cannot escape its folder."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    if not base:
        raise LoadError(name or "(empty name)", "unsafe or empty upload file name")
    return base
