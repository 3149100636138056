"""The Word memo, written and read back: every [n] of the answer is a real footnote holding its
citation, every source keeps its status, as-of date and quote, and the disclaimer is there."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import qn

from assistant.citation_formats import citation_formats
from assistant.memo import answers_memo, comparison_memo
from assistant.notices import DISCLAIMER
from assistant.types import Answer, Citation, Statement

LI = {"title": "Li v. Liu (AI-generated image case), Beijing Internet Court", "jurisdiction": "CN",
      "doc_type": "judgment", "court_or_body": "Beijing Internet Court", "date": "2023-11-27",
      "case_number": "(2023) Jing 0491 Min Chu No. 11279", "status": "final", "as_of": "2026-11-29",
      "source_url": "https://english.bjinternetcourt.gov.cn/2024-02/28/c_695.htm",
      "card": '{"decided": "27 November 2023 (¶1)"}'}
CDPA = {"title": "UK Copyright, Designs and Patents Act 1988, sections 9(3) and 178 (computer-generated works)",
        "jurisdiction": "UK", "doc_type": "statute", "court_or_body": "UK Parliament", "date": "1988-11-15",
        "status": "in force", "as_of": "2026-11-29", "source_url": "https://legislation.gov.uk/ukpga/1988/48/section/9"}
LI_QUOTE = "The plaintiff was its author because he chose the prompts."
CDPA_QUOTE = "the author shall be taken to be the person by whom the arrangements necessary for the creation <&>"


def hand_made_answer() -> Answer:
    return Answer(
        question="Who owns an AI-generated image in China and the UK?",
        answer="In China the plaintiff owned the image. [1] In the UK the person who made the arrangements is the "
               "author. [2]\nBoth rest on a human's choices. [1][2]",
        refused=False,
        citations=[Citation(1, "cn-bjic-2023-li-v-liu", "Li v. Liu", "Reasoning ¶19", LI_QUOTE, True, LI),
                   Citation(2, "uk-cdpa-1988-s9-3", "CDPA 1988", "Section 9(3) ¶2", CDPA_QUOTE, True, CDPA)],
        passages=[], timings={},
        statements=[Statement("The court awarded one million yuan.", [1], supported=False,
                              reason="the figure one million is not in the cited passage")],
        unverified=["The court awarded one million yuan."],
    )


def reopen(path: Path) -> tuple[docx.document.Document, dict[int, str], list[int]]:
    """The memo as a reader opens it: the document, its footnotes by id, and the ids the text references."""
    document = docx.Document(str(path))
    part = document.part.part_related_by(RELATIONSHIP_TYPE.FOOTNOTES)
    notes = {int(note.get(qn("w:id"))): "".join(t.text or "" for t in note.iter(qn("w:t"))).strip()
             for note in parse_xml(part.blob).iter(qn("w:footnote"))}
    references = [int(ref.get(qn("w:id"))) for ref in document.element.body.iter(qn("w:footnoteReference"))]
    return document, notes, references


def all_text(document: docx.document.Document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_the_memo_round_trip_keeps_every_footnote_quote_status_and_the_disclaimer(tmp_path: Path) -> None:
    answer = hand_made_answer()
    path = tmp_path / "memo.docx"
    answers_memo([answer], model="default", now=datetime(2026, 12, 10, 9, 30)).save(str(path))
    document, notes, references = reopen(path)

    # one footnote per marker, in reading order, each holding the source's citation in its own style
    cited = [int(n) for n in re.findall(r"\[(\d)\]", answer.answer)]
    assert references == [1, 2, 3, 4] and len(cited) == 4
    by_n = {c.n: citation_formats(c)["preferred"] for c in answer.citations}
    assert [notes[ref] for ref in references] == [by_n[n] for n in cited]
    assert notes[2] == "Copyright, Designs and Patents Act 1988, s 9(3)."
    assert notes[-1] == notes[0] == "" and set(notes) == {-1, 0, 1, 2, 3, 4}  # Word's two separators
    text = all_text(document)
    assert "[1]" not in text.split("Sources")[0]  # the markers became footnote references
    assert "In China the plaintiff owned the image." in text and "Both rest on a human's choices." in text

    assert DISCLAIMER in text
    assert answer.question in text and "Prepared 2026-12-10 09:30" in text and "(model: default)" in text
    for citation in answer.citations:
        assert f"“{citation.quote}”" in text  # "<&>" survives as text
        assert f"{citation.locator} ({citation.source_id}); verified against this passage" in text
    assert text.count("Status: final; current to 2026-11-29.") == 1
    assert text.count("Status: in force; current to 2026-11-29.") == 1
    assert "The court awarded one million yuan. (not verified: the figure one million is not in the cited passage)" \
        in text


def test_one_style_for_every_source(tmp_path: Path) -> None:
    path = tmp_path / "memo.docx"
    answers_memo([hand_made_answer()], style="oscola").save(str(path))
    document, notes, references = reopen(path)
    assert notes[1] == "Li v Liu (Beijing Internet Court, (2023) Jing 0491 Min Chu No 11279, 27 November 2023)."
    assert "Citations: OSCOLA." in all_text(document)


def test_a_refusal_and_an_upload_say_so(tmp_path: Path) -> None:
    refused = Answer(question="What about patents?", answer="The library does not cover this question.",
                     refused=True, citations=[], passages=[], timings={}, refusal_reason="not_covered")
    upload = hand_made_answer()
    upload.citations[0].origin = "upload"
    path = tmp_path / "memo.docx"
    answers_memo([refused, upload]).save(str(path))
    document, notes, references = reopen(path)
    text = all_text(document)
    assert "Not covered by the library." in text and "1. Question" in text and "2. Sources" in text
    assert "from your upload, not from the curated library" in text
    assert len(references) == 4


@dataclass
class Row:  # the fields of assistant.compare.CompareRow the memo reads
    jurisdiction: str
    name: str
    refused: bool = False
    answer: str = ""
    citations: list[Citation] = field(default_factory=list)
    done: bool = True
    refusal_reason: str | None = None


def test_a_comparison_memo_has_a_row_per_jurisdiction_with_footnotes(tmp_path: Path) -> None:
    answer = hand_made_answer()
    rows = [Row("CN", "China", answer="The plaintiff owned the image. [1]", citations=[answer.citations[0]]),
            Row("UK", "United Kingdom", answer="The arrangements decide authorship. [1]",
                citations=[replace(answer.citations[1], n=1)]),
            Row("US", "United States", refused=True, answer="The library has nothing on this for the United States.",
                refusal_reason="not_covered"),
            Row("EU", "European Union", done=False)]
    path = tmp_path / "compare.docx"
    comparison_memo("Who owns an AI image?", rows, {"CN": "China", "UK": "United Kingdom"}).save(str(path))
    document, notes, references = reopen(path)
    table = document.tables[0]
    assert [row.cells[0].text for row in table.rows] == ["Jurisdiction", "China (CN)", "United Kingdom (UK)",
                                                         "United States (US)", "European Union (EU)"]
    assert table.rows[1].cells[1].text == "The plaintiff owned the image."
    assert table.rows[3].cells[1].text.startswith("Not covered by the library.")
    assert "Not answered" in table.rows[4].cells[1].text
    assert references == [1, 2]
    assert notes[2] == "Copyright, Designs and Patents Act 1988, s 9(3)."
    text = all_text(document)
    assert DISCLAIMER in text and "Sources: China" in text and "Sources: United Kingdom" in text
