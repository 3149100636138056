"""The Compare tab: one question answered for several jurisdictions, a table row each.

Rows fill as ``assistant.compare.Comparison`` reports them (passages first, then the cited answer or
a refusal). A row's ``[n]`` opens that citation in the side panel exactly as in chat (passage with
the quote marked, status, case card), so a comparison is checked the same way an answer is. The
exports carry every citation. All text from documents, the model or the user is escaped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from assistant.types import Answer, Citation
from ui import render
from ui.render import esc

if TYPE_CHECKING:
    from assistant.compare import CompareRow

DEFAULT_JURISDICTIONS = ("CN", "US", "UK", "EU")
# "Not covered" is the gate (no passage on point, no model call); a row whose passages were read
# and whose answer failed the checker is "could not be verified", never "nothing on this".
REFUSAL_HEADINGS = {**render.REFUSAL_HEADINGS, "unverified": "Could not be verified",
                    "refused": "No answer from the library"}
# A cell that starts like this is a formula to a spreadsheet; a document could smuggle one in.
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")

# Clicks on a citation marker ('cite') or a row's key passage ('passage') become custom events.
COMPARE_JS = r"""
element.addEventListener('click', function (ev) {
  var cite = ev.target.closest('[data-cite]');
  if (cite && element.contains(cite)) {
    ev.preventDefault();
    trigger('cite', {row: parseInt(cite.getAttribute('data-turn'), 10), n: parseInt(cite.getAttribute('data-cite'), 10)});
    return;
  }
  var key = ev.target.closest('[data-key-row]');
  if (key && element.contains(key)) {
    ev.preventDefault();
    trigger('passage', {row: parseInt(key.getAttribute('data-key-row'), 10)});
  }
});
"""


@dataclass
class CompareRun:
    """One comparison as the tab shows it: the rows asked for, those reported so far, how it ended."""

    question: str
    jurisdictions: list[str]
    llm: str = "default"
    rows: dict[str, CompareRow] = field(default_factory=dict)
    state: Literal["running", "done", "stopped", "error"] = "running"
    error: str = ""
    seconds: float | None = None

    def row(self, index: int) -> CompareRow | None:
        if not 0 <= index < len(self.jurisdictions):
            return None
        return self.rows.get(self.jurisdictions[index])

    @property
    def finished(self) -> int:
        return sum(row.done for row in self.rows.values())


def jurisdiction_choices(codes: Sequence[str], names: Mapping[str, str]) -> list[tuple[str, str]]:
    return [(f"{names.get(code, code)} ({code})", code) for code in codes]


def _label(code: str, names: Mapping[str, str]) -> str:
    return f"{names.get(code, code)} ({code})"


def _as_answer(row: CompareRow) -> Answer:
    """The row as a chat Answer, so its markers render exactly as chat's do."""
    return Answer(question="", answer=row.answer, refused=row.refused, citations=list(row.citations),
                  passages=list(row.passages), timings={})


def _spinner(text: str) -> str:
    return f'<div class="ca-status"><span class="ca-spinner"></span>{esc(text)}</div>'


def _answer_cell(run: CompareRun, index: int, row: CompareRow | None) -> str:
    if run.state == "error" and (row is None or not row.done):
        return '<span class="ca-muted">Not answered.</span>'
    if row is None or not row.done:
        if run.state != "running":
            return '<span class="ca-muted">Not answered: the comparison was stopped first.</span>'
        if row is None:
            return _spinner("Searching the library…")
        return _spinner(f"Found {render._plural(len(row.passages), 'passage')}; waiting for the model…")
    if row.refused:
        heading = REFUSAL_HEADINGS.get(row.refusal_reason or "", REFUSAL_HEADINGS["refused"])
        return (f'<div class="ca-cmp-refusal"><div class="ca-refusal-head">⚠ {esc(heading)}</div>'
                f"{esc(row.answer)}</div>")
    return f'<div class="ca-verified">{render.render_answer_text(_as_answer(row), index)}</div>'


def _key_passage(index: int, row: CompareRow | None) -> str:
    """The row's best passage under its answer, with the sentence that matters; a click opens it."""
    if row is None or not row.passages:
        return ""
    best = row.passages[0]
    label = "Nearest passage" if row.refused else "Key passage"
    quote = f"“{esc(row.highlight)}”" if row.highlight else '<span class="ca-muted">(open it to read)</span>'
    return (f'<a href="#" class="ca-cmp-key" data-key-row="{index}" role="button" title="Open this passage">'
            f'<span class="ca-sub">{label}</span> {quote}'
            f'<span class="ca-sub"> — {esc(best.title)}, {esc(best.locator)}</span></a>')


