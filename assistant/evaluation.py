"""`copyright-assistant eval`: score retrieval and answers on a question file (JSON Lines).

The metric definitions are those of INTERFACE.md, computed here and nowhere else, so the command,
the benchmarks (including the LangChain baseline of benchmarks/quality.py) and the tests measure
the same thing; docs/evaluation.md explains them. Where the definitions leave a choice open, it is
made once, here:

- Questions without ``relevant_sources`` give no ground truth, so they are left out of the
  denominators of recall_at_5, mrr and citation_precision (they still count everywhere else).
- A refused answer meets no must_mention group: a refusal answers nothing, and ours lists the
  titles of the nearest sources, which alone would meet about a tenth of the groups of
  tests/eval/questions.jsonl.
- A sentence that only says the sources are silent ("the context does not mention …") is not a
  claim, so unsupported_sentence_rate does not count it, for any system.
- gold_passage_recall_at_5 counts every question with ``gold_passages`` (answerable or not) whose
  ranking carried locators; a system whose rows give only sources (``retrieval_fields`` called
  without ``passages``) has no gold_in_top_5 and is left out. A retrieved passage matches a gold
  ``[source_id, locator]`` pair when the source is the same and ``locator_matches`` says so.
- evidence_fact_coverage counts answerable questions that reached the model, meaning the answer
  has non-empty ``evidence`` and was not answered from a case card alone (``answered_from`` "card",
  whose evidence is the card the model never read); it is groups found in the evidence (title,
  locator and text of each passage) / groups asked. A group the answer misses is
  lost_before_reading when the evidence lacks it and lost_in_reading when the evidence has it (so
  a refusal after the model read the evidence loses every group the evidence holds in reading).
- known_wrong_rate has as denominator the answered (not refused) questions, answerable or not,
  whose ``must_not_mention`` list is non-empty; a refused answer is never counted as known-wrong.
  known_wrong_verified counts those known-wrong answers the system showed as verified (for ours,
  ``Answer.verified``, or not refused when the Answer has no such attribute).
- A question with ``history`` is asked as ``pipeline.ask(question, history)``, and its retrieval
  metrics are taken on the query the pipeline retrieves with (``assistant.questions.condense``).
"""

from __future__ import annotations

import re
import sys
from typing import Any

from tqdm import tqdm

from assistant import prompts
from assistant.config import Settings
from assistant.eval_questions import Question, QuestionFileError
from assistant.eval_report import EvalReport
from assistant.index import Library
from assistant.pipeline import AnswerPipeline
from assistant.questions import condense
from assistant.text import has_chinese, says_sources_silent, split_sentences



def groups_found(text: str, groups: list[list[str]]) -> list[bool]:
    """For each group, whether the text contains at least one of its strings (case-insensitive)."""
    lowered = text.lower()
    return [any(option.lower() in lowered for option in group) for group in groups]


def mentions_met(answer: str, groups: list[list[str]]) -> int:
    """How many groups have at least one of their strings in the answer (case-insensitive)."""
    return sum(groups_found(answer, groups))


def mentioned(answer: str, strings: list[str]) -> list[str]:
    """The strings the answer contains (case-insensitive), in their given order."""
    lowered = answer.lower()
    return [string for string in strings if string.lower() in lowered]


def states_as_fact(answer: Any, claim: str) -> bool:
    """Whether an answer shows ``claim`` as verified fact: in its answer text, outside a sentence that
    reports an upload's disagreement with the record ("Your upload … says … but the record says …").
    A refusal states nothing."""
    if answer.refused:
        return False
    reported = (prompts.CONFLICT_EN.split("{", 1)[0], prompts.CONFLICT_ZH.split("{", 1)[0])
    asserted = [s for s in split_sentences(answer.answer) if not s.lstrip().startswith(reported)]
    return bool(mentioned(" ".join(asserted), [claim]))


_DASHES = re.compile(r"[\u2010-\u2015\u2212\ufe58\ufe63\uff0d-]")
_PART = re.compile(r"(?:\s*\(part \d+\)|,\s*part \d+)$", re.IGNORECASE)
_PARAGRAPHS = re.compile(r"^(?P<prefix>.*?)\s*¶\s*(?P<first>\d+)(?:\s*-\s*(?P<last>\d+))?$")


def _normal_locator(locator: str) -> str:
    return " ".join(_DASHES.sub("-", locator).split())


