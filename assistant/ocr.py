"""Text for scanned PDF pages: a page without a text layer is rendered by poppler's ``pdftoppm`` and
read by Tesseract, whose word confidences decide whether the reading may enter the library.

Two subprocesses rather than Python bindings: both tools come as Debian packages (``make ocr``),
read from and write to pipes, and can be stopped on a timeout. Tesseract runs single-threaded
(``OMP_THREAD_LIMIT=1``): its OpenMP threads made a page two to four times slower on a busy 2-core
machine, so pages are read side by side instead, one process per worker.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from assistant.config import OcrSettings
from assistant.text import CJK_WRITING

OcrProgress = Callable[[int, int], None]
"""Called as (pages read so far, pages to read) after each page, for a progress bar."""

INSTALL_HINT = "install tesseract-ocr, tesseract-ocr-chi-sim and poppler-utils (make ocr does it)"
_CJK_EDGE = re.compile(f"[{CJK_WRITING}]")
_WORD_LEVEL = "5"
_CONTINUED = re.compile(r"\n\n(?=[a-z])")
_SCRIPT = re.compile(r"^Script: (\w+)", re.MULTILINE)


class OcrError(RuntimeError):
    """A page could not be read: a tool is missing, failed or took too long."""


@dataclass(frozen=True)
class PageReading:
    """What Tesseract read on one page, and how sure it was (mean word confidence, 0-1, weighted
    by characters; 0 when it found no word)."""

    page: int
    text: str
    confidence: float


_ready: set[str] = set()  # language sets found installed; what is missing is looked for again next time


def missing(languages: str) -> tuple[str, ...]:
    """The tools and Tesseract languages OCR needs that this machine lacks (empty when ready)."""
    if languages in _ready:
        return ()
    gone = [tool for tool in ("pdftoppm", "tesseract") if shutil.which(tool) is None]
    if "tesseract" not in gone:
        listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False).stdout
        have = {line.strip() for line in listed.splitlines()[1:]}
        gone += [f"tesseract language {lang}" for lang in dict.fromkeys(languages.split("+")) if lang not in have]
    if not gone:
        _ready.add(languages)
    return tuple(gone)


def _joined(words: list[str]) -> str:
    """A line's words, spaced only between two that are not Chinese: Tesseract splits Chinese into
    words too, and its own text output writes "1990年", not "1990 年"."""
    line = ""
    for word in words:
        if line and not (_CJK_EDGE.match(line[-1]) or _CJK_EDGE.match(word[0])):
            line += " "
        line += word
    return line


def text_from_tsv(tsv: str) -> tuple[str, float]:
    """Tesseract's TSV as text (lines kept, a blank line between its paragraphs) and the page's
    mean word confidence (0-1, weighted by characters)."""
    paragraphs: dict[tuple[str, str], dict[str, list[str]]] = {}
    weighted = characters = 0.0
    for row in csv.DictReader(tsv.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE):
        word = (row.get("text") or "").strip()
        if row.get("level") != _WORD_LEVEL or not word or float(row.get("conf") or -1) < 0:
            continue
        lines = paragraphs.setdefault((row["block_num"], row["par_num"]), {})
        lines.setdefault(row["line_num"], []).append(word)
        weighted += float(row["conf"]) * len(word)
        characters += len(word)
    text = "\n\n".join("\n".join(_joined(words) for words in lines.values()) for lines in paragraphs.values())
    # Tesseract starts a paragraph at a wide line gap too; one that goes on in lower case continues a sentence.
    return _CONTINUED.sub("\n", text), (weighted / characters / 100 if characters else 0.0)


def _run(command: list[str], stdin: bytes, timeout: float, what: str) -> bytes:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, timeout=timeout, check=False, env=env)
    except subprocess.TimeoutExpired:
        raise OcrError(f"{what} took longer than {timeout:g} s") from None
    except OSError as error:
        raise OcrError(f"{what} could not run ({error.strerror or error}); {INSTALL_HINT}") from None
    if done.returncode != 0:
        detail = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
        raise OcrError(f"{what} failed ({detail})")
    return done.stdout


def script_of(image: bytes, settings: OcrSettings) -> str | None:
    """The script Tesseract's orientation and script detection sees on a page ("Han", "Latin"), or
    None when it cannot tell (too little text, no ``osd`` data)."""
    try:
        found = _run(["tesseract", "stdin", "stdout", "--dpi", str(settings.dpi), "--psm", "0"],
                     image, settings.page_timeout_s, "detecting the script")
    except OcrError:
        return None
    match = _SCRIPT.search(found.decode("utf-8", "replace"))
    return match.group(1) if match else None


def read_page(pdf: bytes, page: int, settings: OcrSettings) -> PageReading:
    """Render page ``page`` (1-based) of the PDF as a grey image and read it with Tesseract, in the
    languages of the script it shows: one model per page reads better than both at once, which
    now and then reads a line of Chinese as English garbage (benchmarks/ocr.py)."""
    image = _run(["pdftoppm", "-f", str(page), "-l", str(page), "-r", str(settings.dpi), "-gray", "-"],
                 pdf, settings.page_timeout_s, f"rendering page {page}")
    languages = settings.by_script.get(script_of(image, settings) or "", settings.languages)
    tsv = _run(["tesseract", "stdin", "stdout", "--dpi", str(settings.dpi), "-l", languages, "tsv"],
               image, settings.page_timeout_s, f"reading page {page}")
    text, confidence = text_from_tsv(tsv.decode("utf-8", "replace"))
    return PageReading(page, text, confidence)


def read_pages(pdf: bytes, pages: list[int], settings: OcrSettings, on_page: OcrProgress | None = None,
               known: Mapping[int, PageReading] | None = None) -> list[PageReading]:
    """Read the given pages, ``settings.workers`` at a time, in page order; ``on_page`` hears of
    each page as it is done. Pages ``known`` already (``remembered``) are not read again.
    Raises OcrError when a tool is missing or a page fails."""
    readings = {page: known[page] for page in pages if known and page in known}
    todo = [page for page in pages if page not in readings]
    if todo and (gone := missing("+".join([settings.languages, *settings.by_script.values()]))):
        raise OcrError(f"OCR is not installed (missing {', '.join(gone)}); {INSTALL_HINT}")
    with ThreadPoolExecutor(max_workers=min(settings.workers, len(todo)) or 1) as pool:
        futures = [pool.submit(read_page, pdf, page, settings) for page in todo]
        try:
            for done, future in enumerate(as_completed(futures), 1):
                reading = future.result()
                readings[reading.page] = reading
                if on_page is not None:
                    on_page(done, len(todo))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return [readings[page] for page in sorted(pages)]


# -- readings kept for the next indexing ------------------------------------------------------------
# Indexing a scan again (its card confirmed, --rebuild) would read every page again, seconds a page;
# the library keeps the readings of each scan it holds, by the PDF's bytes and the settings that read it.
def remembered_file(folder: Path, pdf: bytes, settings: OcrSettings) -> Path:
    reading = json.dumps([settings.dpi, settings.languages, settings.by_script], sort_keys=True).encode()
    return folder / f"{hashlib.sha256(pdf + reading).hexdigest()}.json"


def remembered(folder: Path | None, pdf: bytes, settings: OcrSettings) -> dict[int, PageReading]:
    """The readings kept for this PDF, read with these settings ({} when none, or unreadable)."""
    path = remembered_file(folder, pdf, settings) if folder else None
    try:
        kept = json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else {}
        return {int(page): PageReading(int(page), text, float(confidence)) for page, (text, confidence) in kept.items()}
    except (OSError, ValueError, TypeError):
        return {}


def remember(folder: Path, pdf: bytes, settings: OcrSettings, readings: list[PageReading]) -> None:
    """Keep a scan's readings once the library has accepted it (a refused scan leaves nothing behind)."""
    path = remembered_file(folder, pdf, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({str(r.page): [r.text, r.confidence] for r in readings}, ensure_ascii=False),
                   encoding="utf-8")
    os.replace(tmp, path)
