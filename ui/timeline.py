"""The Library view's timeline: every judgment and decision plotted by the date it was decided.

An inline SVG rather than a plotting library, so it renders with no outside request, each point's
hover is a native ``<title>`` and a click on a point is one delegated handler (the ``pick`` event).
Colour says the jurisdiction, the marker the outcome taken from the case card (``card.outcome``);
a card without one is plotted as "other", never guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assistant.cards import CASE_DOC_TYPES
from assistant.schema import JURISDICTIONS, OUTCOMES
from ui.render import esc, status_text

OTHER = "other"
OUTCOME_LABELS = {"protected": "protected", "not_protected": "not protected", "liable": "liable",
                  "not_liable": "not liable", "pending": "pending", OTHER: "other"}
COLOURS = {"CN": "#d62728", "US": "#1f77b4", "UK": "#9467bd", "EU": "#17a2b8", "JP": "#e377c2",
           "DE": "#8c564b", "CZ": "#ff7f0e", "KR": "#2ca02c", "IN": "#a0a020"}
UNKNOWN_COLOUR = "#7f7f7f"
NO_JURISDICTION = "—"

# Geometry in SVG user units; the drawing scales to the width of its panel.
WIDTH, LEFT, RIGHT, TOP, AXIS = 960, 150, 24, 8, 30
ROW, LANE_GAP, MIN_GAP = 20, 10, 16  # a sub-row's height; space between lanes; closest two points in a row

# Clicks (and Enter/Space on a focused point) become the custom 'pick' event with the document's id.
TIMELINE_JS = r"""
function pick(ev) {
  var point = ev.target.closest && ev.target.closest('[data-doc]');
  if (!point || !element.contains(point)) { return; }
  ev.preventDefault();
  trigger('pick', {source_id: point.getAttribute('data-doc')});
}
element.addEventListener('click', pick);
element.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { pick(ev); } });
"""

# The document view sits below the library table: bring it into view when a pick fills it.
DOC_VIEW_JS = r"""
watch('value', function () {
  var top = element.getBoundingClientRect().top;
  if (element.querySelector('.ca-docview') && (top < 0 || top > window.innerHeight - 120)) {
    element.scrollIntoView({block: 'start', behavior: 'smooth'});
  }
});
"""


@dataclass(frozen=True)
class TimelinePoint:
    """One judgment or decision as the timeline shows it."""

    source_id: str
    title: str
    court: str
    decided: dt.date
    jurisdiction: str
    outcome: str  # one of OUTCOMES, or OTHER
    status: str  # "final · current to 2026-11-29"
    added: str = ""  # for an upload: "Added by you", and whether its date was read from its text

    @property
    def hover(self) -> str:
        return (f"{self.title}\n{self.court} · {self.decided.isoformat()}\n"
                f"Outcome: {OUTCOME_LABELS[self.outcome]}" + (f"\nStatus: {self.status}" if self.status else "")
                + (f"\n{self.added}" if self.added else ""))


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value or "")[:10])
    except ValueError:
        return None


def _added(entry: Mapping[str, Any]) -> str:
    """How the hover names an upload: the user added it, and its card (with the date plotted) may
    have been read from its text by rules, not yet checked."""
    if entry.get("origin") != "user":
        return ""
    extracted = (entry.get("meta") or {}).get("card_origin") == "extracted"
    return "Added by you" + (": date and card read from its text, check them" if extracted else "")


def outcome_of(meta: Mapping[str, Any]) -> str:
    """The outcome the document's card states, or OTHER."""
    card = meta.get("card")
    outcome = card.get("outcome") if isinstance(card, Mapping) else None
    return outcome if outcome in OUTCOMES else OTHER


def timeline_points(documents: Mapping[str, Mapping[str, Any]]) -> tuple[list[TimelinePoint], int]:
    """The judgments and decisions among manifest ``documents``, oldest first, and how many of them
    have no date to plot."""
    points, undated = [], 0
    for source_id, entry in documents.items():
        meta = entry.get("meta") or {}
        if meta.get("doc_type") not in CASE_DOC_TYPES:
            continue
        decided = _date(meta.get("date"))
        if decided is None:
            undated += 1
            continue
        points.append(TimelinePoint(source_id, str(meta.get("title") or source_id), str(meta.get("court_or_body") or ""),
                                    decided, str(meta.get("jurisdiction") or NO_JURISDICTION), outcome_of(meta),
                                    status_text(meta), _added(entry)))
    points.sort(key=lambda p: (p.decided, p.source_id))
    return points, undated


def marker(outcome: str, colour: str) -> str:
    """The shape of an outcome centred on (0, 0): filled for protected/liable, hollow for their
    negatives, a diamond for pending, a triangle for other."""
    hollow = f'class="ca-tl-hollow" stroke="{colour}" stroke-width="2.5"'
    return {
        "protected": f'<circle r="6.5" fill="{colour}"/>',
        "not_protected": f'<circle r="5.5" {hollow}/>',
        "liable": f'<rect x="-6" y="-6" width="12" height="12" fill="{colour}"/>',
        "not_liable": f'<rect x="-5" y="-5" width="10" height="10" {hollow}/>',
        "pending": f'<path d="M0 -7 L7 0 L0 7 L-7 0 Z" {hollow}/>',
    }.get(outcome, f'<path d="M0 -7 L6.5 5 L-6.5 5 Z" fill="{colour}"/>')


