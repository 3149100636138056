"""The Compare tab without a browser or a model: the table as rows arrive, a citation opened as in
chat, the exports, escaping, and the handlers driven with a fake comparison."""

from __future__ import annotations

import csv
import io
import re
import threading
from pathlib import Path
from types import SimpleNamespace

import docx
import gradio as gr
import pytest
from test_ui import handler

import ui.engine
from assistant.compare import CompareEvent, CompareRow
from assistant.config import Settings
from assistant.questions import InvalidQuestion
from assistant.schema import JURISDICTIONS
from assistant.types import Citation
from assistant.types import Passage
from ui.app import build_app
from ui.compare_view import CompareRun, compare_csv, compare_markdown, render_passage_panel, render_table

SCRIPT = "<script>alert(1)</script>"
NAMES = {"CN": "China", "US": "United States", "UK": "United Kingdom"}
CARD = '{"held": "The image is a work (¶28)"}'
LI = Passage("c1", "cn-bjic-2023-li-v-liu", f"Li v. Liu {SCRIPT}", "Reasoning ¶28",
             f"The image is a work. Li is its author. {SCRIPT}", 0.03,
             metadata={"court_or_body": "Beijing Internet Court", "date": "2023-11-27", "card": CARD,
                       "paragraph": "28", "status": "final", "source_url": "https://example.org/li"})
THALER = Passage("c2", "us-thaler-v-perlmutter", "Thaler v. Perlmutter", "¶5", "Human authorship is required.", 0.02,
                 metadata={"court_or_body": "D.C. Circuit", "date": "2025-03-18",
                           "status": "appeal pending", "source_url": "javascript:alert(2)"})
QUOTE = "Li is its author."


def cn_row(done: bool = True) -> CompareRow:
    citation = Citation(1, LI.source_id, LI.title, LI.locator, QUOTE, True, LI.metadata)
    return CompareRow("CN", "China", answer=f"The user is the author {SCRIPT}. [1]" if done else "",
                      citations=[citation] if done else [], passages=[LI], highlight=QUOTE, done=done)


def us_row(done: bool = True) -> CompareRow:
    citation = Citation(1, THALER.source_id, THALER.title, THALER.locator, "Human authorship is required.", True,
                        THALER.metadata)
    return CompareRow("US", "United States", answer="A human author is required. [1]" if done else "",
                      citations=[citation] if done else [], passages=[THALER], highlight="Human authorship is required.",
                      done=done)


def uk_refused() -> CompareRow:
    return CompareRow("UK", "United Kingdom", refused=True, answer="The library does not cover this for the "
                      "United Kingdom.", passages=[THALER], done=True, refusal_reason="not_covered")


def run_of(*rows: CompareRow, state: str = "done") -> CompareRun:
    run = CompareRun(f"Who owns it? {SCRIPT}", ["CN", "US", "UK"], "default", state=state)  # type: ignore[arg-type]
    run.rows = {row.jurisdiction: row for row in rows}
    return run


# -- the table ----------------------------------------------------------------------------------------
def test_rows_show_waiting_then_passages_then_answers_in_the_order_asked() -> None:
    html = render_table(run_of(cn_row(done=False), state="running"), NAMES)
    assert re.findall(r'data-jurisdiction="(\w+)"><th>([^<]+)<', html) == [
        ("CN", "China"), ("US", "United States"), ("UK", "United Kingdom")]
    assert "CN · 1 passage" in html
    assert "0 of 3 jurisdictions answered" in html
    assert "Found 1 passage; waiting for the model" in html and html.count("Searching the library") == 2
    assert "Key passage" in html and "“Li is its author.”" in html and 'data-key-row="0"' in html

    html = render_table(run_of(cn_row(), us_row(), uk_refused()), NAMES)
    assert "3 jurisdictions compared" in html
    assert 'class="ca-cite" data-turn="0" data-cite="1"' in html and 'data-turn="1" data-cite="1"' in html
    assert "ca-cmp-refused" in html and "Not covered by the library" in html and "Nearest passage" in html
    assert "<script" not in html and html.count("&lt;script&gt;") >= 3  # question, answer, title


def test_a_stopped_run_says_which_rows_were_not_answered() -> None:
    html = render_table(run_of(cn_row(), us_row(done=False), state="stopped"), NAMES)
    assert "Stopped: 1 of 3 jurisdictions answered" in html
    assert html.count("the comparison was stopped first") == 2


