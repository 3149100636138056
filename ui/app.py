"""The Gradio web chat: ask with streamed, cited answers; browse and extend the library; pick the model.

``build_app(settings, pipeline)`` returns the Blocks (tests pass a fake pipeline);
``serve(settings, ...)`` is what ``copyright-assistant serve`` runs.
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
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.answer import InvalidQuestion
from assistant.compare import CompareEvent, Comparison, library_jurisdictions, parse_jurisdictions
from assistant.config import Settings
from assistant.index import Library
from assistant.llms import InvalidLLMSpec, parse_llm_spec
from assistant.loaders import FORMATS, LoadError, safe_upload_name
from assistant.retrieval import SearchFilters
from assistant.schema import DOC_TYPES, JURISDICTIONS, TOPICS
from ui import render
from ui.compare_view import (
    COMPARE_JS,
    DEFAULT_JURISDICTIONS,
    CompareRun,
    compare_csv,
    compare_markdown,
    jurisdiction_choices,
    render_passage_panel,
    render_table,
)
from ui.render import Turn
from ui.style import CSS, SOURCES_JS, TRANSCRIPT_JS
from ui.timeline import DOC_VIEW_JS, TIMELINE_JS, render_timeline

log = logging.getLogger(__name__)

JURISDICTION_NAMES = {"CN": "China", "US": "United States", "UK": "United Kingdom", "EU": "European Union",
                      "JP": "Japan", "DE": "Germany", "CZ": "Czech Republic", "KR": "South Korea", "IN": "India"}
TOPIC_NAMES = {"ai-output-authorship": "Authorship of AI output", "training-data": "Training data",
               "output-infringement": "Infringing output", "platform-liability": "Platform liability",
               "transparency-labelling": "Transparency and labelling",
               "registration-practice": "Registration practice"}
ALL = ""
UPLOAD_TYPES = sorted(FORMATS)
# Questions kept per conversation. The pipeline caps the characters of answered history, but a session
# also keeps failed turns and every turn's passages, and re-renders them all on each question.
MAX_TURNS = 50

# System fonts only: the default theme would make every browser fetch Google Fonts.
THEME = gr.themes.Soft(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)


def _jurisdiction_choices(all_label: str, prefix: str = "") -> list[tuple[str, str]]:
    return [(all_label, ALL)] + [(f"{prefix}{JURISDICTION_NAMES.get(j, j)} ({j})", j) for j in JURISDICTIONS]


def _type_choices() -> list[tuple[str, str]]:
    return [("All types", ALL)] + [(t, t) for t in DOC_TYPES]


def _topic_choices() -> list[tuple[str, str]]:
    return [("All topics", ALL)] + [(TOPIC_NAMES.get(t, t), t) for t in TOPICS]


def _status_choices() -> list[tuple[str, str]]:
    return [("All", ALL), ("Final", render.STATUS_FINAL), ("Not final", render.STATUS_NOT_FINAL)]


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


class Engine:
    """What the sessions share: the library, one answer pipeline per model spec, model status."""

    def __init__(self, settings: Settings, library: Library, pipeline: Any | None = None) -> None:
        self.settings = settings
        self.library = library
        self.default_spec = str(parse_llm_spec(settings.llm))
        self._pipelines: dict[str, Any] = {}
        if pipeline is not None:
            self._pipelines[self.default_spec] = pipeline
        self._lock = threading.Lock()
        self.upload_lock = threading.Lock()
        self.status: dict[str, tuple[str, str]] = {}  # spec -> (state: ready|loading|error|idle, message)
        self._compare_stops: dict[str, threading.Event] = {}  # session -> the stop of its running comparison
        self.export_dir = Path(tempfile.mkdtemp(prefix="ca-export-"))
        atexit.register(shutil.rmtree, self.export_dir, ignore_errors=True)

    @property
    def uploads_dir(self) -> Path:
        return self.settings.data_dir / "uploads"

    # -- models -------------------------------------------------------------------------------
    def pipeline(self, spec: str) -> Any:
        with self._lock:
            if spec not in self._pipelines:
                from assistant.answer import AnswerPipeline

                self._pipelines[spec] = AnswerPipeline.from_settings(
                    self.settings.model_copy(update={"llm": spec}), self.library
                )
            return self._pipelines[spec]

    def describe(self, spec: str) -> tuple[str, str]:
        if spec in self.status:
            return self.status[spec]
        from assistant import llms

        if llms.is_loaded(spec):
            return ("ready", "loaded")
        if spec in self._pipelines and spec == self.default_spec and not isinstance(
            self._pipelines[spec], _real_pipeline_type()
        ):
            return ("ready", "test pipeline")
        return ("idle", "not loaded yet; it loads at the first question")

    def check(self, spec: str) -> tuple[str, str]:
        """Load a local model or probe a server; record and return (state, message)."""
        from assistant.llms import load_chat_model

        parsed = parse_llm_spec(spec)
        self.status[spec] = ("loading", "loading…")
        started = time.perf_counter()
        try:
            if parsed.kind in ("default", "gguf"):
                load_chat_model(spec, self.settings)
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
                load_chat_model(spec, self.settings)
                result = ("ready", f"Ollama server at {host} has {wanted}")
            else:
                data = _get_json(f"{parsed.target}/models", os.environ.get("OPENAI_API_KEY"))
                names = {m.get("id", "") for m in data.get("data", [])}
                load_chat_model(spec, self.settings)
                note = "" if not names or parsed.model in names else f" (it does not list {parsed.model!r})"
                result = ("ready", f"server at {parsed.target} answers{note}")
        except Exception as error:  # a bad file, an unreachable server: reported, never raised
            result = ("error", _first_line(error))
        self.status[spec] = result
        return result

    def warm_up(self) -> None:
        """Load the embeddings and the default model in the background so the first answer is quicker."""
        try:
            self.pipeline(self.default_spec)
            self.check(self.default_spec)
        except Exception as error:  # shown as the model status
            self.status[self.default_spec] = ("error", _first_line(error))

    # -- library ------------------------------------------------------------------------------
    def documents(self) -> dict[str, dict[str, Any]]:
        try:
            return self.library.documents()
        except Exception as error:  # an unreadable manifest must not break the page
            log.warning("cannot read the library manifest: %s", error)
            return {}

    def document_text(self, source_id: str) -> list[tuple[str, str]]:
        return [(str(chunk.get("locator") or ""), chunk["text"]) for chunk in self.library.document_chunks(source_id)]

    def add_upload(self, source: Path, original_name: str) -> tuple[str, str]:
        """Copy one upload into the library folder and ingest it; on any rejection the copy goes and
        the library (and any earlier file of that name) stays as it was. Returns (kind, message)."""
        if "/" in original_name or "\\" in original_name:
            return "error", f"{original_name}: unsafe file name (it names a folder path); upload the file itself"
        try:
            name = safe_upload_name(original_name)
        except LoadError as error:
            return "error", f"{original_name}: {error.reason}"
        suffix = Path(name).suffix.lower()
        if suffix not in FORMATS:
            shown = repr(suffix) if suffix else "no extension"
            return "error", f"{name}: unsupported file type ({shown}); add PDF, Markdown (.md) or text (.txt) files"
        limit = int(self.settings.max_upload_mb * 1024 * 1024)
        size = source.stat().st_size
        if size > limit:
            return "error", f"{name}: file too large ({_size(size)}; the limit is {self.settings.max_upload_mb:g} MB)"
        if size == 0:
            return "error", f"{name}: empty file"

        with self.upload_lock:
            self.uploads_dir.mkdir(parents=True, exist_ok=True)
            target = self.uploads_dir / name
            backup = None
            if target.exists():
                backup = self.uploads_dir / f".{name}.{uuid.uuid4().hex[:8]}.bak"
                os.replace(target, backup)
            try:
                shutil.copyfile(source, target)
                report = self.library.ingest([target])
            except Exception as error:
                target.unlink(missing_ok=True)
                if backup is not None:
                    os.replace(backup, target)
                log.exception("ingesting %s failed", name)
                return "error", f"{name}: could not be indexed ({_first_line(error)})"
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
            return "info", f"{name}: already in the library, unchanged ({_title(documents, sid)})"
        sid = (report.added or report.replaced)[0]
        verb = "added" if report.added else "replaced"
        chunks = documents.get(sid, {}).get("chunks", 0)
        return "ok", f"{name}: {verb} as “{_title(documents, sid)}” ({render._plural(int(chunks or 0), 'passage')}); you can ask about it now"

    def remove_user_document(self, source_id: str) -> tuple[str, str]:
        documents = self.documents()
        entry = documents.get(source_id)
        if entry is None:
            return "error", "That document is no longer in the library."
        if entry.get("origin") != "user":
            return "error", "Only documents you added can be removed here; curated documents stay."
        title = _title(documents, source_id)
        with self.upload_lock:
            self.library.remove(source_id)
            path = Path(entry.get("path") or "")
            try:
                if path.is_file() and path.resolve().parent == self.uploads_dir.resolve():
                    path.unlink()
            except OSError:
                pass
        return "ok", f"Removed “{title}” from the library."

    def export(self, turns: list[Turn]) -> str:
        """Write the conversation as Markdown to a fresh file; returns its path."""
        return self.export_text(f"conversation-{datetime.now():%Y%m%d-%H%M%S}.md", render.conversation_markdown(turns))

    def export_text(self, filename: str, text: str) -> str:
        """Write ``text`` to a fresh file for download (exports older than an hour go); returns its path."""
        cutoff = time.time() - 3600
        for old in self.export_dir.glob("*/*"):
            try:
                if old.stat().st_mtime < cutoff:
                    shutil.rmtree(old.parent, ignore_errors=True)
            except OSError:
                pass
        folder = self.export_dir / uuid.uuid4().hex
        folder.mkdir(parents=True)
        path = folder / filename
        path.write_text(text, encoding="utf-8")
        return str(path)

    # -- comparing ----------------------------------------------------------------------------
    def compare(self, question: str, jurisdictions: list[str], spec: str, session: str) -> Iterator[CompareEvent]:
        """The comparison's rows as they come; ``stop_compare(session)`` ends it between rows or while
        the model writes, and so does closing the page."""
        stop = threading.Event()
        self._compare_stops[session] = stop
        try:
            yield from Comparison(self.pipeline(spec)).stream(question, jurisdictions, stop=stop)
        finally:
            stop.set()
            if self._compare_stops.get(session) is stop:
                del self._compare_stops[session]

    def stop_compare(self, session: str) -> None:
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


def _real_pipeline_type() -> type:
    from assistant.answer import AnswerPipeline

    return AnswerPipeline


def _size(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.1f} MB" if n_bytes >= 2**20 else f"{n_bytes / 1024:.0f} KB"


def _title(documents: dict[str, dict[str, Any]], source_id: str) -> str:
    return str((documents.get(source_id, {}).get("meta") or {}).get("title") or source_id)


def _choice_label(documents: dict[str, dict[str, Any]], source_id: str) -> str:
    """A document as the picker lists it: its title, its status (so an appeal pending shows before
    it is opened) and whether the user added it."""
    entry = documents.get(source_id, {})
    status = (entry.get("meta") or {}).get("status")
    return (_title(documents, source_id) + (f" — {status}" if status else "")
            + (" (added by you)" if entry.get("origin") == "user" else ""))


def _get_json(url: str, api_key: str | None = None) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {api_key}"} if api_key else {})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # noqa: S310 (user-chosen http(s) URL)
            return json.loads(response.read().decode("utf-8") or "{}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise RuntimeError(f"cannot reach {url}: {reason}") from None


def render_model_status(spec: str, state: str, message: str) -> str:
    icon = {"ready": "●", "loading": "◌", "error": "✗"}.get(state, "○")
    css = {"ready": "ca-model-ready", "loading": "ca-model-pending", "error": "ca-model-error"}.get(state, "")
    return (f'<div class="ca-model-status">Answering with <code>{render.esc(spec)}</code> '
            f'<span class="{css}">{icon} {render.esc(message)}</span></div>')


def build_app(settings: Settings, pipeline: Any | None = None, library: Library | None = None) -> gr.Blocks:
    """The web chat. ``pipeline`` defaults to the real answer pipeline for ``settings.llm``."""
    if library is None:
        library = getattr(getattr(pipeline, "retriever", None), "library", None) or Library(settings)
    engine = Engine(settings, library, pipeline)
    examples = render.EXAMPLE_QUESTIONS

    # delete_cache: uploaded files and exports left in Gradio's cache go after an hour.
    with gr.Blocks(title="Copyright & AI research assistant", analytics_enabled=False,
                   delete_cache=(3600, 3600)) as demo:
        demo.engine = engine  # type: ignore[attr-defined]  (serve() warms it up; tests inspect it)
        turns_state = gr.State([])
        llm_state = gr.State(engine.default_spec)

        gr.HTML(
            '<div id="ca-header"><h1>Copyright &amp; AI research assistant</h1>'
            f'<p class="ca-disclaimer"><strong>Research aid, not legal advice.</strong> '
            f"{render.esc(render.DISCLAIMER.split('. ', 1)[1])}</p></div>",
            elem_id="ca-header-block",
        )
        with gr.Tabs():
            with gr.Tab("Ask", id="ask", elem_id="ca-tab-ask"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=420):
                        transcript = gr.HTML(
                            render.render_transcript([]), elem_id="ca-transcript", js_on_load=TRANSCRIPT_JS,
                            autoscroll=True, max_height=640, min_height=320, container=True, padding=True,
                        )
                        with gr.Row(equal_height=True):
                            question = gr.Textbox(
                                show_label=False, placeholder="Ask a question about copyright and AI…  (Enter to send)",
                                lines=1, max_lines=6, scale=6, elem_id="ca-question", autofocus=True,
                            )
                            send = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="ca-send")
                        with gr.Row(equal_height=True, elem_id="ca-controls"):
                            jurisdiction = gr.Dropdown(
                                _jurisdiction_choices("Search all jurisdictions", "Search only "), value=ALL, show_label=False,
                                container=False, scale=2, min_width=200, elem_id="ca-jurisdiction",
                            )
                            new_chat = gr.Button("New conversation", size="sm", scale=1, min_width=140, elem_id="ca-new")
                            export = gr.DownloadButton(
                                "Export as Markdown", value=None, interactive=False, size="sm", scale=1,
                                min_width=140, elem_id="ca-export",
                            )
                        model_line = gr.HTML(render_model_status(engine.default_spec, *engine.describe(engine.default_spec)),
                                             elem_id="ca-model-line")
                    with gr.Column(scale=2, min_width=320, elem_id="ca-sources-col"):
                        sources = gr.HTML(
                            render.render_sources([]), elem_id="ca-sources", js_on_load=SOURCES_JS,
                            max_height=760, container=True, padding=True,
                        )

            with gr.Tab("Compare", id="compare", elem_id="ca-tab-compare"):
                compare_state = gr.State(None)
                with gr.Row(equal_height=True):
                    compare_question = gr.Textbox(
                        show_label=False, placeholder="One question for every jurisdiction ticked below, e.g. "
                        "Can an image made with AI be protected by copyright?  (Enter to compare)",
                        lines=1, max_lines=4, scale=6, elem_id="ca-compare-question",
                    )
                    compare_btn = gr.Button("Compare", variant="primary", scale=1, min_width=100, elem_id="ca-compare-run")
                    compare_stop = gr.Button("Stop", variant="stop", scale=1, min_width=80, elem_id="ca-compare-stop")
                compare_codes = engine.compare_jurisdictions()
                compare_jurisdictions = gr.CheckboxGroup(
                    jurisdiction_choices(compare_codes, JURISDICTION_NAMES),
                    value=[code for code in DEFAULT_JURISDICTIONS if code in compare_codes],
                    label="Jurisdictions (each is one answer; the model writes them one after another)",
                    elem_id="ca-compare-jurisdictions",
                )
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=420):
                        compare_table = gr.HTML(render_table(None, JURISDICTION_NAMES), elem_id="ca-compare-table",
                                                js_on_load=COMPARE_JS, min_height=160, container=True, padding=True)
                        with gr.Row():
                            compare_md = gr.DownloadButton("Export as Markdown", value=None, interactive=False,
                                                           size="sm", elem_id="ca-compare-md")
                            compare_csv_btn = gr.DownloadButton("Export as CSV", value=None, interactive=False,
                                                                size="sm", elem_id="ca-compare-csv")
                    with gr.Column(scale=2, min_width=320):
                        compare_passage = gr.HTML(render_passage_panel(None, JURISDICTION_NAMES),
                                                  elem_id="ca-compare-passage", js_on_load=SOURCES_JS,
                                                  max_height=760, container=True, padding=True)

            with gr.Tab("Library", id="library", elem_id="ca-tab-library"):
                with gr.Row():
                    lib_jurisdiction = gr.Dropdown(_jurisdiction_choices("All jurisdictions"), value=ALL,
                                                   label="Jurisdiction", elem_id="ca-lib-jurisdiction")
                    lib_type = gr.Dropdown(_type_choices(), value=ALL, label="Type", elem_id="ca-lib-type")
                    lib_origin = gr.Dropdown([("Everything", ALL), ("Curated", "curated"), ("Added by you", "user")],
                                             value=ALL, label="Origin", elem_id="ca-lib-origin")
                    lib_topic = gr.Dropdown(_topic_choices(), value=ALL, label="Topic", elem_id="ca-lib-topic")
                    lib_status = gr.Dropdown(_status_choices(), value=ALL, label="Status", elem_id="ca-lib-status")
                with gr.Accordion("Timeline of judgments and decisions", open=True, elem_id="ca-timeline-box"):
                    timeline = gr.HTML(render_timeline(engine.documents(), names=JURISDICTION_NAMES),
                                       elem_id="ca-timeline", js_on_load=TIMELINE_JS)
                library_table = gr.HTML(render.render_library(engine.documents()), elem_id="ca-library",
                                        max_height=520)
                with gr.Row(equal_height=False):
                    with gr.Column():
                        gr.Markdown(
                            f"**Add documents** — PDF (with a text layer), Markdown or plain text, up to "
                            f"{settings.max_upload_mb:g} MB each. They are checked, indexed on this machine and "
                            "can be asked about at once."
                        )
                        upload = gr.File(label="Upload files", file_count="multiple", file_types=UPLOAD_TYPES,
                                         type="filepath", elem_id="ca-upload", height=130)
                        upload_status = gr.HTML("", elem_id="ca-upload-status")
                    with gr.Column():
                        gr.Markdown("**Read or remove a document**")
                        doc_pick = gr.Dropdown(label="Document", choices=[], value=None, elem_id="ca-doc-pick")
                        with gr.Row():
                            view_btn = gr.Button("Show its card and text", elem_id="ca-doc-view-btn")
                            remove_btn = gr.Button("Remove (documents you added only)", variant="stop",
                                                   elem_id="ca-doc-remove")
                        remove_status = gr.HTML("", elem_id="ca-remove-status")
                doc_view = gr.HTML(render.render_document("", None, []), elem_id="ca-doc-view", max_height=600,
                                   js_on_load=DOC_VIEW_JS)

            with gr.Tab("Model", id="model", elem_id="ca-tab-model"):
                gr.Markdown(
                    "**Which model answers.** `default` is the embedded model running on this machine. You can also "
                    "use any local GGUF file (`gguf:/path/model.gguf`), a local Ollama model (`ollama:MODEL`) or "
                    "an OpenAI-compatible server (`openai:http://host:port/v1#MODEL`). The choice applies to this "
                    "browser session; no restart is needed. Retrieval and citation checking stay on this machine."
                )
                with gr.Row(equal_height=True):
                    llm_box = gr.Dropdown(_model_choices(settings, engine.default_spec), value=engine.default_spec,
                                          allow_custom_value=True, label="LLM spec", scale=4, elem_id="ca-llm")
                    llm_btn = gr.Button("Use this model", variant="primary", scale=1, elem_id="ca-llm-use")
                llm_status = gr.HTML(render_model_status(engine.default_spec, *engine.describe(engine.default_spec)),
                                     elem_id="ca-llm-status")

        # -- asking ------------------------------------------------------------------------------
        def ask(text: str, turns: list[Turn], juris: str, spec: str) -> Iterator[tuple[Any, ...]]:
            turns = list(turns or [])
            keep = gr.skip()
            if len(turns) >= MAX_TURNS:
                full = Turn(question=(text or "").strip(), llm=spec, status="error",
                            error=f"This conversation has reached {MAX_TURNS} questions; start a new conversation.")
                yield keep, turns, render.render_transcript([*turns, full]), keep, keep, keep
                return
            history = render.history_of(turns)
            turn = Turn(question=(text or "").strip(), llm=spec, jurisdiction=juris or None)
            turns.append(turn)
            yield "", turns, render.render_transcript(turns), render.render_sources(turns), keep, keep
            last = 0.0
            try:
                events = engine.pipeline(spec).stream(
                    text or "", history=history, filters=SearchFilters(jurisdiction=juris or None)
                )
                for event in events:
                    if event.kind == "passages":
                        turn.passages, turn.status = list(event.passages), "reading"
                        yield keep, turns, render.render_transcript(turns), render.render_sources(turns), keep, keep
                    elif event.kind == "token":
                        turn.draft += event.text
                        turn.status = "writing"
                        now = time.monotonic()
                        if now - last > 0.08:  # at most ~12 updates a second
                            last = now
                            yield keep, turns, render.render_transcript(turns), keep, keep, keep
                    elif event.kind == "final" and event.answer is not None:
                        turn.answer, turn.status = event.answer, "done"
                if turn.answer is None:
                    raise RuntimeError("the answer pipeline ended without an answer")
            except InvalidQuestion as error:
                turn.status, turn.error = "error", f"Cannot ask this: {error}."
            except Exception as error:  # a model or server failure: shown in the chat, logged here
                log.exception("answering failed")
                turn.status, turn.error = "error", f"The assistant could not answer: {_first_line(error)}"
            if turn.status == "error":
                engine.status.pop(spec, None)
            else:
                engine.status[spec] = ("ready", "ready")
            status = render_model_status(spec, *engine.describe(spec))
            path = engine.export(turns)
            yield (keep, turns, render.render_transcript(turns), render.render_sources(turns),
                   gr.update(value=path, interactive=True), status)

        ask_inputs = [question, turns_state, jurisdiction, llm_state]
        ask_outputs = [question, turns_state, transcript, sources, export, model_line]
        ask_options = dict(concurrency_limit=1, concurrency_id="answer", show_progress="hidden")
        submitted = question.submit(ask, ask_inputs, ask_outputs, api_name="ask", **ask_options)
        clicked = send.click(ask, ask_inputs, ask_outputs, **ask_options)

        def use_example(evt: gr.EventData) -> str:
            index = evt._data.get("index") if isinstance(evt._data, dict) else None
            if isinstance(index, int) and 0 <= index < len(examples):
                return examples[index]
            return gr.skip()

        example_event = transcript.example(use_example, None, question, show_progress="hidden")  # type: ignore[attr-defined]
        example_answer = example_event.then(ask, ask_inputs, ask_outputs, **ask_options)

        def show_citation(turns: list[Turn], evt: gr.EventData) -> str:
            data = evt._data if isinstance(evt._data, dict) else {}
            turn_index, n = data.get("turn"), data.get("n")
            if not isinstance(turn_index, int) or not isinstance(n, int) or not 0 <= turn_index < len(turns or []):
                return gr.skip()
            return render.render_sources(turns, turn_index, focus=n)

        transcript.cite(show_citation, [turns_state], sources, show_progress="hidden")  # type: ignore[attr-defined]

        def reset() -> tuple[Any, ...]:
            return ([], render.render_transcript([]), render.render_sources([]),
                    gr.update(value=None, interactive=False), "")

        new_chat.click(reset, None, [turns_state, transcript, sources, export, question],
                       cancels=[submitted, clicked, example_answer], show_progress="hidden")

        # -- comparing --------------------------------------------------------------------------
        def compare(text: str, codes: list[str] | None, spec: str, request: gr.Request) -> Iterator[tuple[Any, ...]]:
            keep, closed = gr.skip(), gr.update(value=None, interactive=False)
            question = (text or "").strip()
            try:
                run = CompareRun(question, parse_jurisdictions(codes or []), spec)
            except ValueError as error:
                run = CompareRun(question, [], spec, state="error", error=f"Cannot compare: {error}.")
                yield run, render_table(run, JURISDICTION_NAMES), keep, closed, closed
                return
            panel = render_passage_panel(None, JURISDICTION_NAMES)
            yield run, render_table(run, JURISDICTION_NAMES), panel, closed, closed
            started = time.monotonic()
            try:
                for event in engine.compare(question, run.jurisdictions, spec, getattr(request, "session_hash", "") or ""):
                    run.rows[event.row.jurisdiction] = event.row
                    yield run, render_table(run, JURISDICTION_NAMES), keep, keep, keep
                run.state = "done" if run.finished == len(run.jurisdictions) else "stopped"
            except InvalidQuestion as error:
                run.state, run.error = "error", f"Cannot ask this: {error}."
            except Exception as error:  # a model or server failure: shown in the table, logged here
                log.exception("comparing failed")
                run.state, run.error = "error", f"the comparison failed ({_first_line(error)})"
            run.seconds = time.monotonic() - started
            if run.state == "error":
                yield run, render_table(run, JURISDICTION_NAMES), keep, closed, closed
                return
            stamp = f"comparison-{datetime.now():%Y%m%d-%H%M%S}"
            markdown = engine.export_text(f"{stamp}.md", compare_markdown(run, JURISDICTION_NAMES))
            table = engine.export_text(f"{stamp}.csv", compare_csv(run, JURISDICTION_NAMES))
            yield (run, render_table(run, JURISDICTION_NAMES), keep, gr.update(value=markdown, interactive=True),
                   gr.update(value=table, interactive=True))

        compare_inputs = [compare_question, compare_jurisdictions, llm_state]
        compare_outputs = [compare_state, compare_table, compare_passage, compare_md, compare_csv_btn]
        # The same concurrency group as asking: the model answers one request at a time.
        compare_options = dict(concurrency_limit=1, concurrency_id="answer", show_progress="hidden")
        compare_question.submit(compare, compare_inputs, compare_outputs, api_name="compare", **compare_options)
        compare_btn.click(compare, compare_inputs, compare_outputs, **compare_options)

        def stop_compare(request: gr.Request) -> None:
            engine.stop_compare(getattr(request, "session_hash", "") or "")

        compare_stop.click(stop_compare, None, None, queue=False)

        def show_compare_citation(run: CompareRun | None, evt: gr.EventData) -> str:
            data = evt._data if isinstance(evt._data, dict) else {}
            index, n = data.get("row"), data.get("n")
            if run is None or not isinstance(index, int) or not isinstance(n, int) or run.row(index) is None:
                return gr.skip()
            return render_passage_panel(run, JURISDICTION_NAMES, index, n)

        def show_compare_passage(run: CompareRun | None, evt: gr.EventData) -> str:
            data = evt._data if isinstance(evt._data, dict) else {}
            index = data.get("row")
            if run is None or not isinstance(index, int) or run.row(index) is None:
                return gr.skip()
            return render_passage_panel(run, JURISDICTION_NAMES, index)

        compare_table.cite(show_compare_citation, [compare_state], compare_passage,  # type: ignore[attr-defined]
                           show_progress="hidden")
        compare_table.passage(show_compare_passage, [compare_state], compare_passage,  # type: ignore[attr-defined]
                              show_progress="hidden")

        # -- library ----------------------------------------------------------------------------
        # Every library handler takes the filters in this order: jurisdiction, type, origin, topic, status.
        filters_in = [lib_jurisdiction, lib_type, lib_origin, lib_topic, lib_status]

        def library_views(juris: str, doc_type: str, origin: str, topic: str, status: str,
                          picked: str | None = None) -> tuple[Any, Any]:
            documents = engine.documents()
            table = render.render_library(documents, juris or None, doc_type or None, origin or None,
                                          topic or None, status or None)
            choices = [(_choice_label(documents, sid), sid) for sid, _ in render.filter_documents(documents)]
            value = picked if picked in documents else None
            return table, gr.update(choices=choices, value=value)

        def filter_library(juris: str, doc_type: str, origin: str, topic: str, status: str,
                           picked: str | None) -> str:
            return library_views(juris, doc_type, origin, topic, status, picked)[0]

        for control in filters_in:
            control.change(filter_library, [*filters_in, doc_pick], library_table, show_progress="hidden")

        def add_files(files: list[str] | None, juris: str, doc_type: str, origin: str, topic: str, status: str,
                      picked: str | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
            paths = [Path(f if isinstance(f, str) else getattr(f, "name", str(f))) for f in (files or [])]
            lines: list[tuple[str, str]] = []
            added_id = None
            for path in progress.tqdm(paths, desc="Checking and indexing", unit="file"):
                kind, message = engine.add_upload(path, path.name)
                lines.append((kind, message))
                if kind == "ok":
                    added_id = next((sid for sid, e in engine.documents().items()
                                     if e.get("origin") == "user" and Path(e.get("path", "")).name
                                     == safe_upload_name(path.name)), added_id)
            table, picker = library_views(juris, doc_type, origin, topic, status, added_id or picked)
            return render.render_notice(lines), table, picker, None

        upload.upload(add_files, [upload, *filters_in, doc_pick],
                      [upload_status, library_table, doc_pick, upload], show_progress="full",
                      concurrency_limit=1, concurrency_id="library", api_name="add_files")

        def view_document(source_id: str | None) -> str:
            documents = engine.documents()
            if not source_id or source_id not in documents:
                return render.render_document("", None, [])
            try:
                chunks = engine.document_text(source_id)
            except Exception as error:
                return render.render_notice([("error", f"Cannot read the document: {_first_line(error)}")])
            return render.render_document(source_id, documents[source_id], chunks)

        view_btn.click(view_document, doc_pick, doc_view)
        doc_pick.select(view_document, doc_pick, doc_view, show_progress="hidden")

        def remove_document(source_id: str | None, juris: str, doc_type: str, origin: str, topic: str,
                            status: str) -> tuple[Any, ...]:
            if not source_id:
                notice = render.render_notice([("error", "Choose a document you added first.")])
                return notice, gr.skip(), gr.skip(), gr.skip()
            kind, message = engine.remove_user_document(source_id)
            table, picker = library_views(juris, doc_type, origin, topic, status,
                                          source_id if kind == "error" else None)
            cleared = render.render_document("", None, []) if kind == "ok" else gr.skip()
            return render.render_notice([(kind, message)]), table, picker, cleared

        remove_btn.click(remove_document, [doc_pick, *filters_in], [remove_status, library_table, doc_pick, doc_view],
                         concurrency_limit=1, concurrency_id="library")

        # The timeline follows the library filters, so a point clicked is always one the picker lists.
        def timeline_view(juris: str, doc_type: str, origin: str, topic: str, status: str,
                          picked: str | None) -> str:
            shown = dict(render.filter_documents(engine.documents(), juris or None, doc_type or None, origin or None,
                                                 topic or None, status or None))
            return render_timeline(shown, picked, JURISDICTION_NAMES)

        library_table.change(timeline_view, [*filters_in, doc_pick], timeline, show_progress="hidden")
        doc_pick.change(timeline_view, [*filters_in, doc_pick], timeline, show_progress="hidden")

        def pick_from_timeline(evt: gr.EventData) -> tuple[Any, Any]:
            data = evt._data if isinstance(evt._data, dict) else {}
            source_id = data.get("source_id")
            if not isinstance(source_id, str) or source_id not in engine.documents():
                return gr.skip(), gr.skip()
            return gr.update(value=source_id), view_document(source_id)

        timeline.pick(pick_from_timeline, None, [doc_pick, doc_view], show_progress="hidden")  # type: ignore[attr-defined]

        # -- model ------------------------------------------------------------------------------
        def use_model(spec_text: str, current: str) -> tuple[Any, ...]:
            try:
                spec = str(parse_llm_spec(spec_text or ""))
            except InvalidLLMSpec as error:
                message = render_model_status(current, *engine.describe(current))
                notice = render.render_notice([("error", str(error))])
                return current, notice + message, message
            state, message = engine.check(spec)
            if state != "ready":
                keep = render_model_status(current, *engine.describe(current))
                notice = render.render_notice([("error", f"{spec}: {message}. Still answering with {current}.")])
                return current, notice + keep, keep
            try:
                engine.pipeline(spec)
            except Exception as error:
                keep = render_model_status(current, *engine.describe(current))
                return current, render.render_notice([("error", f"{spec}: {_first_line(error)}")]) + keep, keep
            status = render_model_status(spec, state, message)
            return spec, status, status

        llm_btn.click(use_model, [llm_box, llm_state], [llm_state, llm_status, model_line],
                      concurrency_limit=1, concurrency_id="model")

        # -- page load --------------------------------------------------------------------------
        def on_load(juris: str, doc_type: str, origin: str, topic: str, status: str, spec: str) -> tuple[Any, ...]:
            table, picker = library_views(juris, doc_type, origin, topic, status)
            model_status = render_model_status(spec, *engine.describe(spec))
            return table, picker, model_status, model_status

        demo.load(on_load, [*filters_in, llm_state], [library_table, doc_pick, model_line, llm_status],
                  show_progress="hidden")
    return demo


def _model_choices(settings: Settings, current: str) -> list[str]:
    choices = ["default"]
    model_dir = Path(settings.model_dir or settings.data_dir / "models")
    try:
        from assistant.model_files import default_model_path

        default_file = default_model_path(model_dir).resolve()
    except Exception:
        default_file = None
    if model_dir.is_dir():
        for path in sorted(model_dir.glob("*.gguf")):
            if default_file is None or path.resolve() != default_file:
                choices.append(f"gguf:{path}")
    if current not in choices:
        choices.append(current)
    return choices


def launch_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``Blocks.launch`` that carry the look and the safety settings."""
    auth = None
    if settings.auth:
        user, _, password = settings.auth.partition(":")
        auth = (user, password)
    return {
        "auth": auth,
        "auth_message": "Sign in to the research assistant." if auth else None,
        "css": CSS,
        "theme": THEME,
        "footer_links": [],
        # in bytes: Gradio parses "0.5mb" as an invalid unit, so a fractional limit would stop the server
        "max_file_size": int(settings.max_upload_mb * 1024 * 1024),
        "show_error": False,
        "ssr_mode": False,
        "pwa": False,
        "mcp_server": False,
        "enable_monitoring": False,
    }


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, share: bool = False) -> None:
    """Serve the web chat (127.0.0.1 and no public link unless asked)."""
    from assistant.answer import AnswerPipeline

    library = Library(settings)
    # An ingest killed midway (a crash during an upload) left a pending document: finish or drop
    # it before serving, so no half-indexed passages are ever searched.
    recovered = library.ingest([])
    for _, reason in recovered.rejected:
        log.warning("dropped an unfinished document: %s", reason)
    pipeline = AnswerPipeline.from_settings(settings, library)
    app = build_app(settings, pipeline, library)
    threading.Thread(target=app.engine.warm_up, name="warm-up", daemon=True).start()  # type: ignore[attr-defined]
    app.queue(default_concurrency_limit=2, max_size=64)
    app.launch(server_name=host, server_port=port, share=share, inbrowser=False, quiet=False,
               **launch_options(settings))
