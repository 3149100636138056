"""What every browser session of the web chat shares: the library, one answer pipeline per model spec,
each model's status, the running comparisons and the folder of exports.

Gradio runs event handlers on several threads at once, so every piece of this that a handler changes
sits behind a lock.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import llms
from assistant.compare import CompareEvent, Comparison, library_jurisdictions
from assistant.config import Settings
from assistant.citation_formats import Style
from assistant.card_extraction import confirmed_sidecar, editable_yaml
from assistant.index import Library, upload_notes
from assistant.injection import set_aside_summary
from assistant.llm_spec import parse_llm_spec
from assistant.loaders import SIDECAR_SUFFIX, LoadError, safe_upload_name
from assistant.memo import answers_memo, comparison_memo
from assistant.pipeline import AnswerPipeline
from assistant.schema import JURISDICTIONS, SchemaError
from ui import render
from ui.render import Turn

if TYPE_CHECKING:
    from ui.compare_view import CompareRun

log = logging.getLogger(__name__)

ModelStatus = tuple[str, str]  # (state: ready|loading|error|idle, message)


def first_line(error: BaseException) -> str:
    """An error as one line for the page: tracebacks and server output stay in the log."""
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def document_title(documents: dict[str, dict[str, Any]], source_id: str) -> str:
    """A document as messages name it: its title, or its id when the manifest has none."""
    return str((documents.get(source_id, {}).get("meta") or {}).get("title") or source_id)


class Engine:
    """What the sessions share: the library, one answer pipeline per model spec, model status."""

    def __init__(self, settings: Settings, library: Library, pipeline: AnswerPipeline | None = None) -> None:
        self.settings = settings
        self.library = library
        self.default_spec = str(parse_llm_spec(settings.llm))
        # Guards the three dicts below; held only to read or change them, never while a model loads.
        self._lock = threading.Lock()
        self._pipelines: dict[str, AnswerPipeline] = {} if pipeline is None else {self.default_spec: pipeline}
        self._status: dict[str, ModelStatus] = {}
        self._compare_stops: dict[str, threading.Event] = {}  # session -> the stop of its running comparison
        self._building = threading.Lock()  # one pipeline built at a time, so a model is never loaded twice
        self._upload_lock = threading.Lock()  # one upload or removal at a time in the uploads folder
        self.export_dir = Path(tempfile.mkdtemp(prefix="ca-export-"))
        atexit.register(shutil.rmtree, self.export_dir, ignore_errors=True)

    @property
    def uploads_dir(self) -> Path:
        return self.settings.data_dir / "uploads"

    # -- models -------------------------------------------------------------------------------
    def pipeline(self, spec: str) -> AnswerPipeline:
        with self._lock:
            if spec in self._pipelines:
                return self._pipelines[spec]
        with self._building:
            with self._lock:
                if spec in self._pipelines:  # built by another session while this one waited
                    return self._pipelines[spec]
            built = AnswerPipeline.from_settings(self.settings.model_copy(update={"llm": spec}), self.library)
            with self._lock:
                self._pipelines[spec] = built
            return built

    def describe(self, spec: str) -> ModelStatus:
        with self._lock:
            status = self._status.get(spec)
            pipeline = self._pipelines.get(spec)
        if status is not None:
            return status
        if llms.is_loaded(spec, self.settings):
            return ("ready", "loaded")
        if spec == self.default_spec and pipeline is not None and not isinstance(pipeline, AnswerPipeline):
            return ("ready", "test pipeline")
        return ("idle", "not loaded yet; it loads at the first question")

    def _set_status(self, spec: str, status: ModelStatus | None) -> None:
        with self._lock:
            if status is None:
                self._status.pop(spec, None)
            else:
                self._status[spec] = status

    def note_answer(self, spec: str, failed: bool) -> None:
        """After a question: a model that answered is ready; after a failure its status is forgotten,
        so the next look at it asks llama.cpp (or the server) afresh instead of showing "ready"."""
        self._set_status(spec, None if failed else ("ready", "ready"))

    def check(self, spec: str) -> ModelStatus:
        """Load a local model or probe a server; record and return (state, message)."""
        parsed = parse_llm_spec(spec)
        self._set_status(spec, ("loading", "loading…"))
        started = time.perf_counter()
        try:
            if parsed.kind in ("default", "gguf"):
                llms.load_chat_model(spec, self.settings)
                result = ("ready", f"loaded in {time.perf_counter() - started:.1f} s (llama.cpp, on this machine)")
            elif parsed.kind == "ollama":
                host = os.environ.get("OLLAMA_HOST", "http://127.0.0.1:11434").rstrip("/")
                if not host.startswith(("http://", "https://")):
                    host = "http://" + host
                data = _get_json(f"{host}/api/tags")
                names = {m.get("name", "") for m in data.get("models", [])}
                wanted = parsed.target
                if wanted not in names and f"{wanted}:latest" not in names:
                    raise RuntimeError(f"the Ollama server at {host} has no model {wanted!r} (ollama pull {wanted})")
                llms.load_chat_model(spec, self.settings)
                result = ("ready", f"Ollama server at {host} has {wanted}")
            else:
                data = _get_json(f"{parsed.target}/models", os.environ.get("OPENAI_API_KEY"))
                names = {m.get("id", "") for m in data.get("data", [])}
                llms.load_chat_model(spec, self.settings)
                note = "" if not names or parsed.model in names else f" (it does not list {parsed.model!r})"
                result = ("ready", f"server at {parsed.target} answers{note}")
        except Exception as error:  # a bad file, an unreachable server: reported, never raised
            result = ("error", first_line(error))
        self._set_status(spec, result)
        return result

    def warm_up(self) -> None:
        """Load the embeddings and the default model in the background so the first answer is quicker."""
        try:
            self.pipeline(self.default_spec)
            self.check(self.default_spec)
        except Exception as error:  # shown as the model status
            self._set_status(self.default_spec, ("error", first_line(error)))

    # -- library ------------------------------------------------------------------------------
    def documents(self) -> dict[str, dict[str, Any]]:
        try:
            return self.library.documents()
        except Exception as error:  # an unreadable manifest must not break the page
            log.warning("cannot read the library manifest: %s", error)
            return {}

    def document_text(self, source_id: str) -> list[tuple[str, str]]:
        return [(str(chunk.get("locator") or ""), chunk["text"]) for chunk in self.library.document_chunks(source_id)]

    def add_upload(self, source: Path, original_name: str,
                   on_ocr_page: Callable[[Path, int, int], None] | None = None) -> tuple[str, str]:
        """Copy one upload into the library folder and ingest it. What is accepted (type, size,
        content, metadata) is the loader's call, and its reason is the message. On any rejection the
        copy goes and the library (and any earlier file of that name) stays as it was.
        ``on_ocr_page`` hears of each scanned page read. Returns (kind, message)."""
        if "/" in original_name or "\\" in original_name:
            # The loader would keep only the last part of such a name; a name that tries to climb
            # out of the uploads folder is refused outright instead.
            return "error", f"{original_name}: unsafe file name (it names a folder path); upload the file itself"
        try:
            name = safe_upload_name(original_name)
        except LoadError as error:
            return "error", f"{original_name}: {error.reason}"

        with self._upload_lock:
            self.uploads_dir.mkdir(parents=True, exist_ok=True)
            target = self.uploads_dir / name
            backup = None
            if target.exists():
                backup = self.uploads_dir / f".{name}.{uuid.uuid4().hex[:8]}.bak"
                os.replace(target, backup)
            try:
                shutil.copyfile(source, target)
                report = self.library.ingest([target], on_ocr_page=on_ocr_page)
            except Exception as error:
                target.unlink(missing_ok=True)
                if backup is not None:
                    os.replace(backup, target)
                log.exception("ingesting %s failed", name)
                return "error", f"{name}: could not be indexed ({first_line(error)})"
            if report.rejected:
                target.unlink(missing_ok=True)
                if backup is not None:
                    os.replace(backup, target)
                path, reason = report.rejected[0]
                if reason.startswith(f"{path}: "):
                    reason = reason[len(path) + 2:]
                return "error", f"{name}: {reason.replace(str(self.uploads_dir), 'uploads')}"
            if backup is not None:
                backup.unlink(missing_ok=True)
        documents = self.documents()
        if report.skipped:
            sid = report.skipped[0]
            return "info", f"{name}: already in the library, unchanged ({document_title(documents, sid)})"
        sid = (report.added or report.replaced)[0]
        verb = "added" if report.added else "replaced"
        entry = documents.get(sid, {})
        chunks = int(entry.get("chunks") or 0)
        set_aside = render.set_aside_locators(entry)
        usable = "none of it can be cited" if set_aside and len(set_aside) >= chunks else "you can ask about it now"
        summary = f". {set_aside_summary(set_aside, chunks)}" if set_aside else ""
        notes = "".join(f". {note[0].upper()}{note[1:]}" for note in upload_notes(entry))
        return "ok", (f"{name}: {verb} as “{document_title(documents, sid)}” "
                      f"({render._plural(chunks, 'passage')}); {usable}{summary}{notes}")

    def card_yaml(self, source_id: str | None) -> str:
        """A document's card and case metadata as YAML to check and edit, for a document the user
        added ("" for any other)."""
        entry = self.documents().get(source_id or "")
        if not entry or entry.get("origin") != "user":
            return ""
        return editable_yaml(entry.get("meta") or {})

    def confirm_card(self, source_id: str | None, text: str) -> tuple[str, str]:
        """Save the user's checked (or edited) card as a sidecar beside their file and index the
        document again with it; the card then counts as confirmed. On any error the sidecar and the
        library stay as they were. Returns (kind, message)."""
        entry = self.documents().get(source_id or "")
        if not source_id or not entry or entry.get("origin") != "user":
            return "error", "Choose a document you added first; curated cards are kept by the library."
        path = Path(entry.get("path") or "")
        sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
        with self._upload_lock:
            try:
                content = confirmed_sidecar(path, source_id, text or "")
            except SchemaError as error:
                return "error", f"Not saved: {error.problem}"
            previous = sidecar.read_bytes() if sidecar.is_file() else None
            sidecar.write_text(content, encoding="utf-8")
            report = self.library.ingest([path])
            if report.rejected or not (report.added or report.replaced):
                if previous is None:
                    sidecar.unlink(missing_ok=True)
                else:
                    sidecar.write_bytes(previous)
                reason = report.rejected[0][1] if report.rejected else "the document was not indexed again"
                return "error", f"Not saved: {reason.replace(str(path.parent), 'uploads')}"
        return "ok", f"Card confirmed and saved beside {path.name}; “{document_title(self.documents(), source_id)}” " \
                     "was indexed again with it."

    def remove_user_document(self, source_id: str) -> tuple[str, str]:
        documents = self.documents()
        entry = documents.get(source_id)
        if entry is None:
            return "error", "That document is no longer in the library."
        if entry.get("origin") != "user":
            return "error", "Only documents you added can be removed here; curated documents stay."
        title = document_title(documents, source_id)
        with self._upload_lock:
            self.library.remove(source_id)
            path = Path(entry.get("path") or "")
            try:
                if path.is_file() and path.resolve().parent == self.uploads_dir.resolve():
                    path.unlink()
                    path.with_name(path.stem + SIDECAR_SUFFIX).unlink(missing_ok=True)  # a card the user confirmed
            except OSError:
                pass
        return "ok", f"Removed “{title}” from the library."

    def export(self, turns: list[Turn]) -> str:
        """Write the conversation as Markdown to a fresh file; returns its path."""
        return self.export_text(f"conversation-{datetime.now():%Y%m%d-%H%M%S}.md", render.conversation_markdown(turns))

    def export_memo(self, turns: list[Turn], style: Style | None) -> str | None:
        """Write the conversation's answers as a Word memo (``style`` None: each source's own); returns
        its path, or None before the first answer."""
        answers = [turn.answer for turn in turns if turn.answer is not None and turn.status == "done"]
        if not answers:
            return None
        path = self._export_path(f"research-memo-{datetime.now():%Y%m%d-%H%M%S}.docx")
        answers_memo(answers, style=style, model=turns[-1].llm).save(str(path))
        return str(path)

    def export_comparison_memo(self, run: CompareRun, names: dict[str, str]) -> str:
        """Write a comparison as a Word memo, each source cited in its own style; returns its path."""
        path = self._export_path(f"comparison-memo-{datetime.now():%Y%m%d-%H%M%S}.docx")
        rows = [run.rows[code] for code in run.jurisdictions if code in run.rows]
        comparison_memo(run.question, rows, names, model=run.llm).save(str(path))
        return str(path)

    def export_text(self, filename: str, text: str) -> str:
        """Write ``text`` to a fresh file for download; returns its path."""
        path = self._export_path(filename)
        path.write_text(text, encoding="utf-8")
        return str(path)

    def _export_path(self, filename: str) -> Path:
        """A fresh path for a download, in a folder of its own (exports older than an hour go)."""
        cutoff = time.time() - 3600
        for old in self.export_dir.glob("*/*"):
            try:
                if old.stat().st_mtime < cutoff:
                    shutil.rmtree(old.parent, ignore_errors=True)
            except OSError:
                pass
        folder = self.export_dir / uuid.uuid4().hex
        folder.mkdir(parents=True)
        return folder / filename

    # -- comparing ----------------------------------------------------------------------------
    def compare(self, question: str, jurisdictions: list[str], spec: str, session: str) -> Iterator[CompareEvent]:
        """The comparison's rows as they come; ``stop_compare(session)`` ends it between rows or while
        the model writes, and so does closing the page."""
        stop = threading.Event()
        with self._lock:
            self._compare_stops[session] = stop
        try:
            yield from Comparison(self.pipeline(spec)).stream(question, jurisdictions, stop=stop)
        finally:
            stop.set()
            with self._lock:
                if self._compare_stops.get(session) is stop:
                    del self._compare_stops[session]

    def stop_compare(self, session: str) -> None:
        with self._lock:
            stop = self._compare_stops.get(session)
        if stop is not None:
            stop.set()

    def compare_jurisdictions(self) -> list[str]:
        """The jurisdictions to offer for comparing: those the library holds (every one when the
        manifest cannot be read, so the page still builds)."""
        try:
            return library_jurisdictions(self.library) or list(JURISDICTIONS)
        except Exception as error:
            log.warning("cannot read the library manifest: %s", error)
            return list(JURISDICTIONS)


def _get_json(url: str, api_key: str | None = None) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {api_key}"} if api_key else {})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310 (user-chosen http(s) URL)
            return json.loads(response.read().decode("utf-8") or "{}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise RuntimeError(f"cannot reach {url}: {reason}") from None