def locator_matches(gold: str, retrieved: str) -> bool:
    """Whether a retrieved passage's locator points at the gold locator.

    Both are compared after normalising (outer spaces stripped, runs of spaces collapsed, every
    dash read as "-"). Equal locators match. Otherwise a "(part N)" / ", part N" suffix of the
    retrieved locator is dropped (a piece of the gold paragraph or page), and when both name
    paragraphs under the same heading ("Remedies ¶30", "Remedies ¶29–30") they match when the
    paragraph ranges share a paragraph: "Remedies ¶30" matches "Remedies ¶30 (part 2)" and
    "Remedies ¶29–30", not "Remedies ¶31" nor "Reasoning ¶30".
    """
    gold, retrieved = _normal_locator(gold), _normal_locator(retrieved)
    if gold == retrieved:
        return True
    whole = _PART.sub("", retrieved)
    if gold == whole:
        return True
    gold_match, retrieved_match = _PARAGRAPHS.match(gold), _PARAGRAPHS.match(whole)
    if not gold_match or not retrieved_match or gold_match["prefix"] != retrieved_match["prefix"]:
        return False
    gold_first, retrieved_first = int(gold_match["first"]), int(retrieved_match["first"])
    gold_last = int(gold_match["last"] or gold_first)
    retrieved_last = int(retrieved_match["last"] or retrieved_first)
    return gold_first <= retrieved_last and retrieved_first <= gold_last


def gold_in_top(gold: list[tuple[str, str]], passages: list[tuple[str, str]], n: int = 5) -> bool:
    """Whether any of the first n ``(source_id, locator)`` passages matches any gold pair."""
    return any(source == gold_source and locator_matches(gold_locator, locator)
               for source, locator in passages[:n] for gold_source, gold_locator in gold)


def first_relevant_rank(sources: list[str], relevant: list[str]) -> int | None:
    """1-based rank of the first passage from a relevant source, or None."""
    for rank, source in enumerate(sources, 1):
        if source in relevant:
            return rank
    return None


