"""A research memo in Word (.docx): the question, the answer with a footnote for every citation in the
chosen style, each source with its status, as-of date and the passage quoted, and the disclaimer.

python-docx has no footnote API, so the memo writes the footnotes part itself (``word/footnotes.xml``
with the two separator notes Word expects, each ``w:footnoteReference`` in the text pointing at one
``w:footnote``), which Word and LibreOffice number and place at the foot of the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from assistant import prompts
from assistant.citation_formats import STYLE_NAMES, Style, citation_formats
from assistant.notices import CARD_NOTES, CONFLICT_NOTE, DISCLAIMER, NO_ANSWER, REFUSAL_HEADINGS
from assistant.types import Answer, Citation

if TYPE_CHECKING:
    from assistant.compare import CompareRow

APP_NAME = "AI Copyright Assistant"
FOOTNOTE_STYLE = "Footnote Text"
_MARKERS = re.compile(r"\s*((?:\[\d{1,3}\])+)")
_NUMBER = re.compile(r"\[(\d{1,3})\]")
# The separator and continuation separator every footnotes part starts with (ids -1 and 0).
_FOOTNOTES_XML = (
    f"<w:footnotes {nsdecls('w')}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
    "</w:footnote></w:footnotes>"
)


def style_label(style: Style | None) -> str:
    """How the memo names its citation style: one style, or each source's own."""
    if style is None:
        return ("each source's own style (Bluebook for the US, OSCOLA for the UK, GB/T 7714-2015 for China, "
                "neutral elsewhere)")
    return STYLE_NAMES[style]


