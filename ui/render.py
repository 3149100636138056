"""HTML and Markdown rendering for the web chat.

Every piece of text that comes from a user, a document or a model goes through :func:`esc`
before it is put into HTML, so a document containing ``<script>`` shows as literal text. The
only markup in the output is what this module writes itself; links are emitted only for
http(s) URLs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from assistant import prompts, staleness
from assistant.citation_formats import STYLE_NAMES, citation_formats, preferred_style
from assistant.notices import CARD_NOTES, CONFLICT_NOTE, DISCLAIMER, REFUSAL_HEADINGS
from assistant.types import Answer, Citation
from assistant.cards import (
    CARD_LABELS,
    CARD_LOCATOR,
    card_fields,
    paragraph_numbers,
    pinpoint_paragraphs,
    without_pinpoint,
)
from assistant.types import Passage

EXAMPLE_QUESTIONS: tuple[str, ...] = (
    "Who owned the image in the Beijing Internet Court's Stable Diffusion case, and why?",
    "Can an AI system be named as the author of a work under US copyright law?",
    "How does the UK protect computer-generated works?",
    "What does the EU AI Act require from providers of general-purpose AI models about copyright?",
    "What did the Guangzhou Internet Court decide in the Ultraman case?",
)

UPLOAD_NOTE = prompts.UPLOAD_NOTE_EN

_MARKER = re.compile(r"\[(\d{1,3})\]")


def esc(value: Any) -> str:
    """Escape any value for use in HTML text or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def safe_url(url: Any) -> str | None:
    """The URL if it is a plain http(s) link, else None (no javascript:, data: or relative links)."""
    text = str(url or "").strip()
    if re.match(r"^https?://[^\s<>\"']+$", text, re.IGNORECASE):
        return text
    return None


def link(url: Any, label: str = "Public source") -> str:
    href = safe_url(url)
    if href is None:
        return ""
    return (f'<a class="ca-link" href="{esc(href)}" target="_blank" rel="noopener noreferrer nofollow">'
            f"{esc(label)} ↗</a>")


@dataclass
class Turn:
    """One question and everything shown for it."""

    question: str
    llm: str = "default"
    jurisdiction: str | None = None
    status: str = "searching"  # searching | reading | writing | done | error
    passages: list[Passage] = field(default_factory=list)
    draft: str = ""
    answer: Answer | None = None
    error: str | None = None
    asked_at: datetime = field(default_factory=datetime.now)

    @property
    def done(self) -> bool:
        return self.status in ("done", "error")

    @property
    def all_passages(self) -> list[Passage]:
        return self.answer.passages if self.answer is not None and self.answer.passages else self.passages


def history_of(turns: Sequence[Turn]) -> list[tuple[str, str]]:
    """(question, answer) pairs of the answered turns: the conversation memory for follow-ups."""
    return [(t.question, t.answer.answer) for t in turns if t.answer is not None and t.status == "done"]


# -- the conversation -----------------------------------------------------------------------------
def render_answer_text(answer: Answer, turn_index: int) -> str:
    """The verified answer with its [n] markers turned into clickable citation links."""
    by_n = {c.n: c for c in answer.citations}

    def marker(match: re.Match[str]) -> str:
        n = int(match.group(1))
        citation = by_n.get(n)
        if citation is None:
            return match.group(0)
        kind = "ca-cite" if citation.supported else "ca-cite ca-cite-unsupported"
        tip = f"{citation.title} — {citation.locator}"
        upload = ""
        if citation.origin == "upload":
            kind += " ca-cite-upload"
            tip += f" ({UPLOAD_NOTE})"
            upload = f'<span class="ca-upload-note">{esc(UPLOAD_NOTE)}</span>'
        return (f'<a href="#" class="{kind}" data-turn="{turn_index}" data-cite="{n}" '
                f'title="{esc(tip)}" role="button">[{n}]</a>{upload}')

    return _MARKER.sub(marker, esc(answer.answer))


