"""Cards for uploaded judgments read from their text by rules: what an English and a Chinese judgment
state, nothing where a text states nothing, every line checked against the paragraph it cites, and
an upload without a sidecar indexed with its card and aliases, then confirmed by the user."""

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from scans import CHINESE_JUDGMENT, ENGLISH_JUDGMENT

from assistant.card_extraction import (
    Found,
    Paragraph,
    citable_paragraphs,
    confirmed_sidecar,
    editable_yaml,
    extract,
    verified,
    with_extracted_card,
)
from assistant.cards import card_fields, pinpoint_paragraphs, without_pinpoint
from assistant.config import Settings
from assistant.index import Library
from assistant.loaders import load_file
from assistant.schema import UserDocumentMeta
from ui.engine import Engine
from ui.timeline import timeline_points


def _upload(folder: Path, name: str, pages: list[str]) -> Path:
    path = folder / name
    path.write_text("\n\n".join(pages), encoding="utf-8")
    return path


def _stated_where_cited(doc, card: dict[str, str]) -> None:
    """Each line ends with a pinpoint, and the paragraphs it names hold its figures."""
    paragraphs = {p.pinpoint: p.text for p in citable_paragraphs(doc)}
    for name, line in card.items():
        assert re.search(r"\((?:¶\d+(?:-\d+)?(?:, )?)+\)$", line), (name, line)
        cited = [text for pinpoint, text in paragraphs.items()
                 if set(pinpoint_paragraphs(f"x ({pinpoint})")) & set(pinpoint_paragraphs(line))]
        for figure in re.findall(r"\d[\d,]*", without_pinpoint(line)):
            assert any(figure in text for text in cited), (name, line)


def test_an_english_judgment_states_its_court_date_number_parties_and_amounts(tmp_path: Path) -> None:
    doc = with_extracted_card(load_file(_upload(tmp_path, "harbour-lights.txt", ENGLISH_JUDGMENT)))
    meta = doc.meta
    assert isinstance(meta, UserDocumentMeta) and meta.card is not None and meta.card_origin == "extracted"
    assert (meta.doc_type, meta.jurisdiction, meta.language) == ("judgment", "US", "en")
    assert meta.court_or_body == "United States District Court for the District of Oregon"
    assert meta.date == dt.date(2023, 11, 27) and meta.case_number == "No. 3:24-cv-01234-JR"
    card = {name: without_pinpoint(value) for name, value in meta.card.fields().items()}
    assert card == {
        "court": "United States District Court for the District of Oregon",
        "decided": "November 27, 2023",
        "case_number": "No. 3:24-cv-01234-JR",
        "parties": "Plaintiff HARBOUR LIGHTS LLC; defendant NORTHWIND PRESS INC.",
        "claimed": "The plaintiff claims US$50,000 in damages",
        "remedies": "The Court awards the plaintiff US$12,500 in statutory damages",
    }
    _stated_where_cited(doc, meta.card.fields())
    assert {"HARBOUR LIGHTS LLC v. NORTHWIND PRESS INC.", "HARBOUR LIGHTS v. NORTHWIND PRESS",
            "No. 3:24-cv-01234-JR"} <= set(meta.aliases)


def test_a_chinese_judgment_gives_its_orders_not_its_claims_as_remedies(tmp_path: Path) -> None:
    doc = with_extracted_card(load_file(_upload(tmp_path, "wang-v-xinghe.txt", CHINESE_JUDGMENT)))
    meta = doc.meta
    assert (meta.doc_type, meta.jurisdiction, meta.language) == ("judgment", "CN", "zh")
    assert meta.court_or_body == "北京互联网法院" and meta.date == dt.date(2024, 6, 18)
    card = {name: without_pinpoint(value) for name, value in meta.card.fields().items()}
    assert card["case_number"] == "（2024）京0491民初2345号"
    assert card["decided"] == "二〇二四年六月十八日"
    assert card["parties"] == "原告王晓明；被告星河科技有限公司"
    assert "20000元" in card["claimed"] and "3000元" in card["remedies"] and "20000" not in card["remedies"]
    assert "held" not in card and "appeal" not in card  # rules do not read them
    _stated_where_cited(doc, meta.card.fields())
    assert {"王晓明诉星河科技有限公司", "王晓明诉星河科技", "（2024）京0491民初2345号"} <= set(meta.aliases)


def test_a_text_that_states_nothing_gets_no_card(tmp_path: Path) -> None:
    silent = ["The court considered the matter at length.", "The claim concerned a picture made with software "
              "and it failed. Costs follow the event."]
    declared = _upload(tmp_path, "silent.txt", silent)
    (tmp_path / "silent.meta.yaml").write_text("doc_type: judgment\n", encoding="utf-8")
    assert extract(citable_paragraphs(load_file(declared))).card == {}
    assert load_file(declared).meta.card is None and with_extracted_card(load_file(declared)).meta.card is None


def test_an_article_about_a_case_is_not_taken_for_the_ruling(tmp_path: Path) -> None:
    article = ["# What the Beijing Internet Court decided", "In (2023)京0491民初11279号 the Beijing Internet Court "
               "awarded RMB 500 on 27 November 2023, a decision commentators call a first."]
    doc = load_file(_upload(tmp_path, "article.md", article))
    assert with_extracted_card(doc) is doc  # no heading of a ruling, no parties' roles: not a judgment