class Footnotes:
    """The document's footnotes part: ``add`` writes a note and returns the id its reference points at."""

    def __init__(self, document: DocxDocument) -> None:
        main = document.part
        self.element = parse_xml(_FOOTNOTES_XML)
        part = XmlPart(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, self.element, main.package)
        main.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
        settings = document.settings.element
        properties = parse_xml(f'<w:footnotePr {nsdecls("w")}><w:footnote w:id="-1"/><w:footnote w:id="0"/>'
                               "</w:footnotePr>")
        settings.insert_element_before(properties, *_AFTER_FOOTNOTE_PROPERTIES)
        if FOOTNOTE_STYLE not in [s.name for s in document.styles]:
            text_style = document.styles.add_style(FOOTNOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
            text_style.base_style = document.styles["Normal"]
            text_style.font.size = Pt(9)
            text_style.paragraph_format.space_after = Pt(0)
        self.style_id = document.styles[FOOTNOTE_STYLE].style_id
        self.count = 0

    def add(self, text: str) -> int:
        self.count += 1
        note = parse_xml(
            f'<w:footnote {nsdecls("w")} w:id="{self.count}"><w:p><w:pPr><w:pStyle w:val="{self.style_id}"/></w:pPr>'
            f"{_superscript_run('<w:footnoteRef/>')}<w:r><w:t xml:space=\"preserve\"> </w:t></w:r></w:p></w:footnote>"
        )
        text_run = OxmlElement("w:r")
        text_node = OxmlElement("w:t")
        text_node.set(qn("xml:space"), "preserve")
        text_node.text = text
        text_run.append(text_node)
        note.find(qn("w:p")).append(text_run)
        self.element.append(note)
        return self.count

    def reference(self, paragraph: Paragraph, text: str) -> None:
        """A footnote holding ``text``, referenced at the end of ``paragraph`` so far."""
        paragraph._p.append(parse_xml(_superscript_run(f'<w:footnoteReference w:id="{self.add(text)}"/>')))


# The settings children that come after w:footnotePr in the schema's order (CT_Settings).
_AFTER_FOOTNOTE_PROPERTIES = ("w:endnotePr", "w:compat", "w:docVars", "w:rsids", "m:mathPr", "w:attachedSchema",
                              "w:themeFontLang", "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats",
                              "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions", "w:readModeInkLockDown",
                              "w:smartTagType", "sl:schemaLibrary", "w:shapeDefaults", "w:doNotEmbedSmartTags",
                              "w:decimalSymbol", "w:listSeparator")


def _superscript_run(content: str) -> str:
    return f'<w:r {nsdecls("w")}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>{content}</w:r>'


class Memo:
    """One memo being written: the document, its footnotes and the citation style."""

    def __init__(self, title: str, style: Style | None, model: str, now: datetime | None) -> None:
        self.document = Document()
        self.footnotes = Footnotes(self.document)
        self.style = style
        self.document.core_properties.title = title
        self.document.core_properties.author = APP_NAME
        self.document.add_heading(title, level=0)
        stamp = (now or datetime.now()).strftime("%Y-%m-%d %H:%M")
        self.document.add_paragraph(f"Prepared {stamp} with the {APP_NAME}" + (f" (model: {model})" if model else "")
                                    + f". Citations: {style_label(style)}.")
        disclaimer = self.document.add_paragraph(style="Intense Quote")
        disclaimer.add_run(DISCLAIMER)

    def cite(self, citation: Citation) -> str:
        formats = citation_formats(citation)
        return formats[self.style or "preferred"]

    def text_with_notes(self, paragraph: Paragraph, text: str, citations: Sequence[Citation]) -> None:
        """``text`` into ``paragraph`` with each [n] marker turned into a footnote citing source n."""
        by_n = {c.n: c for c in citations}
        at = 0
        for match in _MARKERS.finditer(text):
            paragraph.add_run(text[at:match.start()])
            for number in _NUMBER.findall(match.group(1)):
                citation = by_n.get(int(number))
                if citation is None:
                    paragraph.add_run(f"[{number}]")
                else:
                    self.footnotes.reference(paragraph, self.cite(citation))
            at = match.end()
        paragraph.add_run(text[at:])

    def answer(self, answer: Answer) -> None:
        """The answer (or the refusal, headed as the chat heads it) and how it was reached."""
        if answer.refused:
            heading = REFUSAL_HEADINGS.get(answer.refusal_reason or "", NO_ANSWER)
            self.document.add_paragraph().add_run(heading + ".").bold = True
        for block in [b for b in answer.answer.split("\n") if b.strip()] or [""]:
            self.text_with_notes(self.document.add_paragraph(), block.strip(), answer.citations)
        notes = [CARD_NOTES[answer.answered_from]] if not answer.refused and answer.answered_from in CARD_NOTES else []
        notes += [CONFLICT_NOTE] if answer.conflicts else []
        for note in notes:
            self.document.add_paragraph().add_run(note).italic = True
        if answer.unverified:
            self.document.add_paragraph("Left out of the answer: the sources do not support these sentences.")
            reasons = {s.text: s.reason for s in answer.statements if not s.supported}
            for sentence in answer.unverified:
                item = self.document.add_paragraph(sentence, style="List Bullet")
                if reasons.get(sentence):
                    item.add_run(f" (not verified: {reasons[sentence]})").italic = True

    def sources(self, citations: Sequence[Citation]) -> None:
        """Each cited source: its citation, where in the library, status and as-of date, the passage."""
        for citation in citations:
            meta = citation.metadata or {}
            head = self.document.add_paragraph()
            head.add_run(f"[{citation.n}] ").bold = True
            head.add_run(self.cite(citation))
            where = f"Library: {citation.title}, {citation.locator} ({citation.source_id}); "
            where += "verified against this passage" if citation.supported else "not verified"
            if citation.origin == "upload":
                where += f"; {prompts.UPLOAD_NOTE_EN}"
            self.document.add_paragraph(where)
            status = str(meta.get("status") or "not stated")
            as_of = f"current to {meta['as_of']}" if meta.get("as_of") else "no as-of date"
            self.document.add_paragraph(f"Status: {status}; {as_of}.")
            if citation.quote:
                self.document.add_paragraph(f"“{citation.quote}”", style="Quote")


def answers_memo(answers: Sequence[Answer], style: Style | None = None, model: str = "",
                 now: datetime | None = None) -> DocxDocument:
    """A memo of one answer, or of a conversation's answers in turn (``style`` None: each source's own)."""
    memo = Memo("Research memo", style, model, now)
    for number, answer in enumerate(answers, 1):
        prefix = f"{number}. " if len(answers) > 1 else ""
        memo.document.add_heading(f"{prefix}Question", level=1)
        memo.document.add_paragraph(answer.question.strip() or "(empty question)")
        memo.document.add_heading(f"{prefix}Answer", level=1)
        memo.answer(answer)
        if answer.citations:
            memo.document.add_heading(f"{prefix}Sources", level=1)
            memo.sources(answer.citations)
    return memo.document


def comparison_memo(question: str, rows: Sequence[CompareRow], names: Mapping[str, str], style: Style | None = None,
                    model: str = "", now: datetime | None = None) -> DocxDocument:
    """A memo of a Compare table: one table row per jurisdiction, footnoted, then each row's sources."""
    memo = Memo("Comparison memo", style, model, now)
    memo.document.add_heading("Question", level=1)
    memo.document.add_paragraph(question.strip())
    memo.document.add_heading("Comparison", level=1)
    table = memo.document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Jurisdiction", "Answer"
    for row in rows:
        cells = table.add_row().cells
        cells[0].text = f"{names.get(row.jurisdiction, row.name)} ({row.jurisdiction})"
        paragraph = cells[1].paragraphs[0]
        if not row.done:
            paragraph.add_run("Not answered (the comparison was stopped or failed first).").italic = True
            continue
        if row.refused:
            paragraph.add_run(REFUSAL_HEADINGS.get(row.refusal_reason or "", NO_ANSWER) + ". ").bold = True
        memo.text_with_notes(paragraph, row.answer, row.citations)
    for row in rows:
        if row.done and row.citations:
            memo.document.add_heading(f"Sources: {names.get(row.jurisdiction, row.name)}", level=1)
            memo.sources(row.citations)
    return memo.document