def _unverified_block(answer: Answer, heading: str) -> str:
    """The model's sentences that failed the checker, each with the check that failed it."""
    reasons = {s.text: s.reason for s in answer.statements if not s.supported}
    items = "".join(f'<li><span class="ca-badge-unverified">not verified</span> {esc(s)}'
                    + (f' <span class="ca-why">— {esc(reasons[s])}</span>' if reasons.get(s) else "") + "</li>"
                    for s in answer.unverified)
    if not items:
        return ""
    return f'<div class="ca-unverified"><div class="ca-unverified-head">{esc(heading)}</div><ul>{items}</ul></div>'


def _spinner(text: str) -> str:
    return f'<div class="ca-status" aria-live="polite"><span class="ca-spinner"></span>{esc(text)}</div>'


def render_bot(turn: Turn, index: int) -> str:
    if turn.status == "error":
        return (f'<div class="ca-msg ca-bot ca-error" role="alert"><div class="ca-role">Error</div>'
                f'<div class="ca-text">{esc(turn.error)}</div></div>')
    if turn.answer is None:
        parts = []
        if turn.status == "searching":
            parts.append(_spinner("Searching the library…"))
        else:
            found = len(turn.passages)
            parts.append(_spinner(
                f"Found {found} passage{'s' if found != 1 else ''}; the model is reading them…"
                if not turn.draft else "Writing… (the draft is checked against the sources when it is finished)"))
        if turn.draft:
            parts.append(f'<div class="ca-text ca-draft">{esc(turn.draft)}</div>')
        return f'<div class="ca-msg ca-bot ca-pending"><div class="ca-role">Assistant</div>{"".join(parts)}</div>'

    answer = turn.answer
    meta = _turn_footer(turn)
    if answer.refused:
        heading = REFUSAL_HEADINGS.get(answer.refusal_reason or "", "No answer from the library")
        unverified = ""
        if answer.unverified:
            unverified = ('<details class="ca-refused-draft"><summary>What the model wrote (not verified)</summary>'
                          + _unverified_block(answer, "None of these sentences is supported by the sources:")
                          + "</details>")
        return (f'<div class="ca-msg ca-bot ca-refusal" role="status"><div class="ca-role">Assistant</div>'
                f'<div class="ca-refusal-head">⚠ {esc(heading)}</div>'
                f'<div class="ca-text">{render_answer_text(answer, index)}</div>{unverified}{meta}</div>')
    verified_note = (f'<div class="ca-verified-note">✓ Each sentence above was checked against the passage it cites '
                     f'({len(answer.citations)} source{"s" if len(answer.citations) != 1 else ""}). '
                     f'Click a marker to see it.</div>') if answer.citations and answer.answered_from != "quote" else ""
    card_note = CARD_NOTES.get(answer.answered_from, "")
    if card_note:
        card_note = f'<div class="ca-card-note">{esc(card_note)}</div>'
    if answer.conflicts:
        card_note += (f'<div class="ca-conflict-note" role="note">⚠ {esc(CONFLICT_NOTE)}</div>')
    return (f'<div class="ca-msg ca-bot ca-answered"><div class="ca-role">Assistant</div>'
            f'<div class="ca-text ca-verified">{render_answer_text(answer, index)}</div>{verified_note}{card_note}'
            f'{_unverified_block(answer, "Left out: the sources do not support these sentences")}'
            f"{meta}</div>")


def _turn_footer(turn: Turn) -> str:
    bits = [f"model: {turn.llm}"]
    if turn.jurisdiction:
        bits.append(f"jurisdiction: {turn.jurisdiction}")
    total = (turn.answer.timings or {}).get("total_s") if turn.answer else None
    if total:
        bits.append(f"{total:.1f} s")
    return f'<div class="ca-footer">{esc(" · ".join(bits))}</div>'