def _lanes(points: list[TimelinePoint], x_of: Any) -> dict[str, list[tuple[TimelinePoint, int]]]:
    """Points by jurisdiction (library order), each with the sub-row that keeps it clear of its neighbours."""
    order = {j: i for i, j in enumerate(JURISDICTIONS)}
    lanes: dict[str, list[tuple[TimelinePoint, int]]] = {}
    for jurisdiction in sorted({p.jurisdiction for p in points}, key=lambda j: (order.get(j, len(order)), j)):
        ends: list[float] = []  # the x of the last point in each sub-row
        placed = []
        for point in (p for p in points if p.jurisdiction == jurisdiction):
            x = x_of(point.decided)
            row = next((i for i, end in enumerate(ends) if x - end >= MIN_GAP), len(ends))
            ends[row:row + 1] = [x]
            placed.append((point, row))
        lanes[jurisdiction] = placed
    return lanes


def render_svg(points: list[TimelinePoint], selected: str | None = None,
               names: Mapping[str, str] | None = None) -> str:
    """The chart: one lane per jurisdiction, a year axis, a focusable point per decision."""
    first, last = points[0].decided.year, points[-1].decided.year + 1
    start, span = dt.date(first, 1, 1), (dt.date(last, 1, 1) - dt.date(first, 1, 1)).days

    def x_of(day: dt.date) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (day - start).days / span

    lanes = _lanes(points, x_of)
    parts, y = [], TOP
    for jurisdiction, placed in lanes.items():
        height = ROW * (max(row for _, row in placed) + 1) + LANE_GAP
        colour = COLOURS.get(jurisdiction, UNKNOWN_COLOUR)
        label = (names or {}).get(jurisdiction, jurisdiction)
        label = f"{label} ({jurisdiction})" if label != jurisdiction else label
        parts.append(f'<rect class="ca-tl-lane" x="0" y="{y}" width="{WIDTH}" height="{height}"/>'
                     f'<circle cx="10" cy="{y + height / 2:.1f}" r="4" fill="{colour}"/>'
                     f'<text class="ca-tl-label" x="20" y="{y + height / 2 + 4:.1f}">{esc(label)}</text>')
        for point, row in placed:
            cx, cy = x_of(point.decided), y + LANE_GAP / 2 + ROW * row + ROW / 2
            ring = '<circle class="ca-tl-ring" r="11"/>' if point.source_id == selected else ""
            parts.append(
                f'<g class="ca-tl-point" data-doc="{esc(point.source_id)}" data-outcome="{point.outcome}" '
                f'transform="translate({cx:.1f} {cy:.1f})" tabindex="0" role="button" aria-label="{esc(point.hover)}">'
                f"<title>{esc(point.hover)}</title>{ring}{marker(point.outcome, colour)}</g>")
        y += height
    ticks = []
    for year in range(first, last + 1):
        x = x_of(dt.date(year, 1, 1))
        ticks.append(f'<line class="ca-tl-grid" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{y + 4}"/>'
                     + (f'<text class="ca-tl-year" x="{x_of(dt.date(year, 7, 1)):.1f}" y="{y + 20}" '
                        f'text-anchor="middle">{year}</text>' if year < last else ""))
    height = y + AXIS
    return (f'<svg class="ca-tl-svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="group" '
            f'aria-label="Judgments and decisions by date decided" xmlns="http://www.w3.org/2000/svg">'
            f'{"".join(ticks)}{"".join(parts)}</svg>')


def _legend(points: list[TimelinePoint]) -> str:
    counts = {outcome: sum(p.outcome == outcome for p in points) for outcome in (*OUTCOMES, OTHER)}
    items = "".join(
        f'<span class="ca-tl-key"><svg viewBox="-8 -8 16 16" width="14" height="14" aria-hidden="true">'
        f'{marker(outcome, UNKNOWN_COLOUR)}</svg>{esc(OUTCOME_LABELS[outcome])} ({count})</span>'
        for outcome, count in counts.items() if count
    )
    return f'<div class="ca-tl-legend">{items}</div>'


def render_timeline(documents: Mapping[str, Mapping[str, Any]], selected: str | None = None,
                    names: Mapping[str, str] | None = None) -> str:
    """The timeline panel for manifest ``documents`` (already filtered), ``selected`` ringed."""
    points, undated = timeline_points(documents)
    if not points:
        return '<div class="ca-timeline"><p class="ca-muted">No judgment or decision matches these filters.</p></div>'
    years = f"{points[0].decided.year}–{points[-1].decided.year}"
    noun = "judgment or decision" if len(points) == 1 else "judgments and decisions"
    missing = f" · {undated} without a date not shown" if undated else ""
    summary = (f'<div class="ca-tl-summary">{len(points)} {noun} by date decided, {years}{missing} · '
               "hover over a point for its case, click it to read its card below</div>")
    return f'<div class="ca-timeline">{summary}{_legend(points)}{render_svg(points, selected, names)}</div>'
