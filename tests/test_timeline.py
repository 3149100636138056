"""The Library view's timeline: the card's outcome field, a point per decision, escaping, and the
click that opens a document."""

from __future__ import annotations

import re
from pathlib import Path

import gradio as gr
import pytest
from test_ui import handler

from assistant.config import Settings
from assistant.loaders import load_file
from assistant.schema import CARD_FIELDS, CaseCard, SchemaError, validate_meta
from ui.app import build_app
from ui.timeline import OTHER, outcome_of, render_timeline, timeline_points

REPO = Path(__file__).resolve().parents[1]
SCRIPT = "<script>alert(1)</script>"


def entry(title: str, doc_type: str = "judgment", date: str | None = "2023-11-27", jurisdiction: str = "CN",
          card: dict | None = None, status: str | None = "final") -> dict:
    return {"origin": "curated", "chunks": 3,
            "meta": {"title": title, "doc_type": doc_type, "date": date, "jurisdiction": jurisdiction,
                     "court_or_body": "Beijing Internet Court", "status": status, "as_of": "2026-11-29",
                     "card": card}}


DOCUMENTS = {
    "li": entry(f"Li v. Liu {SCRIPT}", card={"held": "A work (¶28)", "outcome": "protected"}),
    "thaler": entry("Thaler v. Perlmutter", date="2025-03-18", jurisdiction="US",
                    card={"held": "Human authorship (¶5)", "outcome": "not_protected"}),
    "zarya": entry("Zarya of the Dawn", doc_type="decision", date="2023-02-21", jurisdiction="US",
                   card={"held": "Images not human-authored (¶5)", "outcome": None}),
    "ani": entry("ANI v. OpenAI", doc_type="decision", date="2024-11-19", jurisdiction="IN", status="pending",
                 card={"outcome": "pending"}),
    "undated": entry("A decision without a date", date=None),
    "statute": entry("Copyright Law", doc_type="statute", date="2020-11-11"),
}


# -- the card's outcome -----------------------------------------------------------------------------
def test_outcome_is_validated_and_is_not_a_card_text_field() -> None:
    card = CaseCard(held="The image is a work (¶28)", outcome="protected")
    assert card.outcome == "protected"
    assert card.fields() == {"held": "The image is a work (¶28)"}
    assert "outcome" not in CARD_FIELDS
    assert CaseCard(outcome="pending").fields() == {}
    with pytest.raises(SchemaError, match="unknown outcome 'won'"):
        validate_meta(Path("x.md"), {"outcome": "won"}, CaseCard)


@pytest.mark.parametrize(("source_id", "outcome"), [
    ("cn-bjic-2023-li-v-liu", "protected"),
    ("us-thaler-v-perlmutter", "not_protected"),
    ("us-usco-2023-zarya-of-the-dawn", "not_protected"),
    ("us-usco-2023-theatre-dopera-spatial", "not_protected"),
    ("cz-prague-2023-ai-generated-image", "not_protected"),
    ("de-lg-munich-2025-gema-v-openai", "liable"),
    ("de-lg-hamburg-2024-kneschke-v-laion", "not_liable"),
    ("in-dhc-2024-ani-v-openai", "pending"),
    ("uk-ewhc-2025-getty-v-stability", None),  # copyright claim dismissed, trade mark infringement found
    ("us-ndcal-2025-bartz-v-anthropic", None),  # fair use in part, not in part; then settled
])
def test_corpus_cards_state_outcomes_only_where_the_case_is_clear(source_id: str, outcome: str | None) -> None:
    card = load_file(REPO / "corpus" / f"{source_id}.md", curated=True).meta.card
    assert card is not None and card.outcome == outcome


# -- the points ---------------------------------------------------------------------------------------
def test_a_point_per_dated_judgment_or_decision_with_the_card_outcome_or_other() -> None:
    points, undated = timeline_points(DOCUMENTS)
    assert [p.source_id for p in points] == ["zarya", "li", "ani", "thaler"]  # oldest first, no statute
    assert undated == 1
    assert {p.source_id: p.outcome for p in points} == {"zarya": OTHER, "li": "protected", "ani": "pending",
                                                         "thaler": "not_protected"}
    assert outcome_of({"card": None}) == outcome_of({"card": {"outcome": "won"}}) == OTHER
    li = points[1]
    assert li.title.startswith("Li v. Liu") and "Beijing Internet Court · 2023-11-27" in li.hover
    assert "Outcome: protected" in li.hover and "final · current to 2026-11-29" in li.hover


def test_the_chart_has_a_focusable_point_per_decision_and_escapes_titles() -> None:
    html = render_timeline(DOCUMENTS, selected="thaler", names={"CN": "China", "US": "United States"})
    assert html.count('class="ca-tl-point"') == 4
    assert re.findall(r'data-doc="([^"]+)"', html) == ["li", "zarya", "thaler", "ani"]  # lane by lane
    assert "<script" not in html and "Li v. Liu &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<title>") == 4 and 'tabindex="0"' in html
    assert html.count("ca-tl-ring") == 1 and 'data-doc="thaler"' in html.split("ca-tl-ring")[0].rsplit("<g", 1)[1]
    assert "China (CN)" in html and "United States (US)" in html and ">IN<" in html
    assert "4 judgments and decisions by date decided, 2023–2025 · 1 without a date not shown" in html
    assert "protected (1)" in html and "other (1)" in html and "liable (" not in html


def test_points_on_the_same_day_do_not_overlap() -> None:
    same_day = {f"d{i}": entry(f"Case {i}", date="2025-06-23", jurisdiction="US") for i in range(3)}
    html = render_timeline(same_day)
    positions = re.findall(r'translate\(([\d.]+) ([\d.]+)\)', html)
    assert len(set(positions)) == 3 and len({x for x, _ in positions}) == 1


def test_no_decision_says_so() -> None:
    assert "No judgment or decision matches" in render_timeline({"statute": DOCUMENTS["statute"]})


# -- the app -------------------------------------------------------------------------------------------
@pytest.fixture
def app(tmp_path: Path) -> gr.Blocks:
    app = build_app(Settings(data_dir=tmp_path / "data", model_dir=tmp_path / "models"), pipeline=object())
    app.engine.documents = lambda: DOCUMENTS  # type: ignore[attr-defined]
    app.engine.document_text = lambda source_id: [("Reasoning ¶1", f"The text of {source_id}.")]  # type: ignore[attr-defined]
    return app


def test_clicking_a_point_selects_the_document_and_shows_its_card(app: gr.Blocks) -> None:
    pick = handler(app, "pick_from_timeline")
    picker, view = pick(gr.EventData(None, {"source_id": "li"}))
    assert picker["value"] == "li"
    assert "Case card" in view and "A work" in view and "The text of li." in view and "<script" not in view
    for bad in ({"source_id": "gone"}, {"source_id": 3}, {}):
        assert all(value == gr.skip() for value in pick(gr.EventData(None, bad)))


def test_the_timeline_follows_the_library_filters_and_rings_the_picked_document(app: gr.Blocks) -> None:
    view = handler(app, "timeline_view")
    assert view("US", "", "", "", "", "", "thaler").count('class="ca-tl-point"') == 2
    assert "ca-tl-ring" in view("US", "", "", "", "", "", "thaler")
    assert view("", "", "", "", "", "", None).count('class="ca-tl-point"') == 4