def render_empty_chat() -> str:
    buttons = "".join(
        f'<button type="button" class="ca-example" data-example="{i}">{esc(q)}</button>'
        for i, q in enumerate(EXAMPLE_QUESTIONS)
    )
    return (
        '<div class="ca-empty">'
        '<div class="ca-empty-title">Ask about copyright in AI-generated content</div>'
        '<div class="ca-empty-sub">Answers cite the library’s judgments, statutes and guidance. '
        "Try one of these:</div>"
        f'<div class="ca-examples">{buttons}</div></div>'
    )


def _question_html(question: str) -> str:
    if not question.strip():
        return '<div class="ca-text ca-empty-q">(empty question)</div>'
    return f'<div class="ca-text">{esc(question)}</div>'


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_transcript(turns: Sequence[Turn]) -> str:
    if not turns:
        return f'<div class="ca-chat">{render_empty_chat()}</div>'
    blocks = []
    for index, turn in enumerate(turns):
        blocks.append(
            f'<div class="ca-turn" data-turn-index="{index}">'
            f'<div class="ca-msg ca-user"><div class="ca-role">You</div>{_question_html(turn.question)}</div>'
            f"{render_bot(turn, index)}</div>"
        )
    return f'<div class="ca-chat">{"".join(blocks)}</div>'


# -- the sources panel ----------------------------------------------------------------------------
def find_passage(citation: Citation, passages: Sequence[Passage]) -> Passage | None:
    """The retrieved passage a citation points at (same document and locator, containing the quote)."""
    same = [p for p in passages if p.source_id == citation.source_id and p.locator == citation.locator]
    for passage in same:
        if citation.quote and citation.quote in passage.text:
            return passage
    return same[0] if same else None


def highlight(text: str, quote: str) -> str:
    """Escaped ``text`` with the first occurrence of ``quote`` wrapped in <mark>."""
    if quote:
        at = text.find(quote)
        if at >= 0:
            return f"{esc(text[:at])}<mark>{esc(quote)}</mark>{esc(text[at + len(quote):])}"
    return esc(text)


def status_text(metadata: dict[str, Any]) -> str:
    """"final · current to 2026-11-29": how settled a document is and how recent the entry, so a
    reader can tell a final judgment from one under appeal, or a stale entry."""
    status, as_of = metadata.get("status"), metadata.get("as_of")
    return " · ".join(bit for bit in (str(status or ""), f"current to {as_of}" if as_of else "") if bit)


def is_final(status: Any) -> bool:
    """Whether a document's free-text status says it is settled: the text starts with "final" or
    says "in force" (case ignored). Anything else ("appeal pending", "pending", "settled; final
    approval pending") is not final. A missing status is not final either, but :func:`not_final`
    tells it apart: the status filter and the citation badge treat it as unknown."""
    text = str(status or "").strip().lower()
    return text.startswith("final") or "in force" in text


def not_final(metadata: dict[str, Any]) -> bool:
    """Whether a document has a status and it is not final (see :func:`is_final`)."""
    return bool(str(metadata.get("status") or "").strip()) and not is_final(metadata.get("status"))


def status_badge(metadata: dict[str, Any]) -> str:
    """An amber badge with the status of a document that is not final; else ""."""
    if not not_final(metadata):
        return ""
    return f'<span class="ca-badge-notfinal" title="Not final">⚠ {esc(status_text(metadata))}</span>'


def case_card(metadata: dict[str, Any]) -> dict[str, str]:
    """A document's case card in card order, from passage metadata (a JSON string) or a manifest
    entry (a dict whose empty fields are None)."""
    raw = metadata.get("card")
    if isinstance(raw, dict):
        raw = {name: value for name, value in raw.items() if value not in (None, "")}
    fields = card_fields({"card": raw})
    return {name: fields[name] for name in CARD_LABELS if fields.get(name, "").strip()}


def _pinpoint(value: str) -> str:
    """The pinpoint a card value ends with, for display: "… (¶29-30)" -> "¶29–30"."""
    text = value.strip()
    tail = text[len(without_pinpoint(text)):].strip().removeprefix("(").removesuffix(")")
    return re.sub(r"(?<=\d)\s*-\s*(?=¶?\d)", "–", tail)


