"""The web chat's event handlers, and the components they address.

Each handler returns (or, while it streams, yields) ``{component: new value}`` for just the components
it changes; Gradio leaves every other output of the event as it is. ``build_app`` builds the page
(``Page``) and wires these handlers to its events; they are methods of one ``Handlers`` object that
holds the engine and the page, because Gradio finds the ``gr.EventData``, ``gr.Request`` and
``gr.Progress`` parameters it must fill from the handler's own signature, which a
``functools.partial`` hides.

Gradio resolves those annotations at runtime (``typing.get_type_hints``), and quietly stops passing
event data when one of them does not resolve: every name used in a handler's annotations must be
imported here at runtime, not under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr
from gradio.components import Component

from assistant.compare import NAMES, parse_jurisdictions
from assistant.llm_spec import InvalidLLMSpec, parse_llm_spec
from assistant.loaders import safe_upload_name
from assistant.questions import InvalidQuestion
from assistant.retrieval import SearchFilters
from ui import render
from ui.compare_view import CompareRun, compare_csv, compare_markdown, render_passage_panel, render_table
from ui.engine import Engine, document_title, first_line
from ui.render import Turn
from ui.timeline import render_timeline

log = logging.getLogger(__name__)

# Questions kept per conversation. The pipeline caps the characters of answered history, but a session
# also keeps failed turns and every turn's passages, and re-renders them all on each question.
MAX_TURNS = 50
DRAFT_INTERVAL_S = 0.08  # the streamed draft is re-rendered at most ~12 times a second

Updates = dict[Component, Any]


@dataclass(frozen=True)
class AskTab:
    turns: gr.State  # this session's conversation: a list of render.Turn
    transcript: gr.HTML
    question: gr.Textbox
    send: gr.Button
    jurisdiction: gr.Dropdown
    new_chat: gr.Button
    export: gr.DownloadButton
    cite_style: gr.Dropdown  # the memo's citation style ("": each source's own)
    memo: gr.DownloadButton
    model_line: gr.HTML
    sources: gr.HTML


@dataclass(frozen=True)
class CompareTab:
    run: gr.State  # the CompareRun on show
    question: gr.Textbox
    start: gr.Button
    stop: gr.Button
    jurisdictions: gr.CheckboxGroup
    table: gr.HTML
    markdown: gr.DownloadButton
    csv: gr.DownloadButton
    memo: gr.DownloadButton
    passage: gr.HTML


@dataclass(frozen=True)
class LibraryTab:
    jurisdiction: gr.Dropdown
    doc_type: gr.Dropdown
    origin: gr.Dropdown
    topic: gr.Dropdown
    status: gr.Dropdown
    stale: gr.Dropdown
    timeline: gr.HTML
    table: gr.HTML
    upload: gr.File
    upload_status: gr.HTML
    pick: gr.Dropdown
    show: gr.Button
    remove: gr.Button
    remove_status: gr.HTML
    document: gr.HTML
    card_editor: gr.Code  # the picked upload's card and case details, as YAML to check
    card_save: gr.Button
    card_status: gr.HTML

    @property
    def filters(self) -> list[gr.Dropdown]:
        """Every library handler takes the filters in this order: jurisdiction, type, origin, topic, status,
        and how long ago an entry was checked."""
        return [self.jurisdiction, self.doc_type, self.origin, self.topic, self.status, self.stale]


@dataclass(frozen=True)
class ModelTab:
    spec: gr.Dropdown
    use: gr.Button
    status: gr.HTML


@dataclass(frozen=True)
class Page:
    llm: gr.State  # the model spec this session answers with
    ask: AskTab
    compare: CompareTab
    library: LibraryTab
    model: ModelTab


def event_data(evt: gr.EventData, *fields: str) -> dict[str, Any]:
    """The named fields of a custom event's payload, as the page's JavaScript sends it
    (``trigger('cite', {turn: 0, n: 2})``). Gradio's public way to reach the payload is attribute
    access on the EventData (``evt.turn``); it has no accessor for the whole dict. A field the payload
    lacks is left out, and so is every field of an event sent without a payload object (Gradio then
    raises TypeError rather than AttributeError). A field may not be called ``target``: that is the
    EventData's own attribute."""
    found: dict[str, Any] = {}
    for field in fields:
        try:
            found[field] = getattr(evt, field)
        except (AttributeError, TypeError):
            continue
    return found