def retrieval_fields(question: Question, sources: list[str], seconds: float,
                     passages: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    """The per-question row before answering: what retrieval ranked, and the answer keys unset.

    ``passages`` are the ranked ``(source_id, locator)`` pairs; without them (a system that gives only
    sources) the row has no ``retrieved_passages`` and no ``gold_in_top_5``."""

    return {
        "id": question.id,
        "lang": question.lang or ("zh" if has_chinese(question.question) else "en"),
        "kind": question.kind or "other",
        "answerable": question.answerable,
        "relevant_sources": question.relevant_sources,
        "also_acceptable_sources": question.also_acceptable_sources,
        "retrieved_sources": sources,
        "rank": first_relevant_rank(sources, question.relevant_sources),
        "gold_passages": [list(pair) for pair in question.gold_passages],
        "retrieved_passages": None if passages is None else [f"{s} {loc}" for s, loc in passages[:10]],
        "gold_in_top_5": (gold_in_top(question.gold_passages, passages, 5)
                          if question.gold_passages and passages is not None else None),
        "retrieval_s": round(seconds, 4),
        "must_mention_asked": len(question.must_mention),
        "must_not_mention": question.must_not_mention,
        "refused": None,
        "cited_sources": None,
        "must_mention_met": None,
        "must_not_mentioned": None,
        "evidence": None,
        "evidence_groups_met": None,
        "lost_before_reading": None,
        "lost_in_reading": None,
        "answer": None,
    }


def _evidence_entry(passage: Any) -> dict[str, str]:
    """source_id, title, locator and text of a passage object or dict."""
    def get(key: str) -> str:
        value = passage.get(key) if isinstance(passage, dict) else getattr(passage, key, None)
        return "" if value is None else str(value)

    return {key: get(key) for key in ("source_id", "title", "locator", "text")}


def answer_fields(question: Question, *, answer: str, refused: bool, cited_sources: list[str],
                  sentences_supported: list[bool], first_token_s: float | None,
                  total_s: float | None, evidence: list[Any] | tuple[Any, ...] = (),
                  verified: bool | None = None, answered_from: str = "model") -> dict[str, Any]:
    """The scored answer keys of a row, from any system: ``sentences_supported`` holds the checker's
    verdict for each claim the model wrote (sentences saying the sources are silent left out).

    ``evidence`` is what the model read (passage objects or dicts with source_id, title, locator and
    text); left empty, or with ``answered_from`` "card", the question does not count in
    evidence_fact_coverage. ``verified`` is whether
    the answer was shown as verified (None: the system has no such notion)."""
    entries = [_evidence_entry(passage) for passage in evidence]
    in_answer = [False] * len(question.must_mention) if refused else groups_found(answer, question.must_mention)
    row: dict[str, Any] = {
        "refused": refused,
        "cited_sources": cited_sources,
        "must_mention_met": sum(in_answer),
        "must_not_mentioned": [] if refused else mentioned(answer, question.must_not_mention),
        "verified": verified,
        "answered_from": answered_from,
        "answer": answer,
        "n_sentences": len(sentences_supported),
        "n_unsupported": sentences_supported.count(False),
        "first_token_s": first_token_s,
        "total_s": total_s,
        "evidence": [{key: entry[key] for key in ("source_id", "locator", "text")} for entry in entries],
        "evidence_groups_met": None,
        "lost_before_reading": None,
        "lost_in_reading": None,
    }
    if question.answerable and entries and answered_from != "card":  # the question reached the model
        read = "\n\n".join(f"{e['title']} {e['locator']}\n{e['text']}" for e in entries)
        in_evidence = groups_found(read, question.must_mention)
        missed = [seen for seen, met in zip(in_evidence, in_answer) if not met]
        row.update(evidence_groups_met=sum(in_evidence), lost_before_reading=missed.count(False),
                   lost_in_reading=missed.count(True))
    return row


def our_answer_fields(question: Question, answer: Any) -> dict[str, Any]:
    """Row keys for an ``assistant.types.Answer``; the checker's statements are the model's sentences
    (including the unverified ones the user sees greyed), not only those kept in the answer."""
    claims = [s for s in answer.statements if not says_sources_silent(s.text)]
    return {
        **answer_fields(question, answer=answer.answer, refused=answer.refused,
                        cited_sources=[c.source_id for c in answer.citations],
                        sentences_supported=[s.supported for s in claims],
                        first_token_s=answer.timings.get("first_token_s"), total_s=answer.timings.get("total_s"),
                        evidence=answer.evidence, verified=getattr(answer, "verified", not answer.refused),
                        answered_from=getattr(answer, "answered_from", "model")),
        "refusal_reason": answer.refusal_reason,
        "model_text": answer.model_text,
        "check_s": answer.timings.get("check_s"),
        "checked": [s.to_json() for s in answer.statements],
    }


def evaluate_question(question: Question, pipeline: Any, *, retrieval_only: bool = False, k: int = 10) -> dict[str, Any]:
    """One question through ``pipeline.retriever`` (ranked to depth k) and, unless retrieval_only,
    ``pipeline.ask``; returns its per-question row. A follow-up (``history``) is retrieved with the
    query the pipeline would condense from it and asked as ``pipeline.ask(question, history)``."""
    query = question.question
    if question.history:
        query = condense(question.question, question.history)
    result = pipeline.retriever.run(query, k=k)
    row = retrieval_fields(question, [p.source_id for p in result.passages], result.seconds,
                           passages=[(p.source_id, p.locator) for p in result.passages])
    if not retrieval_only:
        answer = (pipeline.ask(question.question, question.history) if question.history
                  else pipeline.ask(question.question))
        row.update(our_answer_fields(question, answer))
    return row


def run_eval(questions: list[Question], settings: Settings, *, retrieval_only: bool = False,
             show_progress: bool = False, pipeline: Any | None = None, k: int = 10) -> EvalReport:
    """Run every question through retrieval and, unless retrieval_only, the answer pipeline.

    A tqdm bar when ``show_progress``; otherwise, when answering (minutes per dozen questions), a
    line per answer on stderr so a log shows the run is alive."""
    too_long = [q.id for q in questions if len(q.question) > settings.max_question_chars]
    if too_long:
        raise QuestionFileError(f"questions longer than {settings.max_question_chars} characters: "
                                f"{', '.join(too_long)}")
    if pipeline is None:
        pipeline = AnswerPipeline.from_settings(settings, Library(settings))
    report = EvalReport(retrieval_only=retrieval_only)
    for question in tqdm(questions, desc="eval", unit="q", disable=not show_progress):
        row = evaluate_question(question, pipeline, retrieval_only=retrieval_only, k=k)
        report.per_question.append(row)
        if not show_progress and not retrieval_only:
            print(f"eval {len(report.per_question)}/{len(questions)} {question.id}: "
                  f"{'refused' if row['refused'] else 'answered'} in {row['total_s'] or 0:.1f}s",
                  file=sys.stderr, flush=True)
    return report