# How a card's heading says where it came from (``card_origin``); a curated card says nothing.
CARD_ORIGIN_NOTES = {"extracted": "extracted from the text by rules, check it", "confirmed": "confirmed by you"}


def ocr_badge(metadata: dict[str, Any]) -> str:
    """A badge on a passage whose page was a scan read by OCR, with how sure the reading was."""
    if not metadata.get("ocr"):
        return ""
    return (f'<span class="ca-badge-ocr" title="This page was a scan: its text was read by OCR and may hold '
            f'misread characters">OCR · {float(metadata.get("ocr_confidence") or 0):.0%} confidence</span>')


def render_case_card(card: dict[str, str], cited: set[int] | None = None, folded: bool = True,
                     origin: str | None = None) -> str:
    """The card as label / value / pinpoint rows. Rows whose pinpoint names a ``cited`` paragraph
    are marked, and a folded card opens when one is, so the fact behind a citation is in view.
    ``origin`` (``card_origin``) is said in the heading: an extracted card is to be checked."""
    if not card:
        return ""
    heading = "Case card" + (f' <span class="ca-card-origin ca-card-{esc(origin)}">{esc(CARD_ORIGIN_NOTES[origin])}'
                             "</span>" if origin in CARD_ORIGIN_NOTES else "")
    rows, hit = [], False
    for name, value in card.items():
        marked = bool(cited and cited & set(pinpoint_paragraphs(value)))
        hit |= marked
        row_class = ' class="ca-casecard-hit"' if marked else ""
        rows.append(f"<tr{row_class}><th>{esc(CARD_LABELS[name])}</th><td>{esc(without_pinpoint(value))} "
                    f'<span class="ca-pin">{esc(_pinpoint(value))}</span></td></tr>')
    table = f'<table class="ca-casecard">{"".join(rows)}</table>'
    if not folded:
        return f'<div class="ca-casecard-box"><div class="ca-section">{heading}</div>{table}</div>'
    return f'<details class="ca-casecard-box"{" open" if hit else ""}><summary>{heading}</summary>{table}</details>'


def _meta_list(metadata: dict[str, Any], locator: str | None = None) -> str:
    rows = [
        ("Court or body", metadata.get("court_or_body")),
        ("Date", metadata.get("date")),
        ("Case number", metadata.get("case_number")),
        ("Jurisdiction", metadata.get("jurisdiction")),
        ("Type", metadata.get("doc_type")),
        ("Status", status_text(metadata)),
        ("Locator", locator),
    ]
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows if v)
    return f'<dl class="ca-meta">{items}</dl>' if items else ""


def render_citation(citation: Citation, passages: Sequence[Passage], turn_index: int, focus: bool) -> str:
    passage = find_passage(citation, passages)
    metadata = {**(passage.metadata if passage else {}), **(citation.metadata or {})}
    if passage is not None:
        body = highlight(passage.text, citation.quote)
        if citation.quote and citation.quote not in passage.text:
            body = f"<mark>{esc(citation.quote)}</mark><br><br>{body}"
    else:
        body = f"<mark>{esc(citation.quote)}</mark>"
    state = ('<span class="ca-badge-verified">verified</span>' if citation.supported
             else '<span class="ca-badge-unverified">not verified</span>')
    if citation.origin == "upload":
        state += f'<span class="ca-badge-upload">{esc(UPLOAD_NOTE)}</span>'
    classes = "ca-card ca-citation" + (" ca-focus" if focus else "")
    # A cited card passage is the card already; any other passage of a case shows the card under it.
    card = "" if citation.locator == CARD_LOCATOR else render_case_card(
        case_card(metadata), paragraph_numbers(str(metadata.get("paragraph") or "")), origin=metadata.get("card_origin"))
    return (
        f'<div class="{classes}" id="ca-cite-{turn_index}-{citation.n}" data-n="{citation.n}">'
        f'<div class="ca-card-head"><span class="ca-num">[{citation.n}]</span> '
        f'<span class="ca-title">{esc(citation.title)}</span> {state}{status_badge(metadata)}{ocr_badge(metadata)}</div>'
        f"{_meta_list(metadata, citation.locator)}"
        f'<blockquote class="ca-passage">{body}</blockquote>{card}{_cite_as(citation, metadata)}'
        f'<div class="ca-card-foot">{link(metadata.get("source_url"))}'
        f'<span class="ca-sid">{esc(citation.source_id)}</span></div></div>'
    )


