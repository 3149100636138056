"""Quotes instead of nothing: the evidence sentences that bear on a question, or none."""

from __future__ import annotations

from pathlib import Path

from assistant.config import Settings
from assistant.embeddings import get_embeddings
from assistant.quotes import QuoteSelector
from assistant.types import Passage


def _passage(text: str, locator: str = "Remedies ¶29") -> Passage:
    return Passage("c-" + locator, "cn-bjic-2023-li-v-liu", "Li v. Liu (Beijing Internet Court)", locator, text, 0.5)


EVIDENCE = [
    _passage("The Beijing Internet Court ordered the defendant to pay RMB 500 in damages and to apologise publicly. "
             "The court fee of RMB 50 was borne by the defendant."),
    _passage("The plaintiff generated the image with Stable Diffusion by entering prompts and setting parameters.",
             "Facts ¶5"),
]


def selector() -> QuoteSelector:
    return QuoteSelector(embed=get_embeddings(Path(Settings().embedding_model)).embed_documents)


def test_the_sentence_that_answers_is_quoted_verbatim_first() -> None:
    quotes = selector().run("How much did the Beijing Internet Court award in damages in Li v. Liu?", EVIDENCE)
    assert quotes and quotes[0].sentence.startswith("The Beijing Internet Court ordered the defendant to pay RMB 500")
    assert quotes[0].sentence in EVIDENCE[0].text and len(quotes) <= 3


def test_nothing_is_quoted_for_a_question_the_evidence_does_not_bear_on() -> None:
    assert selector().run("What is the limitation period for patent suits in Brazil?", EVIDENCE) == []
