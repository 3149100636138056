"""Claims from a user's upload that disagree with the curated record of a case.

The checker only proves that *a* source says a sentence; an uploaded memo can say that the court
awarded RMB 2,000,000 where the judgment says RMB 500. So a sentence resting on an upload that
speaks about a case in the curated library is compared with that case's own text and card: its
figures must appear there, an appeal, reversal or settlement it asserts must be asserted there,
and what it says the case held must be supported there (polarity included). A disagreement is shown as one, "your upload says X; the
judgment says Y", and never as what the court decided.
"""

from __future__ import annotations

import re

from assistant.cards import CARD_LABELS, card_fields, pinpoint_paragraphs, without_pinpoint
from assistant.citations import CitationChecker
from assistant.questions import card_fields_asked
from assistant.figures import claimed_figures, figures_in
from assistant.support import HOLDING, holding_agrees, negated
from assistant.retrieval import HybridRetriever
from assistant.text import split_sentences
from assistant.types import Conflict, Passage, Statement

UPLOAD = "user"  # the manifest's origin of a document a user added
# What a sentence can say about a case's outcome, by kind: each kind it asserts must be asserted
# (not denied) somewhere in the case's own text, or the sentence disagrees with the record.
_OUTCOMES = {
    "reversed": re.compile(r"\b(overturn\w*|revers\w*|vacat\w*|set aside|quash\w*|remand\w*)\b|撤销|改判|发回", re.I),
    "affirmed": re.compile(r"\b(upheld|uphold\w*|affirm\w*)\b|维持原判|驳回上诉", re.I),
    "appealed": re.compile(r"\bappeal(ed|s)?\b|上诉", re.I),
    "settled": re.compile(r"\bsettle(d|ment)\b|和解", re.I),
}
# Which card line answers a sentence with a figure, when its words do not say (a bare date).
_FIGURE_FIELDS = ("remedies", "decided", "claimed", "case_number")


class ConflictCheck:
    """Component: ``run`` returns, for each supported sentence resting on an upload that
    disagrees with a curated case, the sentence's index and the conflict."""

    def __init__(self, retriever: HybridRetriever, checker: CitationChecker) -> None:
        self.retriever = retriever
        self.checker = checker

    def run(self, statements: list[Statement], evidence: list[Passage], linked: list[str],
            origins: dict[str, str]) -> list[tuple[int, Conflict]]:
        found: list[tuple[int, Conflict]] = []
        for index, statement in enumerate(statements):
            if not statement.supported:
                continue
            uploads = [evidence[n - 1] for n in statement.cited if origins.get(evidence[n - 1].source_id) == UPLOAD]
            if not uploads:
                continue
            for case_id in self._cases(statement.text, uploads[0], linked, origins):
                conflict = self._disagreement(statement.text, uploads[0], case_id)
                if conflict is not None:
                    found.append((index, conflict))
                    break
        return found

    def _cases(self, sentence: str, upload: Passage, linked: list[str], origins: dict[str, str]) -> list[str]:
        """The curated cases a sentence from an upload is about: those it names; else those the
        question linked; else those the upload passage names."""
        linker = self.retriever.links().linker
        for named in (self.retriever.link(sentence), linked, self.retriever.link(f"{upload.title}\n{upload.text}")):
            cases = [s for s in dict.fromkeys(named) if origins.get(s) == "curated" and linker.is_case(s)]
            if cases:
                return cases
        return []

    def _disagreement(self, sentence: str, upload: Passage, case_id: str) -> Conflict | None:
        links = self.retriever.links()
        rows = links.rows.get(case_id, [])
        if not rows:
            return None
        metadata = links.view.metadatas[rows[0]]
        record_text = "\n".join(links.view.texts[row] for row in rows)
        card = card_fields(metadata)
        figures = claimed_figures(sentence) - figures_in(record_text)
        outcomes = [kind for kind, pattern in _OUTCOMES.items()
                    if pattern.search(sentence) and not negated(sentence) and not _asserted(pattern, record_text)]
        if not figures and not outcomes:
            if not HOLDING.search(sentence):
                return None
            sources = [without_pinpoint(line) for line in card.values()] + [links.view.texts[row] for row in rows]
            supported = self.checker.supports(sentence, sources)
            if supported and holding_agrees(sentence, "\n".join(sources)):
                return None
            asked = ["held"] if "held" in card else []
        else:
            asked = [name for name in card_fields_asked(sentence) if name in card]
        if outcomes and "appeal" in card:
            asked = ["appeal"]
        elif figures and not asked:
            asked = [name for name in _FIGURE_FIELDS if name in card][:1]
        name = asked[0] if asked else ""
        record = without_pinpoint(card[name]) if name else ""
        passages = self.retriever.paragraphs(case_id, pinpoint_paragraphs(card[name])) if name else []
        title = str(metadata.get("title") or case_id)
        return Conflict(sentence, upload, case_id, title, f"{CARD_LABELS[name]}: {record}" if name else "",
                        passages[:2])


def _asserted(pattern: re.Pattern[str], text: str) -> bool:
    """Whether some sentence of ``text`` says the thing ``pattern`` names without denying it
    ("Thaler appealed" asserts an appeal; "neither party appealed" does not)."""
    return any(pattern.search(sentence) and not negated(sentence) for sentence in split_sentences(text))

