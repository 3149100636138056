"""One test per kind of false claim the checker must stop, and the true kinds it must keep; with
the real MiniLM embeddings, as answers are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.citations import CitationChecker
from assistant.config import Settings
from assistant.embeddings import CachedEmbedder, get_embeddings
from assistant.support import (
    actor_swapped,
    hedge_dropped,
    misattributed,
    restates_question,
    says_nothing,
    verbatim_in,
)

REMEDIES = ("Li v. Liu (Beijing Internet Court) — Remedies ¶29\nThe Beijing Internet Court ordered the defendant Liu "
            "to publish an apology and to pay the plaintiff RMB 500 in damages, of the RMB 5,000 claimed. "
            "The court fee of RMB 50 was borne by the defendant.")
ARGUMENTS = ("Li v. Liu (Beijing Internet Court) — Arguments ¶14\nThe defendant in Li v. Liu said she found the image "
             "through an online search and could not identify its source.")
LIMITATION = ("NYT v. Microsoft and OpenAI (S.D.N.Y.) — Opinion ¶9\nThe court held that the three-year limitation "
              "period of the US Copyright Act is an affirmative defence that OpenAI could not establish at the "
              "pleading stage, so the older claims survived.")
APPEAL = ("Getty Images v Stability AI — Appeal ¶15\nPermission to appeal was granted to Getty on 16 December 2025; "
          "the outcome of the appeal in the Court of Appeal is not confirmed.")
PROTECTION = ("Zarya of the Dawn (US Copyright Office) — Decision ¶5\nThe Office found that the Midjourney images in "
              "Zarya of the Dawn are not the product of human authorship and cannot be registered.")


@pytest.fixture(scope="module")
def checker() -> CitationChecker:
    settings = Settings()
    embed = CachedEmbedder(get_embeddings(Path(settings.embedding_model)).embed_documents)
    return CitationChecker(embed=embed, settings=settings.verification)


def verdict(checker: CitationChecker, claim: str, passages: list[str], question: str = "") -> tuple[bool, str]:
    statement = checker.run(claim, passages, question)[0]
    return statement.supported and set(statement.cited) <= set(statement.model_cited or statement.cited), statement.reason


def test_true_kinds_pass(checker: CitationChecker) -> None:
    assert verdict(checker, "The court ordered Liu to pay RMB 500 in damages and to apologise [1].", [REMEDIES])[0]
    assert verdict(checker, "Liu had to pay the plaintiff RMB 500 in damages.", [REMEDIES])[0]  # no marker
    assert verdict(checker, "The defendant in Li v. Liu said she found the image through an online search and "
                            "could not identify its source [1].", [ARGUMENTS])[0]  # verbatim


def test_number_swap_to_a_neighbouring_figure_fails(checker: CitationChecker) -> None:
    supported, reason = verdict(checker, "The court ordered Liu to pay RMB 5,000 in damages [1].", [REMEDIES])
    assert not supported and "figure" in reason
    assert not verdict(checker, "The court awarded RMB 50 in damages [1].", [REMEDIES])[0]


def test_party_or_court_swap_fails(checker: CitationChecker) -> None:
    supported, reason = verdict(checker, "The Guangzhou Internet Court ordered Liu to pay RMB 500 [1].", [REMEDIES])
    assert not supported and "Guangzhou" in reason


def test_a_place_or_field_named_only_in_the_question_fails(checker: CitationChecker) -> None:
    question = "What is the limitation period for patent infringement suits in Brazil?"
    supported, reason = verdict(checker, "The limitation period for patent infringement suits in Brazil is three "
                                         "years [1].", [LIMITATION], question)
    assert not supported and ("Brazil" in reason or "patent" in reason)
    assert not verdict(checker, "In Japan, the limitation period is three years [1].", [LIMITATION])[0]


def test_negation_fails(checker: CitationChecker) -> None:
    assert not verdict(checker, "The Beijing Internet Court did not order the defendant Liu to pay damages [1].",
                       [REMEDIES])[0]


def test_a_holding_inverted_fails(checker: CitationChecker) -> None:
    assert not verdict(checker, "The Office found that the Midjourney images in Zarya of the Dawn are protected "
                                "by copyright [1].", [PROTECTION])[0]


def test_a_later_stage_stated_where_the_passage_says_not_confirmed_fails(checker: CitationChecker) -> None:
    supported, reason = verdict(checker, "The Court of Appeal dismissed Getty's appeal [1].", [APPEAL])
    assert not supported
    assert hedge_dropped("The outcome of Getty's appeal in the Court of Appeal went against Getty.", APPEAL)
    assert not hedge_dropped("The outcome of the appeal is not confirmed.", APPEAL)


def test_a_party_argument_stated_as_a_finding_fails(checker: CitationChecker) -> None:
    passage = "In Li v. Liu, the defendant argued that the image was not a work because AI generated it."
    assert not verdict(checker, "The image was not a work because AI generated it [1].", [passage])[0]


def test_what_one_source_says_is_not_checked_against_another(checker: CitationChecker) -> None:
    claim = "The internal memo states that Li v. Liu awarded RMB 500 in damages [1]."
    assert misattributed("The internal memo states that the award was RMB 500.", REMEDIES)
    assert not misattributed("The court states that the award was RMB 500.", REMEDIES)
    assert not verdict(checker, claim, [REMEDIES])[0]


REVISION = ("Kneschke v LAION — Appeal ¶19\nIn Kneschke v LAION, the Hanseatic Higher Regional Court allowed a "
            "further appeal on points of law (Revision) to the Bundesgerichtshof (Federal Court of Justice).")
PRESERVATION = ("NYT v. Microsoft and OpenAI — Status ¶13\nJudge Stein upheld an order of Magistrate Judge Ona T. "
                "Wang that required OpenAI to preserve output log data.")


def test_a_decision_given_to_the_court_the_case_only_went_to_fails(checker: CitationChecker) -> None:
    # The words are all in the passage; the court that decided is another (written by the default model).
    false = ("The Bundesgerichtshof decided that the Hanseatic Higher Regional Court had erred in allowing a "
             "further appeal on points of law (Revision) [1].")
    assert actor_swapped(false, REVISION) and not checker.supports(false, [REVISION])
    assert actor_swapped("Magistrate Judge Ona T. Wang upheld Judge Stein's order [1].", PRESERVATION)
    for true in ("The Hanseatic Higher Regional Court allowed a further appeal to the Bundesgerichtshof [1].",
                 "In Kneschke v LAION, a further appeal to the Federal Court of Justice was allowed [1]."):
        assert actor_swapped(true, REVISION) is None
    assert actor_swapped("Judge Stein upheld the magistrate judge's preservation order [1].", PRESERVATION) is None
    assert actor_swapped("Judge Stein upheld the preservation order.", "Judge Stein in NYT v. Microsoft upheld "
                         "the order of Magistrate Judge Wang. The U.S. Court of Appeals granted nothing.") is None
    # A judge who wrote the opinion acts in it; a body the passage never names is the name check's job.
    assert actor_swapped("Judge Chhabria found the theories flawed.", "As quoted, Judge Chhabria wrote: "
                         "\"the theories are flawed\". The Ninth Circuit granted nothing.") is None
    assert actor_swapped("The Court of Appeal dismissed the appeal [1].", REVISION) is None


def test_content_free_and_question_restating_sentences_fail(checker: CitationChecker) -> None:
    assert says_nothing("标识要求包括但不限于：")
    assert says_nothing("The answer is as follows:")
    assert not says_nothing("The court awarded RMB 500.")
    supported, reason = verdict(checker, "标识要求包括但不限于：[1]", [REMEDIES])
    assert not supported and "nothing" in reason
    assert restates_question("Li was the author.", "Why was Li the author of the image?")
    assert not restates_question("Li was the author.", "Was Li the author of the image?")  # yes/no: answered
    assert not restates_question("Li chose the prompts and parameters.", "Why was Li the author of the image?")


def test_a_verbatim_copy_is_recognised_and_a_fragment_is_not() -> None:
    assert verbatim_in("The court fee of RMB 50 was borne by the defendant.", REMEDIES)
    assert not verbatim_in("The court fee was borne.", REMEDIES)


def test_a_sentence_that_is_itself_a_question_answers_nothing() -> None:
    from assistant.support import restates_question

    assert restates_question("你可以主张这些提示词本身受著作权保护吗 [1][2]？", "")
    assert restates_question("Did Congress amend the Copyright Act after Thaler [1]?", "")
    assert not restates_question("The court awarded RMB 500 [1].", "How much was awarded?")