def test_a_citation_opens_its_passage_with_the_quote_status_and_card_as_in_chat() -> None:
    run = run_of(cn_row(), us_row(), uk_refused())
    panel = render_passage_panel(run, NAMES, 0, 1)
    assert "ca-focus" in panel and "<mark>Li is its author.</mark>" in panel
    assert "Case card" in panel and "The image is a work" in panel and "final" in panel
    assert "<script" not in panel and "China (CN)" in panel
    us = render_passage_panel(run, NAMES, 1, 1)
    assert "ca-badge-notfinal" in us and "appeal pending" in us and "javascript:" not in us
    assert "No citation [7]" in render_passage_panel(run, NAMES, 0, 7)
    assert "Human authorship is required." in render_passage_panel(run, NAMES, 2)  # a refused row's nearest passage
    assert "Click a citation" in render_passage_panel(run, NAMES, 9, 1) == render_passage_panel(None, NAMES)


# -- the exports -----------------------------------------------------------------------------------------
def test_markdown_export_has_every_row_with_its_citations() -> None:
    text = compare_markdown(run_of(cn_row(), uk_refused(), state="stopped"), NAMES)
    assert text.startswith("# Comparison across jurisdictions")
    assert "## China (CN)" in text and "## United States (US)" in text and "## United Kingdom (UK)" in text
    assert "The user is the author \\<script>alert(1)\\</script>. [1]" in text  # no raw HTML for a viewer
    assert "[1] Li v. Liu \\<script>alert(1)\\</script> (Beijing Internet Court, 2023-11-27) — Reasoning ¶28 — " \
           "<https://example.org/li>" in text
    assert "    > Li is its author." in text
    assert "*Not answered" in text and "**Not covered by the library.** The library does not cover" in text


def test_csv_export_has_a_line_per_jurisdiction_with_citations_and_no_formulas() -> None:
    formula = CompareRow("US", "United States", answer="=HYPERLINK(\"http://x\") [1]", done=True,
                         citations=[Citation(1, "x", "-2+3", "¶1", "@quote", True, {})])
    lines = list(csv.reader(io.StringIO(compare_csv(run_of(cn_row(), formula, uk_refused()), NAMES))))
    assert lines[0] == ["jurisdiction", "name", "result", "answer", "citations"]
    assert [line[:3] for line in lines[1:]] == [["CN", "China", "answered"], ["US", "United States", "answered"],
                                                ["UK", "United Kingdom", "not covered"]]
    assert lines[1][4] == ("[1] Li v. Liu <script>alert(1)</script> (Beijing Internet Court, 2023-11-27) — "
                           "Reasoning ¶28 — <https://example.org/li> — “Li is its author.”")
    assert lines[2][3].startswith("'=HYPERLINK") and lines[2][4].startswith("[1] -2+3")


# -- the handlers -----------------------------------------------------------------------------------------
REQUEST = SimpleNamespace(session_hash="s1")