def render_table(run: CompareRun | None, names: Mapping[str, str]) -> str:
    """The comparison table, one row per jurisdiction asked, in the order asked."""
    if run is None:
        return ('<div class="ca-cmp ca-muted">Ask one question of several jurisdictions: each row is answered '
                "only from that jurisdiction's documents, with citations you can open, or says the library "
                "does not cover it there.</div>")
    if run.state == "error" and not run.rows:
        return render.render_notice([("error", run.error)])
    progress = {
        "running": f"{run.finished} of {len(run.jurisdictions)} jurisdictions answered…",
        "done": f"{len(run.jurisdictions)} jurisdictions compared"
                + (f" in {run.seconds:.0f} s" if run.seconds is not None else ""),
        "stopped": f"Stopped: {run.finished} of {len(run.jurisdictions)} jurisdictions answered",
        "error": f"Failed: {run.error}",
    }[run.state]
    body = []
    for index, code in enumerate(run.jurisdictions):
        row = run.rows.get(code)
        row_state = "pending" if row is None or not row.done else ("refused" if row.refused else "answered")
        found = f" · {render._plural(len(row.passages), 'passage')}" if row else ""
        body.append(f'<tr class="ca-cmp-{row_state}" data-jurisdiction="{esc(code)}">'
                    f'<th>{esc(names.get(code, code))}<div class="ca-sub">{esc(code + found)}</div></th>'
                    f"<td>{_answer_cell(run, index, row)}{_key_passage(index, row)}</td></tr>")
    return (f'<div class="ca-cmp"><div class="ca-panel-q">“{esc(run.question)}” · '
            f'<span class="ca-cmp-progress">{esc(progress)}</span> · model: {esc(run.llm)}</div>'
            '<div class="ca-table-wrap"><table class="ca-cmp-table"><thead><tr><th>Jurisdiction</th>'
            f'<th>Answer, and the passage it rests on</th></tr></thead><tbody>{"".join(body)}</tbody></table></div></div>')


def render_passage_panel(run: CompareRun | None, names: Mapping[str, str], index: int | None = None,
                         n: int | None = None) -> str:
    """The side panel: citation ``n`` of row ``index`` as chat shows it, or with ``n`` None the row's
    key passage."""
    head = '<div class="ca-panel-title">Passage</div>'
    row = run.row(index) if run is not None and index is not None else None
    if row is None:
        return (f'<div class="ca-sources">{head}<p class="ca-muted">Click a citation such as '
                '<span class="ca-num">[1]</span> in a row, or its passage, to read it here with the case card '
                "and status.</p></div>")
    where = f'<div class="ca-panel-q">{esc(_label(row.jurisdiction, names))}</div>'
    if n is None:
        body = render.render_passage(row.passages[0], 1) if row.passages else '<p class="ca-muted">No passage.</p>'
        return f'<div class="ca-sources">{head}{where}{body}</div>'
    citation = next((c for c in row.citations if c.n == n), None)
    if citation is None:
        return f'<div class="ca-sources">{head}{where}<p class="ca-muted">No citation [{n}] in this row.</p></div>'
    return f'<div class="ca-sources">{head}{where}{render.render_citation(citation, row.passages, index, True)}</div>'


# -- export -----------------------------------------------------------------------------------------
def _md(text: str) -> str:
    """Text for Markdown: one line, and no "<" a viewer would read as HTML."""
    return " ".join(str(text).split()).replace("<", "\\<")


def _source_line(citation: Citation, clean: Callable[[str], str] = str) -> str:
    """"[1] Title (court, date, case number) — locator — <url>", as the chat export writes it, each
    text part passed through ``clean``."""
    meta = citation.metadata or {}
    details = ", ".join(str(v) for v in (meta.get("court_or_body"), meta.get("date"), meta.get("case_number")) if v)
    url = render.safe_url(meta.get("source_url"))
    return (f"[{citation.n}] {clean(citation.title)}" + (f" ({clean(details)})" if details else "")
            + f" — {clean(citation.locator)}" + (f" — <{url}>" if url else ""))


def _row_text(run: CompareRun, code: str) -> tuple[str, str]:
    """(what happened, the row's text) for the exports."""
    row = run.rows.get(code)
    if row is None or not row.done:
        return "not answered", ""
    if row.refused:
        return "not covered", row.answer
    return "answered", row.answer


def compare_markdown(run: CompareRun, names: Mapping[str, str], now: datetime | None = None) -> str:
    """The comparison as Markdown: a section per jurisdiction with its answer and its citations."""
    now = now or datetime.now()
    out = ["# Comparison across jurisdictions", "", f"**Question:** {_md(run.question)}", "",
           f"Exported {now:%Y-%m-%d %H:%M}; model: {run.llm}.", "", f"> {render.DISCLAIMER}", ""]
    for code in run.jurisdictions:
        outcome, text = _row_text(run, code)
        out += [f"## {_label(code, names)}", ""]
        if outcome == "answered":
            out += [_md(text), ""]
        elif outcome == "not covered":
            out += [f"**Not covered by the library.** {_md(text)}", ""]
        else:
            out += ["*Not answered (the comparison was stopped or failed first).*", ""]
        row = run.rows.get(code)
        if row is not None and row.done and row.citations:
            out += ["**Sources**", ""]
            for citation in row.citations:
                out += [_source_line(citation, _md), f"    > {_md(citation.quote)}"]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _cell(value: str) -> str:
    return f"'{value}" if _FORMULA_START.match(value) else value


def compare_csv(run: CompareRun, names: Mapping[str, str]) -> str:
    """The comparison as CSV, a line per jurisdiction; the citations cell lists each source and quote."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["jurisdiction", "name", "result", "answer", "citations"])
    for code in run.jurisdictions:
        outcome, text = _row_text(run, code)
        row = run.rows.get(code)
        citations = "\n".join(f"{_source_line(c)} — “{c.quote}”" for c in row.citations) if row and row.done else ""
        writer.writerow([_cell(v) for v in (code, names.get(code, code), outcome, text, citations)])
    return buffer.getvalue()
