"""The Gradio web chat: ask with streamed, cited answers; browse and extend the library; pick the model.

``build_app(settings, pipeline)`` returns the Blocks (tests pass a fake pipeline);
``serve(settings, ...)`` is what ``copyright-assistant serve`` runs. The page's layout is here; what
happens on its events is in ``ui.handlers``, and what the sessions share in ``ui.engine``.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.citation_formats import STYLE_NAMES, STYLES
from assistant.compare import NAMES
from assistant.config import Settings
from assistant.index import Library
from assistant.loaders import FORMATS
from assistant.model_files import default_model_path
from assistant.pipeline import AnswerPipeline
from assistant.schema import DOC_TYPES, JURISDICTIONS, TOPICS
from ui import render
from ui.compare_view import COMPARE_JS, DEFAULT_JURISDICTIONS, jurisdiction_choices, render_passage_panel, render_table
from ui.engine import Engine
from ui.handlers import (
    AskTab,
    CompareTab,
    Handlers,
    LibraryTab,
    ModelTab,
    Page,
    render_model_status,
)
from ui.style import CSS, SOURCES_JS, TRANSCRIPT_JS
from ui.timeline import DOC_VIEW_JS, TIMELINE_JS, render_timeline

log = logging.getLogger(__name__)

TOPIC_NAMES = {"ai-output-authorship": "Authorship of AI output", "training-data": "Training data",
               "output-infringement": "Infringing output", "platform-liability": "Platform liability",
               "transparency-labelling": "Transparency and labelling",
               "registration-practice": "Registration practice"}
ALL = ""
UPLOAD_TYPES = sorted(FORMATS)

# System fonts only: the default theme would make every browser fetch Google Fonts.
THEME = gr.themes.Soft(
    font=["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
)


def _jurisdiction_choices(all_label: str, prefix: str = "") -> list[tuple[str, str]]:
    return [(all_label, ALL)] + [(f"{prefix}{NAMES.get(j, j)} ({j})", j) for j in JURISDICTIONS]


def _type_choices() -> list[tuple[str, str]]:
    return [("All types", ALL)] + [(t, t) for t in DOC_TYPES]


def _topic_choices() -> list[tuple[str, str]]:
    return [("All topics", ALL)] + [(TOPIC_NAMES.get(t, t), t) for t in TOPICS]


def _status_choices() -> list[tuple[str, str]]:
    return [("All", ALL), ("Final", render.STATUS_FINAL), ("Not final", render.STATUS_NOT_FINAL)]


# The Library's staleness filter: entries whose as_of is older than the age (assistant.staleness).
STALE_CHOICES = [("Any time", ALL), ("Over 3 months ago", "3m"), ("Over 6 months ago", "6m"),
                 ("Over a year ago", "1y")]


def _cite_style_choices() -> list[tuple[str, str]]:
    return [("Memo citations: each source's own style", ALL)] + [
        (f"Memo citations: {STYLE_NAMES[style]}", style) for style in STYLES]


def _model_choices(settings: Settings, current: str) -> list[str]:
    choices = ["default"]
    model_dir = Path(settings.model_dir or settings.data_dir / "models")
    try:
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


def build_app(settings: Settings, pipeline: AnswerPipeline | None = None, library: Library | None = None) -> gr.Blocks:
    """The web chat. ``pipeline`` defaults to the real answer pipeline for ``settings.llm``."""
    if library is None:
        library = getattr(getattr(pipeline, "retriever", None), "library", None) or Library(settings)
    engine = Engine(settings, library, pipeline)
    # delete_cache: uploaded files and exports left in Gradio's cache go after an hour.
    with gr.Blocks(title="Copyright & AI research assistant", analytics_enabled=False,
                   delete_cache=(3600, 3600)) as demo:
        demo.engine = engine  # type: ignore[attr-defined]  (serve() warms it up; tests inspect it)
        llm = gr.State(engine.default_spec)
        _header()
        with gr.Tabs():
            page = Page(llm=llm, ask=_ask_tab(engine), compare=_compare_tab(engine),
                        library=_library_tab(settings, engine), model=_model_tab(settings, engine))
        on = Handlers(engine, page)
        _wire_ask(page, on)
        _wire_compare(page, on)
        _wire_library(page, on)
        _wire_model(page, on)
        demo.load(on.on_load, [*page.library.filters, llm],
                  [page.library.table, page.library.pick, page.ask.model_line, page.model.status],
                  show_progress="hidden")
    return demo


# -- layout ---------------------------------------------------------------------------------------
def _header() -> None:
    gr.HTML(
        '<div id="ca-header"><h1>Copyright &amp; AI research assistant</h1>'
        f'<p class="ca-disclaimer"><strong>Research aid, not legal advice.</strong> '
        f"{render.esc(render.DISCLAIMER.split('. ', 1)[1])}</p></div>",
        elem_id="ca-header-block",
    )


def _ask_tab(engine: Engine) -> AskTab:
    with gr.Tab("Ask", id="ask", elem_id="ca-tab-ask"), gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            turns = gr.State([])
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
                export = gr.DownloadButton("Export as Markdown", value=None, interactive=False, size="sm", scale=1,
                                           min_width=140, elem_id="ca-export")
            with gr.Row(equal_height=True, elem_id="ca-memo-controls"):
                cite_style = gr.Dropdown(_cite_style_choices(), value=ALL, show_label=False, container=False,
                                         scale=2, min_width=200, elem_id="ca-cite-style")
                memo = gr.DownloadButton("Export as Word memo", value=None, interactive=False, size="sm", scale=1,
                                         min_width=140, elem_id="ca-memo")
            model_line = gr.HTML(render_model_status(engine.default_spec, *engine.describe(engine.default_spec)),
                                 elem_id="ca-model-line")
        with gr.Column(scale=2, min_width=320, elem_id="ca-sources-col"):
            sources = gr.HTML(render.render_sources([]), elem_id="ca-sources", js_on_load=SOURCES_JS,
                              max_height=760, container=True, padding=True)
    return AskTab(turns=turns, transcript=transcript, question=question, send=send, jurisdiction=jurisdiction,
                  new_chat=new_chat, export=export, cite_style=cite_style, memo=memo, model_line=model_line,
                  sources=sources)


def _compare_tab(engine: Engine) -> CompareTab:
    with gr.Tab("Compare", id="compare", elem_id="ca-tab-compare"):
        run = gr.State(None)
        with gr.Row(equal_height=True):
            question = gr.Textbox(
                show_label=False, placeholder="One question for every jurisdiction ticked below, e.g. "
                "Can an image made with AI be protected by copyright?  (Enter to compare)",
                lines=1, max_lines=4, scale=6, elem_id="ca-compare-question",
            )
            start = gr.Button("Compare", variant="primary", scale=1, min_width=100, elem_id="ca-compare-run")
            stop = gr.Button("Stop", variant="stop", scale=1, min_width=80, elem_id="ca-compare-stop")
        codes = engine.compare_jurisdictions()
        jurisdictions = gr.CheckboxGroup(
            jurisdiction_choices(codes, NAMES), value=[c for c in DEFAULT_JURISDICTIONS if c in codes],
            label="Jurisdictions (each is one answer; the model writes them one after another)",
            elem_id="ca-compare-jurisdictions",
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                table = gr.HTML(render_table(None, NAMES), elem_id="ca-compare-table",
                                js_on_load=COMPARE_JS, min_height=160, container=True, padding=True)
                with gr.Row():
                    markdown = gr.DownloadButton("Export as Markdown", value=None, interactive=False, size="sm",
                                                 elem_id="ca-compare-md")
                    csv = gr.DownloadButton("Export as CSV", value=None, interactive=False, size="sm",
                                            elem_id="ca-compare-csv")
                    memo = gr.DownloadButton("Export as Word memo", value=None, interactive=False, size="sm",
                                             elem_id="ca-compare-memo")
            with gr.Column(scale=2, min_width=320):
                passage = gr.HTML(render_passage_panel(None, NAMES), elem_id="ca-compare-passage",
                                  js_on_load=SOURCES_JS, max_height=760, container=True, padding=True)
    return CompareTab(run=run, question=question, start=start, stop=stop, jurisdictions=jurisdictions, table=table,
                      markdown=markdown, csv=csv, memo=memo, passage=passage)


def _library_filters() -> list[gr.Dropdown]:
    return [
        gr.Dropdown(_jurisdiction_choices("All jurisdictions"), value=ALL, label="Jurisdiction",
                    elem_id="ca-lib-jurisdiction"),
        gr.Dropdown(_type_choices(), value=ALL, label="Type", elem_id="ca-lib-type"),
        gr.Dropdown([("Everything", ALL), ("Curated", "curated"), ("Added by you", "user")], value=ALL,
                    label="Origin", elem_id="ca-lib-origin"),
        gr.Dropdown(_topic_choices(), value=ALL, label="Topic", elem_id="ca-lib-topic"),
        gr.Dropdown(_status_choices(), value=ALL, label="Status", elem_id="ca-lib-status"),
        gr.Dropdown(STALE_CHOICES, value=ALL, label="Last checked", elem_id="ca-lib-stale"),
    ]


def _library_tab(settings: Settings, engine: Engine) -> LibraryTab:
    with gr.Tab("Library", id="library", elem_id="ca-tab-library"):
        with gr.Row():
            filters = _library_filters()
        with gr.Accordion("Timeline of judgments and decisions", open=True, elem_id="ca-timeline-box"):
            timeline = gr.HTML(render_timeline(engine.documents(), names=NAMES),
                               elem_id="ca-timeline", js_on_load=TIMELINE_JS)
        table = gr.HTML(render.render_library(engine.documents()), elem_id="ca-library", max_height=520)
        with gr.Row(equal_height=False):
            with gr.Column():
                gr.Markdown(
                    f"**Add documents** — PDF (scanned pages are read by OCR), Markdown or plain text, up to "
                    f"{settings.max_upload_mb:g} MB each. They are checked, indexed on this machine and "
                    "can be asked about at once."
                )
                upload = gr.File(label="Upload files", file_count="multiple", file_types=UPLOAD_TYPES,
                                 type="filepath", elem_id="ca-upload", height=130)
                upload_status = gr.HTML("", elem_id="ca-upload-status")
            with gr.Column():
                gr.Markdown("**Read or remove a document**")
                pick = gr.Dropdown(label="Document", choices=[], value=None, elem_id="ca-doc-pick")
                with gr.Row():
                    show = gr.Button("Show its card and text", elem_id="ca-doc-view-btn")
                    remove = gr.Button("Remove (documents you added only)", variant="stop", elem_id="ca-doc-remove")
                remove_status = gr.HTML("", elem_id="ca-remove-status")
                with gr.Accordion("Check the card of a document you added", open=False, elem_id="ca-card-check"):
                    gr.Markdown("A judgment added without a sidecar gets a card read from its text by rules, "
                                "marked *extracted, check it*. Correct it here and confirm: it is saved beside "
                                "the file and the document is indexed again.")
                    card_editor = gr.Code(value="", language="yaml", interactive=False, lines=10,
                                          label="Card and case details", elem_id="ca-card-editor")
                    card_save = gr.Button("Confirm this card", elem_id="ca-card-save")
                    card_status = gr.HTML("", elem_id="ca-card-status")
        document = gr.HTML(render.render_document("", None, []), elem_id="ca-doc-view", max_height=600,
                           js_on_load=DOC_VIEW_JS)
    jurisdiction, doc_type, origin, topic, status, stale = filters
    return LibraryTab(jurisdiction=jurisdiction, doc_type=doc_type, origin=origin, topic=topic, status=status,
                      stale=stale,
                      timeline=timeline, table=table, upload=upload, upload_status=upload_status, pick=pick, show=show,
                      remove=remove, remove_status=remove_status, document=document, card_editor=card_editor,
                      card_save=card_save, card_status=card_status)


def _model_tab(settings: Settings, engine: Engine) -> ModelTab:
    with gr.Tab("Model", id="model", elem_id="ca-tab-model"):
        gr.Markdown(
            "**Which model answers.** `default` is the embedded model running on this machine. You can also "
            "use any local GGUF file (`gguf:/path/model.gguf`), a local Ollama model (`ollama:MODEL`) or "
            "an OpenAI-compatible server (`openai:http://host:port/v1#MODEL`). The choice applies to this "
            "browser session; no restart is needed. Retrieval and citation checking stay on this machine."
        )
        with gr.Row(equal_height=True):
            spec = gr.Dropdown(_model_choices(settings, engine.default_spec), value=engine.default_spec,
                               allow_custom_value=True, label="LLM spec", scale=4, elem_id="ca-llm")
            use = gr.Button("Use this model", variant="primary", scale=1, elem_id="ca-llm-use")
        status = gr.HTML(render_model_status(engine.default_spec, *engine.describe(engine.default_spec)),
                         elem_id="ca-llm-status")
    return ModelTab(spec=spec, use=use, status=status)


# -- events ---------------------------------------------------------------------------------------
def _wire_ask(page: Page, on: Handlers) -> None:
    a = page.ask
    inputs = [a.question, a.turns, a.jurisdiction, page.llm]
    outputs = [a.question, a.turns, a.transcript, a.sources, a.export, a.model_line]
    # One answer at a time, shared with comparing: the model answers one request at a time.
    options: dict[str, Any] = dict(concurrency_limit=1, concurrency_id="answer", show_progress="hidden")
    submitted = a.question.submit(on.ask, inputs, outputs, api_name="ask", **options)
    clicked = a.send.click(on.ask, inputs, outputs, **options)
    example = a.transcript.example(on.use_example, None, a.question, show_progress="hidden")  # type: ignore[attr-defined]
    example_answer = example.then(on.ask, inputs, outputs, **options)
    # The memo follows every answer and every change of citation style.
    for answered in (submitted, clicked, example_answer):
        answered.then(on.export_memo, [a.turns, a.cite_style], a.memo, show_progress="hidden")
    a.cite_style.change(on.export_memo, [a.turns, a.cite_style], a.memo, show_progress="hidden")
    a.transcript.cite(on.show_citation, [a.turns], a.sources, show_progress="hidden")  # type: ignore[attr-defined]
    a.new_chat.click(on.reset, None, [a.turns, a.transcript, a.sources, a.export, a.memo, a.question],
                     cancels=[submitted, clicked, example_answer], show_progress="hidden")


def _wire_compare(page: Page, on: Handlers) -> None:
    c = page.compare
    inputs = [c.question, c.jurisdictions, page.llm]
    outputs = [c.run, c.table, c.passage, c.markdown, c.csv, c.memo]
    options: dict[str, Any] = dict(concurrency_limit=1, concurrency_id="answer", show_progress="hidden")
    c.question.submit(on.compare, inputs, outputs, api_name="compare", **options)
    c.start.click(on.compare, inputs, outputs, **options)
    c.stop.click(on.stop_compare, None, None, queue=False)
    c.table.cite(on.show_compare_citation, [c.run], c.passage, show_progress="hidden")  # type: ignore[attr-defined]
    c.table.passage(on.show_compare_passage, [c.run], c.passage, show_progress="hidden")  # type: ignore[attr-defined]


def _wire_library(page: Page, on: Handlers) -> None:
    lib = page.library
    for control in lib.filters:
        control.change(on.filter_library, lib.filters, lib.table, show_progress="hidden")
    lib.upload.upload(on.add_files, [lib.upload, *lib.filters, lib.pick],
                      [lib.upload_status, lib.table, lib.pick, lib.upload], show_progress="full",
                      concurrency_limit=1, concurrency_id="library", api_name="add_files")
    lib.show.click(on.view_document, lib.pick, lib.document)
    lib.pick.select(on.view_document, lib.pick, lib.document, show_progress="hidden")
    lib.remove.click(on.remove_document, [lib.pick, *lib.filters], [lib.remove_status, lib.table, lib.pick, lib.document],
                     concurrency_limit=1, concurrency_id="library")
    lib.table.change(on.timeline_view, [*lib.filters, lib.pick], lib.timeline, show_progress="hidden")
    lib.pick.change(on.timeline_view, [*lib.filters, lib.pick], lib.timeline, show_progress="hidden")
    lib.timeline.pick(on.pick_from_timeline, None, [lib.pick, lib.document],  # type: ignore[attr-defined]
                      show_progress="hidden")
    lib.pick.change(on.card_editor, lib.pick, lib.card_editor, show_progress="hidden")
    lib.card_save.click(on.confirm_card, [lib.pick, lib.card_editor, *lib.filters],
                        [lib.card_status, lib.table, lib.pick, lib.document, lib.card_editor],
                        concurrency_limit=1, concurrency_id="library")


def _wire_model(page: Page, on: Handlers) -> None:
    page.model.use.click(on.use_model, [page.model.spec, page.llm], [page.llm, page.model.status, page.ask.model_line],
                         concurrency_limit=1, concurrency_id="model")


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