def _cite_as(citation: Citation, metadata: dict[str, Any]) -> str:
    """The source in its jurisdiction's citation style, with a "Copy citation" button. The text rides
    in a data attribute (escaped like any other text); the panel's script copies it."""
    text = citation_formats(replace(citation, metadata=metadata))["preferred"]
    style = STYLE_NAMES[preferred_style(str(metadata.get("jurisdiction") or ""))]
    return (f'<div class="ca-cite-as"><span class="ca-sub">Cite as ({esc(style)}):</span> '
            f'<span class="ca-cite-text">{esc(text)}</span> '
            f'<button type="button" class="ca-copy-cite" data-copy-citation="{esc(text)}" '
            f'title="Copy this {esc(style)} citation">Copy citation</button></div>')


def render_passage(passage: Passage, rank: int) -> str:
    metadata = passage.metadata or {}
    bits = [b for b in (metadata.get("court_or_body"), metadata.get("date"), passage.locator) if b]
    return (
        f'<div class="ca-card ca-retrieved"><div class="ca-card-head"><span class="ca-rank">#{rank}</span> '
        f'<span class="ca-title">{esc(passage.title)}</span></div>'
        f'<div class="ca-sub">{esc(" · ".join(bits))}</div>'
        f'<blockquote class="ca-passage">{esc(passage.text)}</blockquote>'
        f'<div class="ca-card-foot">{link(metadata.get("source_url"))}'
        f'<span class="ca-sid">{esc(passage.source_id)}</span></div></div>'
    )


def render_sources(turns: Sequence[Turn], turn_index: int | None = None, focus: int | None = None) -> str:
    """The sources panel for one turn (default: the last), with citation ``focus`` opened first."""
    if not turns:
        return ('<div class="ca-sources ca-sources-empty"><div class="ca-panel-title">Sources</div>'
                "<p>The passages the library returns appear here as soon as you ask, before the answer is "
                "written. Click a citation marker such as <span class=\"ca-num\">[1]</span> in an answer "
                "to see the passage it rests on, with the cited sentence highlighted.</p></div>")
    index = len(turns) - 1 if turn_index is None else max(0, min(turn_index, len(turns) - 1))
    turn = turns[index]
    head = (f'<div class="ca-panel-title">Sources</div>'
            f'<div class="ca-panel-q">for: “{esc(turn.question)}”</div>')
    if turn.status == "error":
        return f'<div class="ca-sources">{head}<p class="ca-muted">No sources: the question was not answered.</p></div>'
    if turn.status == "searching":
        return f'<div class="ca-sources">{head}{_spinner("Searching the library…")}</div>'
    passages = turn.all_passages
    parts = [head]
    citations = turn.answer.citations if turn.answer else []
    if citations:
        # what the model read (answer.evidence, when the pipeline reports it) first, then the retrieved passages
        readable = list(getattr(turn.answer, "evidence", None) or []) + list(passages)
        ordered = sorted(citations, key=lambda c: (c.n != focus, c.n))
        parts.append(f'<div class="ca-section">Cited in the answer ({len(citations)})</div>')
        parts.extend(render_citation(c, readable, index, c.n == focus) for c in ordered)
    elif turn.answer is not None and turn.answer.refused:
        parts.append('<p class="ca-muted">The answer cites no passage. These are the nearest passages the '
                     "library holds:</p>")
    if passages:
        cited_keys = {(c.source_id, c.locator) for c in citations}
        rest = [p for p in passages if (p.source_id, p.locator) not in cited_keys]
        cards = "".join(render_passage(p, rank) for rank, p in enumerate(passages, 1) if p in rest)
        label = "Other retrieved passages" if citations else "Retrieved passages"
        opened = "" if citations else " open"
        if cards:
            parts.append(f'<details class="ca-more"{opened}><summary>{label} ({len(rest)})</summary>{cards}</details>')
    else:
        parts.append('<p class="ca-muted">The library returned no passage for this question.</p>')
    return f'<div class="ca-sources">{"".join(parts)}</div>'


