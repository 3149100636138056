"""Parse ``[n]`` markers and check each answer sentence against the passage it cites.

A marker proves nothing by itself: the default model puts a number on invented sentences too.
Each sentence gets a support score against every source (shared content words, weighted by
rarity, plus embedding similarity), and must then pass the checks of ``assistant.support``
(figures, names, polarity, reported speech, holdings). A citation to the wrong source is moved to
the best supporting one, a missing one is added, and a sentence nothing supports is marked
unverified. Every verdict carries the reason that decided it, in words a user can read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.calibration import DOUBTS, SupportModel, claim_features, load_model
from assistant.config import VerificationSettings
from assistant.figures import claimed_figures, figures_in
from assistant.support import (
    actor_swapped,
    as_written,
    hedge_dropped,
    holding_agrees,
    polarity_agrees,
    reported_only,
    misplaced_figure,
    names_in,
    restates_question,
    says_nothing,
    unsupported_place,
    words_in,
)
from assistant.text import GENERIC_WORDS, has_chinese, split_sentences, to_english, tokenize
from assistant.types import Statement

# The lead of a sentence that applies a source's rule to the asker's own facts (prompts.APPLIED_LEAD_*).
APPLIED = re.compile(r"^\s*(?:applied to your (?:situation|facts|case)|in your (?:situation|case)|"
                     r"就您的情况而言|对您而言|在您的情况下)\s*[,，:：]?\s*", re.IGNORECASE)
MARKER = re.compile(r"\s*\[(\d{1,2}(?:\s*[,，、;]\s*\d{1,2})*)\]")


def split_statements(answer: str) -> list[Statement]:
    """Sentences with their markers; markers opening a sentence belong to the previous one."""
    statements: list[Statement] = []
    for sentence in split_sentences(answer):
        leading = re.match(r"(?:\s*\[[\d,，、;\s]+\])+", sentence)
        if leading and statements:
            statements[-1].model_cited.extend(_marker_numbers(leading.group(0)))
            sentence = sentence[leading.end():]
        text = MARKER.sub("", sentence).strip()
        if text:
            statements.append(Statement(text=text, model_cited=_marker_numbers(sentence)))
    for statement in statements:
        statement.model_cited = list(dict.fromkeys(statement.model_cited))
    return statements


def _marker_numbers(text: str) -> list[int]:
    return [int(n) for group in MARKER.findall(text) for n in re.split(r"[,，、;]", group) if n.strip()]


def without_heading(passage: str) -> str:
    """A passage without its heading line ("Title — Locator"), which the pipeline puts first so that
    names and figures of the title count as evidence; the reading checks look at the text alone."""
    first, newline, rest = passage.partition("\n")
    heading = newline and rest.strip() and " — " in first and not first.rstrip().endswith((".", "。", "!", "?"))
    return rest if heading else passage


@dataclass
class Verdict:
    """How well one passage supports one sentence, whether that is enough, and the check that decided."""

    score: float
    reason: str
    supported: bool = False


class CitationChecker:
    """Verifies statements against passages. A model's sentence is judged by the fitted support
    model (``assistant.calibration``) after the checks that veto; a curator's card line by its
    support score against ``threshold``."""

    def __init__(self, embed: Callable[[list[str]], list[list[float]]] | None = None,
                 settings: VerificationSettings | None = None, model: SupportModel | None = None) -> None:
        self.embed = embed  # normalised embeddings of texts; None checks by words alone
        self.settings = settings or VerificationSettings()
        self.model = model or load_model()

    @property
    def threshold(self) -> float:
        return self.settings.threshold

    @property
    def min_probability(self) -> float:
        return self.settings.min_probability or self.model.threshold

    @staticmethod
    def _views(text: str) -> list[set[str]]:
        """Token sets to compare: the text itself and, for Chinese, its glossary English."""
        views = [set(tokenize(text)) - GENERIC_WORDS]
        if has_chinese(text):
            views.append(set(tokenize(to_english(text))) - GENERIC_WORDS)
        return views

    @staticmethod
    def _lexical(sentence_tokens: set[str], question_tokens: set[str], passage_tokens: list[set[str]]) -> np.ndarray:
        """Rarity-weighted share of the sentence's own words (not the question's) found in each passage."""
        novel = sentence_tokens - question_tokens
        focus = novel if len(novel) >= 2 else sentence_tokens
        if not focus:
            return np.zeros(len(passage_tokens))
        frequency = {t: sum(t in tokens for tokens in passage_tokens) for t in focus}
        weight = {t: 1.0 + math.log((1 + len(passage_tokens)) / (1 + frequency[t])) for t in focus}
        total = sum(weight.values())
        return np.array([sum(weight[t] for t in focus if t in tokens) / total for tokens in passage_tokens])

    def support(self, sentence: str, passages: list[str], question: str) -> np.ndarray:
        """Word overlap, and for English embedding similarity, of the sentence with each passage."""
        passage_views = [set().union(*self._views(p)) for p in passages]
        question_tokens = set().union(*self._views(question)) if question else set()
        lexical = np.max(
            [self._lexical(view, question_tokens, passage_views) for view in self._views(sentence)], axis=0
        )
        if self.embed is None or has_chinese(sentence):
            return lexical
        vectors = np.array(self.embed([sentence, *passages]))
        semantic = np.clip(vectors[1:] @ vectors[0], 0.0, 1.0)
        weight = self.settings.lexical_weight
        return weight * lexical + (1 - weight) * semantic

    def judge(self, sentence: str, passages: list[str], question: str = "", strict: bool = True) -> list[Verdict]:
        """The verdict of each passage on one sentence. ``strict`` is for what the model writes:
        the vetoes, then the fitted support model. A case card line (``strict=False``), written by a
        curator from its paragraph, is held to overlap, figures, names and places only, and the
        names of ``question`` (the case's own) are not counted against it."""
        if says_nothing(sentence):
            return [Verdict(0.0, "the sentence says nothing")] * len(passages)
        if strict and restates_question(sentence, question):
            return [Verdict(0.0, "the sentence only restates the question")] * len(passages)
        support = self.support(sentence, passages, question)
        return [self._verdict(sentence, passage, question, score, strict)
                for passage, score in zip(passages, support.tolist())]

    def _verdict(self, sentence: str, passage: str, question: str, score: float, strict: bool) -> Verdict:
        body = without_heading(passage)  # a title ("… not fair use") is no statement of the passage
        if veto := self._veto(sentence, passage, body, question, strict):
            return Verdict(0.0, veto)
        if not strict:
            if score < self.threshold:
                return Verdict(score, f"too little of the sentence is in the passage (support {score:.2f})")
            return Verdict(score, f"supported (support {score:.2f})", True)
        features = claim_features(sentence, passage, body, question, score, self.embed)
        probability = self.model.probability(features)
        if probability >= self.min_probability:
            return Verdict(probability, f"supported (p = {probability:.2f})", True)
        return Verdict(probability, f"{DOUBTS[self.model.strongest_doubt(features)]} (p = {probability:.2f})")

    @staticmethod
    def _veto(sentence: str, passage: str, body: str, question: str, strict: bool) -> str | None:
        """A check that fails the sentence outright: one that almost never fires on a true claim
        (tests/verification), so no weight of other evidence should overrule it."""
        missing_figures = sorted(claimed_figures(sentence) - figures_in(passage))
        if missing_figures:
            return f"the figure {missing_figures[0]} is not in the cited passage"
        names = names_in(sentence) - (set() if strict else words_in(question))
        missing_names = sorted(names - words_in(passage))
        if missing_names:
            return f"the name “{as_written(sentence, missing_names[0])}” is not in the cited passage"
        if place := unsupported_place(sentence, passage):
            return place
        if not strict:
            return None
        if figure := misplaced_figure(sentence, body, question):
            return f"the figure {figure} is in the passage, but for another event than the sentence says"
        if hedge_dropped(sentence, body):
            return "the passage says this is not confirmed or still open"
        if not polarity_agrees(sentence, body):
            return "the passage says the opposite (negation)"
        if reported_only(sentence, body):
            return "the passage only reports what someone argued or must state"
        if swapped := actor_swapped(sentence, body):
            return swapped
        if not holding_agrees(sentence, body):
            return "the passage does not bear out what the sentence says was held"
        return None

    def applies(self, sentence: str, passage: str, facts: str) -> Verdict:
        """A sentence applying a source's rule to the asker's facts ("Applied to your situation, the
        Measures do not cover in-house research [1]"). The asker's facts may come from the question;
        everything else (the conclusion: "do not cover") must come from the passage, and agree with
        it in negation and holding, before the usual checks run on passage and facts together."""
        claim = APPLIED.sub("", sentence)
        body = without_heading(passage)
        own = set(tokenize(to_english(claim))) - set(tokenize(to_english(facts))) - GENERIC_WORDS
        own = {word for word in own if word.isascii() and len(word) > 2}
        missing = own - set(tokenize(f"{passage} {to_english(passage)}"))
        if own and len(missing) / len(own) > 0.25:
            return Verdict(0.0, f"the conclusion ({', '.join(sorted(missing)[:3])}) is neither in the cited rule nor "
                                "in the question's facts")
        if not polarity_agrees(claim, body):
            return Verdict(0.0, "the passage says the opposite (negation)")
        if not holding_agrees(claim, body):
            return Verdict(0.0, "the passage does not bear out what the sentence says was held")
        verdict = self.judge(claim, [f"{passage}\n{facts}"], "", strict=True)[0]
        if verdict.supported:
            return Verdict(verdict.score, f"applies the cited rule to the question's facts ({verdict.reason})", True)
        return verdict

    def scores(self, sentence: str, passages: list[str], question: str = "", strict: bool = True) -> np.ndarray:
        """Support of one sentence by each passage, in [0, 1] (0 when a veto fails it)."""
        return np.array([v.score for v in self.judge(sentence, passages, question, strict)])

    def supports(self, sentence: str, passages: list[str], question: str = "") -> bool:
        """Whether any one of the passages supports the sentence."""
        return any(v.supported for v in self.judge(sentence, passages, question))

    def run(self, answer: str, passages: list[str], question: str = "") -> list[Statement]:
        statements = split_statements(answer)
        for statement in statements:
            valid = [n for n in statement.model_cited if 1 <= n <= len(passages)]
            if not passages:
                statement.reason = "no passages to check against"
                continue
            verdicts = self.judge(statement.text, passages, question)
            scores = np.array([v.score for v in verdicts])
            supported = [n for n in valid if verdicts[n - 1].supported]
            best = int(np.argmax(scores)) + 1
            if len(valid) > 1 and len(supported) < len(valid):
                # "X [1] and Y [2]": the sentence rests on its passages together, not on each alone
                joint = self.judge(statement.text, ["\n".join(passages[n - 1] for n in valid)], question)[0]
                if joint.supported:
                    statement.cited, statement.supported, statement.reason = valid, True, joint.reason + " (together)"
                    continue
            if supported:
                statement.cited = supported
            elif verdicts[best - 1].supported:
                statement.cited = [best]
            else:
                statement.cited = valid
            statement.supported = bool(statement.cited) and all(verdicts[n - 1].supported for n in statement.cited)
            decider = statement.cited[0] if statement.cited else best
            statement.reason = verdicts[decider - 1].reason
        return statements