@pytest.fixture
def app(tmp_path: Path) -> gr.Blocks:
    return build_app(Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models"), pipeline=object())


def fake_compare(stop_after: int | None = None):
    def compare(question, jurisdictions, spec, session):
        assert jurisdictions == ["CN", "US", "UK"] and session == "s1"
        if not question:
            raise InvalidQuestion("the question is empty")
        yield CompareEvent("passages", cn_row(done=False))
        yield CompareEvent("passages", us_row(done=False))
        yield CompareEvent("row", uk_refused())
        for count, row in enumerate((cn_row(), us_row()), 1):
            if stop_after is not None and count > stop_after:
                return
            yield CompareEvent("row", row)

    return compare


def test_compare_fills_rows_one_by_one_then_offers_both_exports(app: gr.Blocks) -> None:
    app.engine.compare = fake_compare()  # type: ignore[attr-defined]
    steps = list(handler(app, "compare")("Who owns it?", ["cn", "US", "UK"], "default", REQUEST))
    tables = [step[1] for step in steps]
    assert "Searching the library" in tables[0] and "0 of 3" in tables[0]
    assert [t.count("ca-cmp-answered") for t in tables[1:]] == [0, 0, 0, 1, 2, 2]
    run, table, _, markdown, table_file, memo = steps[-1]
    assert run.state == "done" and "3 jurisdictions compared" in table
    assert markdown["interactive"] and table_file["interactive"] and memo["interactive"]
    assert "## China (CN)" in Path(markdown["value"]).read_text(encoding="utf-8")
    assert "Thaler v. Perlmutter" in Path(table_file["value"]).read_text(encoding="utf-8")
    cells = [row.cells[0].text for row in docx.Document(memo["value"]).tables[0].rows]
    assert cells == ["Jurisdiction", "China (CN)", "United States (US)", "United Kingdom (UK)"]

    show = handler(app, "show_compare_citation")
    assert "<mark>Li is its author.</mark>" in show(run, gr.EventData(None, {"row": 0, "n": 1}))
    assert show(run, gr.EventData(None, {"row": 5, "n": 1})) == gr.skip()
    assert show(None, gr.EventData(None, {"row": 0, "n": 1})) == gr.skip()
    assert "Thaler" in handler(app, "show_compare_passage")(run, gr.EventData(None, {"row": 2}))


def test_a_stopped_comparison_keeps_its_rows_and_exports_them(app: gr.Blocks) -> None:
    app.engine.compare = fake_compare(stop_after=1)  # type: ignore[attr-defined]
    run, table, _, markdown, *_ = list(handler(app, "compare")("Who owns it?", ["CN", "US", "UK"], "default",
                                                                REQUEST))[-1]
    assert run.state == "stopped" and "Stopped: 2 of 3" in table
    assert "*Not answered" in Path(markdown["value"]).read_text(encoding="utf-8")


def test_bad_input_is_a_message_not_a_crash(app: gr.Blocks) -> None:
    app.engine.compare = fake_compare()  # type: ignore[attr-defined]
    compare = handler(app, "compare")
    steps = list(compare("Who owns it?", [], "default", REQUEST))
    assert len(steps) == 1 and "Cannot compare: no jurisdiction given" in steps[0][1]
    assert "unknown jurisdiction &#x27;XX&#x27;" in list(compare("Who owns it?", ["XX"], "default", REQUEST))[0][1]
    run, table, *_ = list(compare("", ["CN", "US", "UK"], "default", REQUEST))[-1]
    assert run.state == "error" and "Cannot ask this: the question is empty." in table


def test_the_engine_passes_a_stop_the_stop_button_sets(app: gr.Blocks, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[threading.Event] = []

    class FakeComparison:
        def __init__(self, pipeline) -> None:
            self.pipeline = pipeline

        def stream(self, question, jurisdictions=None, stop=None):
            seen.append(stop)
            handler(app, "stop_compare")(REQUEST)  # the user presses Stop while the first row is written
            yield CompareEvent("row", cn_row())
            assert stop.is_set()

    monkeypatch.setattr(ui.engine, "Comparison", FakeComparison)
    events = list(app.engine.compare("Who owns it?", ["CN"], app.engine.default_spec, "s1"))  # type: ignore[attr-defined]
    assert len(events) == 1 and seen[0].is_set()
    handler(app, "stop_compare")(REQUEST)  # nothing running: no effect, no error


def test_the_jurisdictions_offered_are_the_library_s_or_all_when_it_cannot_be_read(app: gr.Blocks) -> None:
    engine = app.engine  # type: ignore[attr-defined]
    engine.library.documents = lambda: {"a": {"meta": {"jurisdiction": "US"}}, "b": {"meta": {"jurisdiction": "CN"}}}
    assert engine.compare_jurisdictions() == ["CN", "US"]

    def broken() -> dict:
        raise OSError("manifest unreadable")

    engine.library.documents = broken
    assert engine.compare_jurisdictions() == list(JURISDICTIONS)


def test_not_covered_and_could_not_be_verified_differ_in_words_and_label() -> None:
    from assistant.sides import refusal_text

    unverified = CompareRow("US", "United States", refused=True, answer=refusal_text("US", "en", "unverified"),
                            passages=[THALER], done=True, refusal_reason="unverified")
    html = render_table(run_of(cn_row(), unverified, uk_refused()), NAMES)
    assert "Could not be verified" in html and "Not covered by the library" in html
    assert "were read, but no answer from them could be verified" in html
    assert "has nothing on this for the United States" not in html