# -- the library view -----------------------------------------------------------------------------
STATUS_FINAL, STATUS_NOT_FINAL = "final", "not-final"  # the Library view's status filter values


def set_aside_locators(entry: dict[str, Any]) -> list[str]:
    """The locators of a document's passages that address the assistant (manifest ``set_aside``;
    missing in manifests written before it existed)."""
    value = entry.get("set_aside") or []
    return [str(locator) for locator in ([value] if isinstance(value, str) else value)]


def _topics(meta: dict[str, Any]) -> list[str]:
    """A document's topics: a list in the manifest, a comma-joined string in passage metadata."""
    value = meta.get("topics") or []
    return [t.strip() for t in value.split(",")] if isinstance(value, str) else [str(t) for t in value]


def _status_matches(meta: dict[str, Any], status: str) -> bool:
    if status == STATUS_FINAL:
        return is_final(meta.get("status"))
    return not_final(meta) if status == STATUS_NOT_FINAL else True


def filter_documents(documents: dict[str, dict[str, Any]], jurisdiction: str | None = None,
                     doc_type: str | None = None, origin: str | None = None, topic: str | None = None,
                     status: str | None = None, stale: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The documents that pass every given filter, users' own first. ``status`` is STATUS_FINAL or
    STATUS_NOT_FINAL (see :func:`is_final`); a document without a status passes neither. ``stale`` is
    an age ("6m"): only entries last checked (``as_of``) longer ago pass."""
    checked_before = staleness.cutoff(stale) if stale else None
    rows = []
    for source_id, entry in documents.items():
        meta = entry.get("meta") or {}
        if jurisdiction and meta.get("jurisdiction") != jurisdiction:
            continue
        if doc_type and meta.get("doc_type") != doc_type:
            continue
        if origin and entry.get("origin") != origin:
            continue
        if topic and topic not in _topics(meta):
            continue
        if status and not _status_matches(meta, status):
            continue
        if checked_before and not staleness.is_stale(entry, checked_before):
            continue
        rows.append((source_id, entry))
    rows.sort(key=lambda row: (row[1].get("origin") != "user", str((row[1].get("meta") or {}).get("jurisdiction") or "~"),
                               str((row[1].get("meta") or {}).get("date") or ""), row[0]))
    return rows


def _upload_marks(entry: dict[str, Any]) -> str:
    """Under an upload's title in the library list: pages read by OCR, a card still to be checked."""
    marks = []
    if entry.get("ocr_pages"):
        pages = len(entry["ocr_pages"])
        marks.append(f"{_plural(pages, 'page')} read by OCR (lowest confidence {min(entry['ocr_pages'].values()):.0%})")
    if (entry.get("meta") or {}).get("card_origin") == "extracted":
        marks.append("card extracted from the text: check it")
    return "".join(f'<div class="ca-upload-mark">{esc(mark)}</div>' for mark in marks)


def _set_aside_mark(count: int) -> str:
    return f"⚠ {_plural(count, 'passage')} set aside"


def render_library(documents: dict[str, dict[str, Any]], jurisdiction: str | None = None,
                   doc_type: str | None = None, origin: str | None = None, topic: str | None = None,
                   status: str | None = None, stale: str | None = None) -> str:
    rows = filter_documents(documents, jurisdiction, doc_type, origin, topic, status, stale)
    total_chunks = sum(int(e.get("chunks") or 0) for e in documents.values())
    summary = (f'<div class="ca-lib-summary">{len(rows)} of {len(documents)} documents shown · '
               f"{total_chunks} passages indexed</div>")
    if not documents:
        return (summary + '<p class="ca-muted">The library is empty. Run <code>copyright-assistant ingest</code> '
                "or add files below.</p>")
    if not rows:
        return summary + '<p class="ca-muted">No document matches these filters.</p>'
    body = []
    for source_id, entry in rows:
        meta = entry.get("meta") or {}
        sources = meta.get("sources") or []
        origin_label = ('<span class="ca-origin-user">added by you</span>' if entry.get("origin") == "user"
                        else '<span class="ca-origin-curated">curated</span>')
        as_of = f'<div class="ca-sub ca-nowrap">to {esc(meta["as_of"])}</div>' if meta.get("as_of") else ""
        set_aside = set_aside_locators(entry)
        warning = (f'<div class="ca-setaside-mark" title="Passages that address the assistant; never used as '
                   f'evidence">{esc(_set_aside_mark(len(set_aside)))}</div>') if set_aside else ""
        status_class = ' class="ca-status-notfinal"' if not_final(meta) else ""
        body.append(
            "<tr>"
            f'<td class="ca-doc-title">{esc(meta.get("title") or source_id)}<div class="ca-sid">{esc(source_id)}</div>'
            f"{warning}{_upload_marks(entry)}</td>"
            f'<td>{esc(meta.get("jurisdiction") or "—")}</td>'
            f'<td>{esc(meta.get("doc_type") or "—")}</td>'
            f'<td>{esc(meta.get("court_or_body") or "—")}</td>'
            f'<td class="ca-nowrap">{esc(meta.get("date") or "—")}</td>'
            f'<td>{esc(meta.get("case_number") or "—")}</td>'
            f'<td{status_class}>{esc(meta.get("status") or "—")}{as_of}</td>'
            f'<td>{origin_label}<div class="ca-sub">{esc(_plural(int(entry.get("chunks") or 0), "passage"))}</div></td>'
            f"<td>{link(sources[0], 'link') if sources else '—'}</td>"
            "</tr>"
        )
    return (summary + '<div class="ca-table-wrap"><table class="ca-library"><thead><tr>'
            "<th>Title</th><th>Jurisdiction</th><th>Type</th><th>Court or body</th><th>Date</th>"
            "<th>Case number</th><th>Status</th><th>Origin</th><th>Source</th></tr></thead>"
            f'<tbody>{"".join(body)}</tbody></table></div>')


def render_document(source_id: str, entry: dict[str, Any] | None, chunks: Sequence[tuple[str, str]]) -> str:
    """One document's case card (if any), then its passages as indexed (plain text, escaped)."""
    if entry is None:
        return '<p class="ca-muted">Choose a document to read its indexed text.</p>'
    meta = entry.get("meta") or {}
    card = render_case_card(case_card(meta), folded=False, origin=meta.get("card_origin"))
    set_aside = set_aside_locators(entry)
    items = "".join(
        _render_chunk(locator, text, locator in set_aside, _ocr_confidence(entry, locator))
        for locator, text in chunks if not (card and locator == CARD_LOCATOR)  # shown above already
    ) or '<p class="ca-muted">No indexed text.</p>'
    return (f'<div class="ca-docview"><div class="ca-panel-title">{esc(meta.get("title") or source_id)}</div>'
            f"{_meta_list(meta)}{''.join(link(u) for u in (meta.get('sources') or [])[:1])}"
            f"{_set_aside_warning(set_aside)}{card}{items}</div>")


def _set_aside_warning(locators: Sequence[str]) -> str:
    """The box above a document's text naming its passages that give the assistant orders."""
    if not locators:
        return ""
    items = "".join(f"<li>{esc(locator)}</li>" for locator in locators)
    return (f'<div class="ca-setaside-warning" role="note"><strong>{esc(_set_aside_mark(len(locators)))}</strong> '
            "These passages address the assistant (they give it instructions) rather than discuss the law. "
            f"They are never used as evidence.<ul>{items}</ul></div>")


def _ocr_confidence(entry: dict[str, Any], locator: str) -> float | None:
    """The OCR confidence of the page a passage ("p. 2, part 1") stands on, if OCR read that page."""
    page = re.match(r"p\. (\d+)", locator)
    confidence = (entry.get("ocr_pages") or {}).get(page.group(1)) if page else None
    return float(confidence) if confidence is not None else None


def _render_chunk(locator: str, text: str, set_aside: bool, ocr_confidence: float | None = None) -> str:
    badge, extra = (' <span class="ca-badge-setaside">set aside</span>', " ca-chunk-setaside") if set_aside else ("", "")
    if ocr_confidence is not None:
        badge += " " + ocr_badge({"ocr": True, "ocr_confidence": ocr_confidence})
    return (f'<div class="ca-chunk{extra}"><div class="ca-sub">{esc(locator)}{badge}</div>'
            f'<div class="ca-chunk-text">{esc(text)}</div></div>')


def render_notice(lines: Sequence[tuple[str, str]]) -> str:
    """Status lines ('ok' | 'error' | 'info', message) for uploads and removals."""
    if not lines:
        return ""
    icons = {"ok": "✓", "error": "✗", "info": "•"}
    items = "".join(f'<li class="ca-notice-{kind}">{icons.get(kind, "•")} {esc(msg)}</li>' for kind, msg in lines)
    role = ' role="alert"' if any(kind == "error" for kind, _ in lines) else ' role="status"'
    return f'<ul class="ca-notice"{role}>{items}</ul>'


# -- export ---------------------------------------------------------------------------------------
def conversation_markdown(turns: Sequence[Turn], now: datetime | None = None) -> str:
    """The conversation as Markdown, each answer followed by its citations."""
    now = now or datetime.now()
    out = ["# Research conversation", "", f"Exported {now:%Y-%m-%d %H:%M}.", "", f"> {DISCLAIMER}", ""]
    for number, turn in enumerate(turns, 1):
        out += [f"## {number}. {turn.question.strip() or '(empty question)'}", ""]
        if turn.status == "error":
            out += [f"*Error: {turn.error}*", ""]
            continue
        if turn.answer is None:
            out += ["*(no answer yet)*", ""]
            continue
        answer = turn.answer
        if answer.refused:
            out += [f"**{REFUSAL_HEADINGS.get(answer.refusal_reason or '', 'No answer from the library')}.** "
                    f"{answer.answer}", ""]
        else:
            out += [answer.answer, ""]
            if answer.answered_from in CARD_NOTES:
                out += [f"*{CARD_NOTES[answer.answered_from]}*", ""]
            if answer.conflicts:
                out += [f"*{CONFLICT_NOTE}*", ""]
        if answer.unverified:
            out += ["Not verified against the sources (left out of the answer):", ""]
            reasons = {s.text: s.reason for s in answer.statements if not s.supported}
            out += [f"- ~~{s}~~ *(not verified{': ' + reasons[s] if reasons.get(s) else ''})*"
                    for s in answer.unverified] + [""]
        if answer.citations:
            out += ["**Sources**", ""]
            for citation in answer.citations:
                meta = citation.metadata or {}
                details = ", ".join(str(v) for v in (meta.get("court_or_body"), meta.get("date"),
                                                     meta.get("case_number")) if v)
                line = f"[{citation.n}] {citation.title}" + (f" ({details})" if details else "")
                line += f" — {citation.locator}"
                if citation.origin == "upload":
                    line += f" ({UPLOAD_NOTE})"
                url = safe_url(meta.get("source_url"))
                if url:
                    line += f" — <{url}>"
                out.append(line)
                out.append(f"    > {citation.quote}")
            out.append("")
        out += [f"*Model: {turn.llm}" + (f"; jurisdiction filter: {turn.jurisdiction}" if turn.jurisdiction else "")
                + "*", ""]
    return "\n".join(out).rstrip() + "\n"