def render_model_status(spec: str, state: str, message: str) -> str:
    icon = {"ready": "●", "loading": "◌", "error": "✗"}.get(state, "○")
    css = {"ready": "ca-model-ready", "loading": "ca-model-pending", "error": "ca-model-error"}.get(state, "")
    return (f'<div class="ca-model-status">Answering with <code>{render.esc(spec)}</code> '
            f'<span class="{css}">{icon} {render.esc(message)}</span></div>')


def choice_label(documents: dict[str, dict[str, Any]], source_id: str) -> str:
    """A document as the picker lists it: its title, its status (so an appeal pending shows before
    it is opened) and whether the user added it."""
    entry = documents.get(source_id, {})
    status = (entry.get("meta") or {}).get("status")
    return (document_title(documents, source_id) + (f" — {status}" if status else "")
            + (" (added by you)" if entry.get("origin") == "user" else ""))


def _session(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", "") or ""


class Handlers:
    """The page's event handlers, bound to the engine the sessions share and to the page's components."""

    def __init__(self, engine: Engine, page: Page) -> None:
        self.engine = engine
        self.page = page

    # -- asking ---------------------------------------------------------------------------------
    def ask(self, text: str, turns: list[Turn], juris: str, spec: str) -> Iterator[Updates]:
        """Answer one question of this session's conversation: the question and the passages found
        show at once, the draft while the model writes, then the checked answer and its export."""
        a = self.page.ask
        turns = list(turns or [])
        if len(turns) >= MAX_TURNS:
            full = Turn(question=(text or "").strip(), llm=spec, status="error",
                        error=f"This conversation has reached {MAX_TURNS} questions; start a new conversation.")
            yield {a.turns: turns, a.transcript: render.render_transcript([*turns, full])}
            return
        history = render.history_of(turns)
        turn = Turn(question=(text or "").strip(), llm=spec, jurisdiction=juris or None)
        turns.append(turn)
        yield {a.question: "", a.turns: turns, a.transcript: render.render_transcript(turns),
               a.sources: render.render_sources(turns)}
        for found_passages in self._answer(turn, text, history, juris, spec):
            update: Updates = {a.turns: turns, a.transcript: render.render_transcript(turns)}
            if found_passages:
                update[a.sources] = render.render_sources(turns)
            yield update
        self.engine.note_answer(spec, failed=turn.status == "error")
        yield {a.turns: turns, a.transcript: render.render_transcript(turns), a.sources: render.render_sources(turns),
               a.export: gr.update(value=self.engine.export(turns), interactive=True),
               a.model_line: render_model_status(spec, *self.engine.describe(spec))}

    def _answer(self, turn: Turn, text: str, history: list[tuple[str, str]], juris: str,
                spec: str) -> Iterator[bool]:
        """Run the pipeline into ``turn``, yielding whenever there is something new to show (True when
        it is the passages found). A failure ends as the turn's error, never as an exception."""
        last = 0.0
        try:
            events = self.engine.pipeline(spec).stream(
                text or "", history=history, filters=SearchFilters(jurisdiction=juris or None)
            )
            for event in events:
                if event.kind == "passages":
                    turn.passages, turn.status = list(event.passages), "reading"
                    yield True
                elif event.kind == "token":
                    turn.draft += event.text
                    turn.status = "writing"
                    now = time.monotonic()
                    if now - last > DRAFT_INTERVAL_S:
                        last = now
                        yield False
                elif event.kind == "final" and event.answer is not None:
                    turn.answer, turn.status = event.answer, "done"
            if turn.answer is None:
                raise RuntimeError("the answer pipeline ended without an answer")
        except InvalidQuestion as error:
            turn.status, turn.error = "error", f"Cannot ask this: {error}."
        except Exception as error:  # a model or server failure: shown in the chat, logged here
            log.exception("answering failed")
            turn.status, turn.error = "error", f"The assistant could not answer: {first_line(error)}"

    def use_example(self, evt: gr.EventData) -> str | dict:
        index = event_data(evt, "index").get("index")
        if isinstance(index, int) and 0 <= index < len(render.EXAMPLE_QUESTIONS):
            return render.EXAMPLE_QUESTIONS[index]
        return gr.skip()

    def show_citation(self, turns: list[Turn], evt: gr.EventData) -> str | dict:
        data = event_data(evt, "turn", "n")
        turn_index, n = data.get("turn"), data.get("n")
        if not isinstance(turn_index, int) or not isinstance(n, int) or not 0 <= turn_index < len(turns or []):
            return gr.skip()
        return render.render_sources(turns, turn_index, focus=n)

    def export_memo(self, turns: list[Turn], style: str) -> dict:
        """The conversation as a Word memo in the chosen citation style, once there is an answer."""
        path = self.engine.export_memo(list(turns or []), style or None)
        return gr.update(value=path, interactive=path is not None)

    def reset(self) -> Updates:
        a = self.page.ask
        closed = gr.update(value=None, interactive=False)
        return {a.turns: [], a.transcript: render.render_transcript([]), a.sources: render.render_sources([]),
                a.export: closed, a.memo: closed, a.question: ""}

    # -- comparing ------------------------------------------------------------------------------
    def compare(self, text: str, codes: list[str] | None, spec: str, request: gr.Request) -> Iterator[Updates]:
        """One question for each jurisdiction ticked: the table fills row by row, then both exports open."""
        c = self.page.compare
        closed = gr.update(value=None, interactive=False)
        question = (text or "").strip()
        try:
            run = CompareRun(question, parse_jurisdictions(codes or []), spec)
        except ValueError as error:
            run = CompareRun(question, [], spec, state="error", error=f"Cannot compare: {error}.")
            yield {c.run: run, c.table: render_table(run, NAMES), c.markdown: closed, c.csv: closed, c.memo: closed}
            return
        yield {c.run: run, c.table: render_table(run, NAMES),
               c.passage: render_passage_panel(None, NAMES), c.markdown: closed, c.csv: closed, c.memo: closed}
        for _ in self._fill(run, _session(request)):
            yield {c.run: run, c.table: render_table(run, NAMES)}
        if run.state == "error":
            yield {c.run: run, c.table: render_table(run, NAMES), c.markdown: closed, c.csv: closed, c.memo: closed}
            return
        stamp = f"comparison-{datetime.now():%Y%m%d-%H%M%S}"
        markdown = self.engine.export_text(f"{stamp}.md", compare_markdown(run, NAMES))
        table = self.engine.export_text(f"{stamp}.csv", compare_csv(run, NAMES))
        memo = self.engine.export_comparison_memo(run, NAMES)
        yield {c.run: run, c.table: render_table(run, NAMES),
               c.markdown: gr.update(value=markdown, interactive=True), c.csv: gr.update(value=table, interactive=True),
               c.memo: gr.update(value=memo, interactive=True)}

    def _fill(self, run: CompareRun, session: str) -> Iterator[None]:
        """Put each row into ``run`` as the engine reports it, yielding after each; then set how the
        run ended (done, stopped or an error, which is shown in the table and logged)."""
        started = time.monotonic()
        try:
            for event in self.engine.compare(run.question, run.jurisdictions, run.llm, session):
                run.rows[event.row.jurisdiction] = event.row
                yield
            run.state = "done" if run.finished == len(run.jurisdictions) else "stopped"
        except InvalidQuestion as error:
            run.state, run.error = "error", f"Cannot ask this: {error}."
        except Exception as error:
            log.exception("comparing failed")
            run.state, run.error = "error", f"the comparison failed ({first_line(error)})"
        run.seconds = time.monotonic() - started

    def stop_compare(self, request: gr.Request) -> None:
        self.engine.stop_compare(_session(request))

    def show_compare_citation(self, run: CompareRun | None, evt: gr.EventData) -> str | dict:
        data = event_data(evt, "row", "n")
        index, n = data.get("row"), data.get("n")
        if run is None or not isinstance(index, int) or not isinstance(n, int) or run.row(index) is None:
            return gr.skip()
        return render_passage_panel(run, NAMES, index, n)

    def show_compare_passage(self, run: CompareRun | None, evt: gr.EventData) -> str | dict:
        index = event_data(evt, "row").get("row")
        if run is None or not isinstance(index, int) or run.row(index) is None:
            return gr.skip()
        return render_passage_panel(run, NAMES, index)

    # -- library --------------------------------------------------------------------------------
    def _library_views(self, juris: str, doc_type: str, origin: str, topic: str, status: str, stale: str,
                       picked: str | None = None) -> Updates:
        """The library table as filtered, and the picker listing every document (keeping ``picked``)."""
        documents = self.engine.documents()
        lib = self.page.library
        table = render.render_library(documents, juris or None, doc_type or None, origin or None,
                                      topic or None, status or None, stale or None)
        choices = [(choice_label(documents, sid), sid) for sid, _ in render.filter_documents(documents)]
        return {lib.table: table, lib.pick: gr.update(choices=choices, value=picked if picked in documents else None)}

    def filter_library(self, juris: str, doc_type: str, origin: str, topic: str, status: str, stale: str) -> str:
        return render.render_library(self.engine.documents(), juris or None, doc_type or None, origin or None,
                                     topic or None, status or None, stale or None)

    def add_files(self, files: list[str] | None, juris: str, doc_type: str, origin: str, topic: str, status: str,
                  stale: str, picked: str | None, progress: gr.Progress = gr.Progress()) -> Updates:
        """Add each uploaded file in turn (the loader decides what it accepts), then pick the last
        one added."""
        lib = self.page.library
        paths = [Path(f if isinstance(f, str) else getattr(f, "name", str(f))) for f in (files or [])]
        lines: list[tuple[str, str]] = []
        added_id = None
        def ocr_page(path: Path, done: int, total: int) -> None:
            progress((done, total), desc=f"Reading the scanned pages of {path.name} (OCR)", unit="page")

        for path in progress.tqdm(paths, desc="Checking and indexing", unit="file"):
            kind, message = self.engine.add_upload(path, path.name, on_ocr_page=ocr_page)
            lines.append((kind, message))
            if kind == "ok":
                added_id = self._upload_id(path.name) or added_id
        return {lib.upload_status: render.render_notice(lines),
                **self._library_views(juris, doc_type, origin, topic, status, stale, added_id or picked),
                lib.upload: None}

    def _upload_id(self, name: str) -> str | None:
        """The source_id of the user document stored under the upload's name."""
        stored = safe_upload_name(name)
        return next((sid for sid, entry in self.engine.documents().items()
                     if entry.get("origin") == "user" and Path(entry.get("path", "")).name == stored), None)

    def view_document(self, source_id: str | None) -> str:
        return self._document_view(source_id, self.engine.documents())

    def _document_view(self, source_id: str | None, documents: dict[str, dict[str, Any]]) -> str:
        """A document's passages, from a manifest listing the caller has already read."""
        if not source_id or source_id not in documents:
            return render.render_document("", None, [])
        try:
            chunks = self.engine.document_text(source_id)
        except Exception as error:
            return render.render_notice([("error", f"Cannot read the document: {first_line(error)}")])
        return render.render_document(source_id, documents[source_id], chunks)

    def card_editor(self, source_id: str | None) -> dict:
        """The picked document's card as YAML to check; editable only for a document the user added."""
        text = self.engine.card_yaml(source_id)
        return gr.update(value=text, interactive=bool(text))

    def confirm_card(self, source_id: str | None, text: str, juris: str, doc_type: str, origin: str, topic: str,
                     status: str, stale: str) -> Updates:
        """Save the checked card beside the upload and index it again; the views then show it confirmed."""
        lib = self.page.library
        kind, message = self.engine.confirm_card(source_id, text)
        updates: Updates = {lib.card_status: render.render_notice([(kind, message)])}
        if kind == "ok":
            updates |= {**self._library_views(juris, doc_type, origin, topic, status, stale, source_id),
                        lib.document: self.view_document(source_id), lib.card_editor: self.engine.card_yaml(source_id)}
        return updates

    def remove_document(self, source_id: str | None, juris: str, doc_type: str, origin: str, topic: str,
                        status: str, stale: str) -> Updates:
        lib = self.page.library
        if not source_id:
            return {lib.remove_status: render.render_notice([("error", "Choose a document you added first.")])}
        kind, message = self.engine.remove_user_document(source_id)
        kept = source_id if kind == "error" else None
        updates: Updates = {lib.remove_status: render.render_notice([(kind, message)]),
                            **self._library_views(juris, doc_type, origin, topic, status, stale, kept)}
        if kind == "ok":
            updates[lib.document] = render.render_document("", None, [])
        return updates

    def timeline_view(self, juris: str, doc_type: str, origin: str, topic: str, status: str, stale: str,
                      picked: str | None) -> str:
        """The timeline follows the library filters, so a point clicked is always one the picker lists."""
        shown = dict(render.filter_documents(self.engine.documents(), juris or None, doc_type or None,
                                             origin or None, topic or None, status or None, stale or None))
        return render_timeline(shown, picked, NAMES)

    def pick_from_timeline(self, evt: gr.EventData) -> Updates:
        source_id = event_data(evt, "source_id").get("source_id")
        documents = self.engine.documents()
        if not isinstance(source_id, str) or source_id not in documents:
            return gr.skip()
        lib = self.page.library
        return {lib.pick: gr.update(value=source_id), lib.document: self._document_view(source_id, documents)}

    # -- model and page load --------------------------------------------------------------------
    def use_model(self, spec_text: str, current: str) -> Updates:
        """Switch this session to another model once it loads (or its server answers); otherwise the
        session keeps its model and the notice says why."""
        try:
            spec = str(parse_llm_spec(spec_text or ""))
        except InvalidLLMSpec as error:
            return self._keep_model(current, str(error))
        state, message = self.engine.check(spec)
        if state != "ready":
            return self._keep_model(current, f"{spec}: {message}. Still answering with {current}.")
        try:
            self.engine.pipeline(spec)
        except Exception as error:
            return self._keep_model(current, f"{spec}: {first_line(error)}")
        status = render_model_status(spec, state, message)
        return {self.page.llm: spec, self.page.model.status: status, self.page.ask.model_line: status}

    def _keep_model(self, current: str, problem: str) -> Updates:
        kept = render_model_status(current, *self.engine.describe(current))
        return {self.page.llm: current, self.page.model.status: render.render_notice([("error", problem)]) + kept,
                self.page.ask.model_line: kept}

    def on_load(self, juris: str, doc_type: str, origin: str, topic: str, status: str, stale: str,
                spec: str) -> Updates:
        model_status = render_model_status(spec, *self.engine.describe(spec))
        return {**self._library_views(juris, doc_type, origin, topic, status, stale),
                self.page.ask.model_line: model_status, self.page.model.status: model_status}