def test_a_line_the_cited_paragraph_does_not_state_is_dropped() -> None:
    paragraph = Paragraph("¶30", "The court awarded the plaintiff RMB 500 in damages.")
    assert verified(Found("The court awarded the plaintiff RMB 500 in damages", (paragraph,)))
    assert not verified(Found("The court awarded the plaintiff RMB 5,000 in damages", (paragraph,)))
    assert not verified(Found("Plaintiff Li; defendant Zhang", (paragraph,)))


@pytest.mark.parametrize(("text", "expected"), [
    ("1. Judgment was delivered on 27 November 2023 by the court.", dt.date(2023, 11, 27)),
    ("1. The court ruled on November 27, 2023.", dt.date(2023, 11, 27)),
    ("1. 本院于2023年11月27日作出判决。", dt.date(2023, 11, 27)),
    ("1. 审判长张明\n\n2. 二O〇二四年六月十八日", dt.date(2024, 6, 18)),  # OCR read 〇 twice
    ("1. The complaint was filed on 3 May 2023, and the court later decided the case.", None),
    ("1. The ruling on the appeal was announced on 23 April 2025.", None),
])
def test_a_decision_date_is_one_the_text_gives_as_the_ruling_s(text: str, expected: dt.date | None) -> None:
    found = extract([Paragraph("¶1", text)])
    assert found.decided == expected


@pytest.mark.parametrize(("title", "renamed"), [
    ("harbour-lights-scan", True), ("harbour lights scan", True), ("Scan 0012", True), ("judgment_2024-03", True),
    ("Zorblat v. Quixa (Fictional Court of Testland)", False), ("Opinion in the lighthouse picture case", False),
])
def test_a_ruling_whose_title_is_its_file_name_takes_its_case_name(tmp_path: Path, title: str, renamed: bool) -> None:
    path = tmp_path / "harbour-lights-scan.txt"
    path.write_text("\n\n".join(ENGLISH_JUDGMENT), encoding="utf-8")
    doc = load_file(path)
    doc = with_extracted_card(dataclasses.replace(doc, meta=doc.meta.model_copy(update={"title": title})))
    assert doc.meta.title == ("Harbour Lights v. Northwind Press" if renamed else title)


@pytest.fixture(scope="module")
def uploaded(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> tuple[Library, Path]:
    """A library holding one judgment uploaded as plain text, without a sidecar."""
    root = tmp_path_factory.mktemp("card-upload")
    library = Library(Settings(data_dir=root / "data", model_dir=model_dir))
    path = _upload(root, "harbour-lights.txt", ENGLISH_JUDGMENT)
    report = library.ingest([path])
    assert report.added and not report.rejected, report.rejected
    return library, path


def test_an_upload_without_a_sidecar_is_indexed_with_its_card_and_aliases(uploaded: tuple[Library, Path]) -> None:
    library, _ = uploaded
    (source_id, entry), = library.documents().items()
    chunks = library.document_chunks(source_id)
    assert all(chunk["card_origin"] == "extracted" for chunk in chunks)
    assert card_fields(chunks[0])["remedies"].startswith("The Court awards the plaintiff US$12,500")
    assert "HARBOUR LIGHTS v. NORTHWIND PRESS" in json.loads(chunks[0]["aliases"])
    assert entry["meta"]["title"] == "Harbour Lights v. Northwind Press"  # not the file's name, "harbour lights"
    assert any(chunk["locator"] == "Case card" and "US$12,500" in chunk["text"] for chunk in chunks)
    (point,), undated = timeline_points(library.documents())  # on the timeline, at the date read from it
    assert point.decided == dt.date(2023, 11, 27) and "date and card read from its text" in point.hover


def test_the_user_confirms_an_edited_card_and_it_is_indexed_again(uploaded: tuple[Library, Path]) -> None:
    library, path = uploaded
    engine = Engine(library.settings, library)
    (source_id, entry), = library.documents().items()
    text = engine.card_yaml(source_id)
    assert text == editable_yaml(entry["meta"]) and "court: United States District Court" in text
    bad = engine.confirm_card(source_id, re.sub(r"\(¶\d+(?:-\d+)?\)\n  remedies", "\n  remedies", text))
    assert bad[0] == "error" and "must end with the paragraph" in bad[1]
    edited = text.replace("in statutory damages", "in statutory damages and an injunction")
    kind, message = engine.confirm_card(source_id, edited)
    assert kind == "ok", message
    sidecar = path.with_name("harbour-lights.meta.yaml")
    assert "card_origin: confirmed" in sidecar.read_text(encoding="utf-8")
    meta = library.documents()[source_id]["meta"]
    assert meta["card_origin"] == "confirmed" and meta["card"]["remedies"].startswith(
        "The Court awards the plaintiff US$12,500 in statutory damages and an injunction")
    assert all(chunk["card_origin"] == "confirmed" for chunk in library.document_chunks(source_id))


def test_a_markdown_upload_keeps_its_confirmed_card_in_a_sidecar_unless_it_has_front_matter(tmp_path: Path) -> None:
    path = _upload(tmp_path, "notes.md", ["# Harbour Lights", *ENGLISH_JUDGMENT])
    sidecar = tmp_path / "notes.meta.yaml"
    sidecar.write_text(confirmed_sidecar(path, "user-notes", "card:\n  court: District of Oregon (¶1)\n"),
                       encoding="utf-8")
    doc = with_extracted_card(load_file(path))
    assert doc.meta.card_origin == "confirmed" and doc.meta.card.court == "District of Oregon (¶1)"
    path.write_text("---\ntitle: Own front matter\n---\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_file(path).meta.title == "Own front matter" and load_file(path).meta.card is None
