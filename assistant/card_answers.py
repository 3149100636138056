"""Answers from the case cards: what a judgment's card holds for the fields a question asks
(court, date, number, parties, award, appeal…), each line checked against the paragraph it cites.

A card line is written by a curator from its paragraph, so it answers a fact question in a tenth
of a second and without the model; the model still reads the evidence for whatever the cards do not
cover ("why?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.cards import CARD_LABELS, CARD_LABELS_ZH, aliases_of, card_fields, pinpoint_paragraphs, without_pinpoint
from assistant.citations import CitationChecker
from assistant.questions import ASKS, asks_reasoning, card_fields_asked
from assistant.retrieval import HybridRetriever, question_parts
from assistant.text import has_chinese, to_english
from assistant.types import Passage


# Card fields whose values are figures (dates, amounts, numbers), checked with their label.
_FIGURE_FIELDS = frozenset({"decided", "remedies", "claimed", "case_number"})
# A status that says the case is still open, so an outcome it lacks has not happened yet.
_OPEN_STATUS = re.compile(r"pending|not confirmed|no decision|not final|outcome not|in discovery|proceeds", re.IGNORECASE)


@dataclass
class Shown:
    """A sentence shown in an answer (it passed every check, or is a quote), with the passages it cites."""

    text: str
    passages: list[Passage]


class CardAnswers:
    """The named cases' card lines a question asks for, and the status of a case still open."""

    def __init__(self, retriever: HybridRetriever, checker: CitationChecker) -> None:
        self.retriever = retriever
        self.checker = checker

    def run(self, question: str, linked: list[str], language: str) -> list[Shown]:
        """Sentences stating what the named cases' cards hold for the fields the question asks for,
        each citing the paragraph its card line names and checked against that paragraph."""
        english = to_english(question)
        asked = list(dict.fromkeys(card_fields_asked(question) + card_fields_asked(english)))
        if not asked:
            return []
        links = self.retriever.links()
        shown: list[Shown] = []
        for source_id in linked[:2]:
            rows = links.rows.get(source_id, [])
            if not rows:
                continue
            metadata = links.view.metadatas[rows[0]]
            card = card_fields(metadata)
            for name in asked:
                value = card.get(name)
                paragraphs = self.retriever.paragraphs(source_id, pinpoint_paragraphs(value or ""))
                if not value or not paragraphs:
                    continue
                claim = without_pinpoint(value)
                case = case_name(metadata, language)
                english_line = f"{CARD_LABELS[name]} in {case_name(metadata)}: {claim}."
                # Checked as the value itself; a figure's label says what the figure is ("Decided").
                checked = f"{claim} ({CARD_LABELS[name].lower()})" if name in _FIGURE_FIELDS else claim
                exempt = f"{case_name(metadata)} {claim.split(' ', 1)[0]}"  # "Public apology" is no name
                support = self.checker.scores(checked, ["\n".join(p.text for p in paragraphs)], exempt, strict=False)[0]
                if support < self.checker.threshold:
                    continue  # the card line and its paragraph disagree: let the model read instead
                text = f"{case}的{CARD_LABELS_ZH[name]}:{claim}。" if language == "zh" else english_line
                shown.append(Shown(text, paragraphs[:3]))
        return shown

    def undecided(self, question: str, linked: list[str], language: str) -> str:
        """For a question asking a case's outcome, award or date that its card does not hold while
        its status says it is still open ("appeal pending", "no decision"): the status, instead of
        letting the model guess a ruling that does not exist yet. Empty when that is not the case."""
        english = to_english(question)
        asked = set(card_fields_asked(question) + card_fields_asked(english)) & {"held", "decided", "remedies", "appeal"}
        if not asked or asks_reasoning(question):
            return ""
        links = self.retriever.links()
        rows = links.rows.get(linked[0], [])
        if not rows:
            return ""
        metadata = links.view.metadatas[rows[0]]
        status = str(metadata.get("status") or "")
        if set(card_fields(metadata)) & asked or not _OPEN_STATUS.search(status):
            return ""
        case = case_name(metadata, language)
        as_of = str(metadata.get("as_of") or "")
        if language == "zh":
            return f"资料库没有{case}的这一裁判结果:其状态为“{status}”(更新至 {as_of})。"
        return f"The library has no such ruling in {case}: its status is \"{status}\" (current to {as_of})."

    def is_enough(self, question: str, cards: list[Shown], linked: list[str]) -> bool:
        """Whether the card lines answer the whole question: it asks no why or how, and every part
        of it ("how much was awarded, and was it appealed?") asks for a card field."""
        if not cards or asks_reasoning(question):
            return False
        topic = self.retriever.links().linker.without_names(question, linked)
        for part in question_parts(topic):
            english = to_english(part)
            if ASKS.search(part) and not (card_fields_asked(part) or card_fields_asked(english)):
                return False
        return True


def case_name(metadata: dict[str, Any], language: str = "en") -> str:
    """A case's short name for an answer: for a Chinese answer its first Chinese alias, otherwise
    the head of its title ("Li v. Liu")."""
    if language == "zh":
        chinese = [a for a in aliases_of(metadata) if has_chinese(a)]
        if chinese:
            return chinese[0]
    title = str(metadata.get("title") or metadata.get("source_id") or "")
    return re.split(r"\s[(（—–]|,", title, maxsplit=1)[0].strip() or title
