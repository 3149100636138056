"""The Compare tab and the Library timeline in a real browser, against the real server, index and
default model (the fixtures of test_ui_browser.py: a private ingest, headless system Chromium, and a
page that fails on any request off this machine).

With ``CA_SAVE_SCREENSHOT=1`` it also refreshes ``docs/compare.png`` and ``docs/timeline.png``.
About four minutes on 2 cores, most of it the model writing two rows.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from test_ui_browser import ANSWER_TIMEOUT_MS, REPO, browser, page, server  # noqa: F401  (fixtures)

from assistant.loaders import load_file

pytestmark = [pytest.mark.slow, pytest.mark.browser]

COMPARE_SCREENSHOT = REPO / "docs" / "compare.png"
TIMELINE_SCREENSHOT = REPO / "docs" / "timeline.png"
QUESTION = "Can an image made with AI be protected by copyright?"
CHOSEN = ("China (CN)", "United States (US)")


def _curated_decisions() -> dict[str, str | None]:
    """Every curated judgment and decision, with the outcome its card states."""
    metas = [load_file(path, curated=True).meta for path in sorted((REPO / "corpus").glob("*.md"))]
    return {meta.id: meta.card.outcome if meta.card else None
            for meta in metas if meta.doc_type in ("judgment", "decision")}


def test_compare_fills_rows_one_by_one_and_a_citation_opens_its_passage(page) -> None:  # noqa: F811
    page.click("#ca-tab-compare-button")
    boxes = page.locator("#ca-compare-jurisdictions label")
    for index in range(boxes.count()):
        label = boxes.nth(index)
        label.locator("input").set_checked(label.inner_text().strip() in CHOSEN)
    page.fill("#ca-compare-question textarea", QUESTION)
    page.click("#ca-compare-run")

    table = page.locator("#ca-compare-table")
    page.wait_for_selector("#ca-compare-table tr.ca-cmp-pending")
    assert table.locator("tbody tr").count() == 2
    # Rows are answered one after the other: the table shows one finished while the other is not.
    page.wait_for_selector("#ca-compare-table .ca-cmp-progress:has-text('1 of 2')", timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_selector("#ca-compare-table .ca-cmp-progress:has-text('2 jurisdictions compared')",
                           timeout=ANSWER_TIMEOUT_MS)
    assert table.locator("tr.ca-cmp-pending").count() == 0
    assert table.locator("tr.ca-cmp-answered, tr.ca-cmp-refused").count() == 2
    assert table.locator(".ca-cmp-key").count() == 2  # each row shows the passage it rests on (or the nearest)

    # A row's citation opens its passage as in chat: the quote marked, the document's details and status.
    markers = table.locator("a.ca-cite")
    assert markers.count() >= 1, table.inner_text()
    markers.first.click()
    focused = page.locator("#ca-compare-passage .ca-citation.ca-focus")
    focused.wait_for()
    assert focused.locator("mark").count() == 1 and focused.locator("mark").inner_text().strip()
    detail = focused.inner_text()
    assert "Locator" in detail and "Date" in detail and "Status" in detail
    if os.environ.get("CA_SAVE_SCREENSHOT") == "1":
        page.screenshot(path=str(COMPARE_SCREENSHOT), full_page=True)

    # Both exports carry every row and its citations.
    with page.expect_download() as download_info:
        page.click("#ca-compare-md")
    markdown = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert QUESTION in markdown and "## China (CN)" in markdown and "## United States (US)" in markdown
    assert "**Sources**" in markdown and "[1]" in markdown
    with page.expect_download() as download_info:
        page.click("#ca-compare-csv")
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8"))))
    assert [row[0] for row in rows] == ["jurisdiction", "CN", "US"]
    assert any(row[4].startswith("[1] ") for row in rows[1:])


def test_timeline_plots_every_decision_and_a_click_opens_its_card(page) -> None:  # noqa: F811
    decisions = _curated_decisions()
    page.click("#ca-tab-library-button")
    page.wait_for_selector("#ca-timeline .ca-tl-point")
    points = page.locator("#ca-timeline .ca-tl-point")
    plotted = {points.nth(i).get_attribute("data-doc"): points.nth(i).get_attribute("data-outcome")
               for i in range(points.count())}
    assert plotted == {source_id: outcome or "other" for source_id, outcome in decisions.items()}

    li = page.locator('#ca-timeline .ca-tl-point[data-doc="cn-bjic-2023-li-v-liu"]')
    hover = li.locator("title").text_content()
    assert "Li v. Liu" in hover and "Beijing Internet Court" in hover and "2023-11-27" in hover
    li.hover()
    li.click()
    view = page.locator("#ca-doc-view")
    view.locator(".ca-casecard").wait_for()
    assert "Li v. Liu" in view.locator(".ca-panel-title").inner_text() and "RMB 500" in view.inner_text()
    assert "Li v. Liu" in page.input_value("#ca-doc-pick input")
    page.wait_for_selector('#ca-timeline .ca-tl-point[data-doc="cn-bjic-2023-li-v-liu"] .ca-tl-ring')
    if os.environ.get("CA_SAVE_SCREENSHOT") == "1":
        page.locator("#ca-timeline-box").screenshot(path=str(TIMELINE_SCREENSHOT))
