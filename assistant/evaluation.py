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
  metrics are taken on the query the pipeline retrieves with (``assistant.pipeline.condense``).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant import prompts
from assistant.config import Settings
from assistant.index import Library
from assistant.pipeline import AnswerPipeline, condense
from assistant.text import has_chinese, says_sources_silent, split_sentences



class QuestionFileError(ValueError):
    """The question file is missing or a line is malformed (the message names the line)."""


class Question(BaseModel):
    """One line of a question file; unknown fields are ignored, optional ones default."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    id: str = Field(min_length=1)
    question: str
    answerable: bool = True
    relevant_sources: list[str] = Field(default_factory=list)
    must_mention: list[list[str]] = Field(default_factory=list)
    lang: str | None = None
    must_not_mention: list[str] = Field(default_factory=list)
    gold_passages: list[tuple[str, str]] = Field(default_factory=list)
    also_acceptable_sources: list[str] = Field(default_factory=list)
    kind: str | None = None
    history: list[tuple[str, str]] | None = None

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        return value.strip()

    @field_validator("relevant_sources", "also_acceptable_sources", "must_not_mention", mode="before")
    @classmethod
    def _one_string_as_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("must_not_mention")
    @classmethod
    def _no_empty_string(cls, strings: list[str]) -> list[str]:
        if not all(string.strip() for string in strings):
            raise ValueError("no string may be empty")
        return strings

    @field_validator("gold_passages", mode="before")
    @classmethod
    def _source_locator_pairs(cls, value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list) or not all(
            isinstance(pair, (list, tuple)) and len(pair) == 2
            and all(isinstance(part, str) and part.strip() for part in pair)
            for pair in value
        ):
            raise ValueError('expected a list of [source_id, locator] pairs of two non-empty strings, '
                             'e.g. [["cn-bjic-2023-li-v-liu", "Remedies ¶30"]]')
        return value

    @field_validator("history", mode="before")
    @classmethod
    def _question_answer_pairs(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list) or not all(
            isinstance(turn, (list, tuple)) and len(turn) == 2 and all(isinstance(part, str) for part in turn)
            and turn[0].strip() for turn in value
        ):
            raise ValueError("expected a list of [question, answer] pairs of strings (the question not empty)")
        return value

    @field_validator("must_mention", mode="before")
    @classmethod
    def _strings_as_groups(cls, value: Any) -> Any:
        """A flat list ["500", "apology"] means two groups of one string each."""
        if isinstance(value, list):
            return [[item] if isinstance(item, str) else item for item in value]
        return value

    @field_validator("must_mention")
    @classmethod
    def _groups_not_empty(cls, groups: list[list[str]]) -> list[list[str]]:
        if any(not group or not all(option.strip() for option in group) for group in groups):
            raise ValueError("every group needs at least one string, and no string may be empty")
        return groups


def _line_error(error: json.JSONDecodeError | ValidationError) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON ({error.msg} at column {error.colno})"
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"field {where!r}: {first['msg']}" if where else first["msg"]


def load_questions(path: Path) -> list[Question]:
    """Parse a JSON Lines question file; blank lines are skipped, a bad line is named."""
    if not path.is_file():
        raise QuestionFileError(f"question file not found: {path}")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as error:
        raise QuestionFileError(f"{path}: not UTF-8 text (bad byte at offset {error.start})") from None
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise QuestionFileError(f"{path}:{number}: expected a JSON object, got {type(data).__name__}")
            question = Question.model_validate({"id": f"line-{number}", **data})
        except (json.JSONDecodeError, ValidationError) as error:
            raise QuestionFileError(f"{path}:{number}: {_line_error(error)}") from None
        if question.id in seen:
            raise QuestionFileError(f"{path}:{number}: id {question.id!r} already used on line {seen[question.id]}")
        seen[question.id] = number
        questions.append(question)
    if not questions:
        raise QuestionFileError(f"{path}: no questions")
    return questions


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
    }


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def _share(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _answer_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    """The numerators and denominators of the answer metrics over some rows."""
    answerable = [r for r in rows if r["answerable"]]
    judged = [r for r in answerable if r["relevant_sources"]]
    read = [r for r in answerable if r.get("evidence_groups_met") is not None]
    watched = [r for r in rows if not r["refused"] and r.get("must_not_mention")]
    wrong = [r for r in watched if r.get("must_not_mentioned")]
    return {
        "refused_unanswerable": sum(bool(r["refused"]) for r in rows if not r["answerable"]),
        "refused_answerable": sum(bool(r["refused"]) for r in answerable),
        "answered_citing": sum(1 for r in answerable if not r["refused"] and r["cited_sources"]),
        "citations": sum(len(r["cited_sources"]) for r in judged),
        "citations_relevant": sum(c in r["relevant_sources"] or c in r.get("also_acceptable_sources", [])
                                  for r in judged for c in r["cited_sources"]),
        "citations_also_acceptable": sum(c not in r["relevant_sources"] and c in r.get("also_acceptable_sources", [])
                                         for r in judged for c in r["cited_sources"]),
        "must_mention_asked": sum(r["must_mention_asked"] for r in rows),
        "must_mention_met": sum(r["must_mention_met"] for r in rows),
        "sentences": sum(r["n_sentences"] for r in rows),
        "sentences_unsupported": sum(r["n_unsupported"] for r in rows),
        "reached_model": len(read),
        "evidence_groups_asked": sum(r["must_mention_asked"] for r in read),
        "evidence_groups_met": sum(r["evidence_groups_met"] for r in read),
        "lost_before_reading": sum(r["lost_before_reading"] for r in read),
        "lost_in_reading": sum(r["lost_in_reading"] for r in read),
        "answered_with_must_not_mention": len(watched),
        "known_wrong": len(wrong),
        "known_wrong_verified": sum(r.get("verified") is True for r in wrong),
    }


def _answer_metrics(counts: dict[str, int]) -> dict[str, float | int | None]:
    known_wrong_rate = _share(counts["known_wrong"], counts["answered_with_must_not_mention"])
    return {
        "refusal_accuracy": _share(counts["refused_unanswerable"], counts["unanswerable"]),
        "false_refusal_rate": _share(counts["refused_answerable"], counts["answerable"]),
        "citation_precision": _share(counts["citations_relevant"], counts["citations"]),
        "must_mention_rate": _share(counts["must_mention_met"], counts["must_mention_asked"]),
        "unsupported_sentence_rate": _share(counts["sentences_unsupported"], counts["sentences"]),
        "evidence_fact_coverage": _share(counts["evidence_groups_met"], counts["evidence_groups_asked"]),
        "known_wrong_rate": known_wrong_rate,
        "known_wrong_verified": None if known_wrong_rate is None else counts["known_wrong_verified"],
    }


SUBSET_METRICS = ("must_mention_rate", "evidence_fact_coverage", "known_wrong_rate", "false_refusal_rate")


@dataclass
class EvalReport:
    """Per-question rows and the metrics computed from them."""

    per_question: list[dict[str, Any]] = field(default_factory=list)
    retrieval_only: bool = False

    @staticmethod
    def _retrieval(rows: list[dict[str, Any]]) -> dict[str, float | None]:
        judged = [r for r in rows if r["answerable"] and r["relevant_sources"]]
        recall = sum(1 for r in judged if r["rank"] is not None and r["rank"] <= 5)
        reciprocal = sum(1.0 / r["rank"] for r in judged if r["rank"] is not None)
        gold = [r for r in rows if r.get("gold_in_top_5") is not None]
        return {"recall_at_5": _share(recall, len(judged)), "mrr": _share(reciprocal, len(judged)),
                "gold_passage_recall_at_5": _share(sum(r["gold_in_top_5"] for r in gold), len(gold))}

    @staticmethod
    def _subset_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
        answerable = sum(1 for r in rows if r["answerable"])
        return {"answerable": answerable, "unanswerable": len(rows) - answerable, **_answer_counts(rows)}

    def counts(self) -> dict[str, int]:
        """The numerators and denominators behind the metrics, so every rate can be checked."""
        rows = self.per_question
        answerable = [r for r in rows if r["answerable"]]
        judged = [r for r in answerable if r["relevant_sources"]]
        gold = [r for r in rows if r.get("gold_in_top_5") is not None]
        counts = {"answerable": len(answerable), "unanswerable": len(rows) - len(answerable),
                  "with_relevant_sources": len(judged),
                  "relevant_in_top_5": sum(1 for r in judged if r["rank"] is not None and r["rank"] <= 5),
                  "with_gold_passages": len(gold), "gold_in_top_5": sum(r["gold_in_top_5"] for r in gold)}
        if self.retrieval_only:
            return counts
        return {**counts, **_answer_counts(rows)}

    def _by(self, key: str, default: str) -> dict[str, list[dict[str, Any]]]:
        groups: dict[str, list[dict[str, Any]]] = {}
        for row in self.per_question:
            groups.setdefault(row.get(key) or default, []).append(row)
        return dict(sorted(groups.items()))

    def _answers_by(self, key: str, default: str) -> dict[str, dict[str, float | None]] | None:
        if self.retrieval_only:
            return None
        return {name: {metric: value for metric, value in _answer_metrics(self._subset_counts(rows)).items()
                       if metric in SUBSET_METRICS}
                for name, rows in self._by(key, default).items()}

    def metrics(self) -> dict[str, Any]:
        rows = self.per_question
        counts = self.counts()
        result: dict[str, Any] = {
            "n_questions": len(rows),
            "retrieval": self._retrieval(rows),
            "retrieval_by_lang": {lang: self._retrieval(subset) for lang, subset in self._by("lang", "en").items()},
            "answers": None if self.retrieval_only else _answer_metrics(counts),
            "answers_by_lang": self._answers_by("lang", "en"),
            "answers_by_kind": self._answers_by("kind", "other"),
            "counts": counts,
        }
        latency: dict[str, float | None] = {}
        for name in ("retrieval", "first_token", "total"):
            values = [r[f"{name}_s"] for r in rows if r.get(f"{name}_s") is not None]
            latency[f"{name}_p50_s"] = _percentile(values, 50)
            latency[f"{name}_p95_s"] = _percentile(values, 95)
        result["latency"] = latency
        if not self.retrieval_only:
            result["answered_from"] = self._by_origin(rows)
        return result

    @staticmethod
    def _by_origin(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Answers by where they came from (``model``, ``card``, ``card+model``, ``none`` for a
        refusal): how many, their share of fact questions, must_mention rate and latency, so the
        card path's coverage, correctness and speed can be read off one run."""
        facts = [r for r in rows if r.get("kind") == "fact" and r["answerable"]]
        origins: dict[str, dict[str, Any]] = {}
        for origin in sorted({str(r.get("answered_from")) for r in rows if r.get("refused") is not None}):
            mine = [r for r in rows if str(r.get("answered_from")) == origin]
            totals = [r["total_s"] for r in mine if r.get("total_s") is not None]
            firsts = [r["first_token_s"] for r in mine if r.get("first_token_s") is not None]
            origins[origin] = {
                "questions": len(mine),
                "share_of_fact_questions": _share(sum(str(r.get("answered_from")) == origin for r in facts), len(facts)),
                "must_mention_rate": _share(sum(r["must_mention_met"] or 0 for r in mine),
                                            sum(r["must_mention_asked"] for r in mine)),
                "first_token_p50_s": _percentile(firsts, 50),
                "total_p50_s": _percentile(totals, 50),
            }
        return origins

    def to_json(self) -> dict[str, Any]:
        return {**self.metrics(), "per_question": self.per_question}

    def table(self) -> str:
        """The metrics as aligned text, each rate beside the counts it comes from."""
        metrics, counts = self.metrics(), self.counts()

        def value(number: float | None) -> str:
            if number is None:
                return "n/a"
            return str(number) if isinstance(number, int) else f"{number:.3f}"

        lines = [f"{metrics['n_questions']} questions: {counts['answerable']} answerable "
                 f"({counts['with_relevant_sources']} with relevant sources), {counts['unanswerable']} unanswerable",
                 "", "retrieval"]
        retrieval = metrics["retrieval"]
        lines.append(f"  {'recall_at_5':<27}{value(retrieval['recall_at_5']):>7}   "
                     f"{counts['relevant_in_top_5']} of {counts['with_relevant_sources']} questions")
        lines.append(f"  {'mrr':<27}{value(retrieval['mrr']):>7}")
        lines.append(f"  {'gold_passage_recall_at_5':<27}{value(retrieval['gold_passage_recall_at_5']):>7}   "
                     f"{counts['gold_in_top_5']} of {counts['with_gold_passages']} questions with gold passages")
        for lang, scores in metrics["retrieval_by_lang"].items():
            lines.append(f"  {f'recall_at_5 / mrr ({lang})':<27}{value(scores['recall_at_5']):>7} / "
                         f"{value(scores['mrr'])}")
            if scores["gold_passage_recall_at_5"] is not None:
                lines.append(f"  {f'gold_recall_at_5 ({lang})':<27}{value(scores['gold_passage_recall_at_5']):>7}")
        if metrics["answers"] is not None:
            answers = metrics["answers"]
            basis = {
                "refusal_accuracy": f"{counts['refused_unanswerable']} of {counts['unanswerable']} unanswerable refused",
                "false_refusal_rate": f"{counts['refused_answerable']} of {counts['answerable']} answerable refused",
                "citation_precision": f"{counts['citations_relevant']} of {counts['citations']} citations "
                                      f"({counts['citations_also_acceptable']} to an also-acceptable source)",
                "must_mention_rate": f"{counts['must_mention_met']} of {counts['must_mention_asked']} groups",
                "unsupported_sentence_rate": f"{counts['sentences_unsupported']} of {counts['sentences']} sentences",
                "evidence_fact_coverage": f"{counts['evidence_groups_met']} of {counts['evidence_groups_asked']} "
                                          f"groups in the evidence ({counts['reached_model']} questions reached the "
                                          f"model); lost before reading {counts['lost_before_reading']}, "
                                          f"in reading {counts['lost_in_reading']}",
                "known_wrong_rate": f"{counts['known_wrong']} of {counts['answered_with_must_not_mention']} "
                                    "answers to questions with must_not_mention",
                "known_wrong_verified": f"of {counts['known_wrong']} known-wrong answers, shown as verified",
            }
            lines += ["", "answers"]
            lines += [f"  {name:<27}{value(answers[name]):>7}   {basis[name]}" for name in answers]
            chinese = [r for r in self.per_question if r["lang"] == "zh"]
            if chinese:
                zh = _answer_counts(chinese)
                lines.append(f"  {'must_mention_rate (zh)':<27}"
                             f"{value(_share(zh['must_mention_met'], zh['must_mention_asked'])):>7}   "
                             f"{zh['must_mention_met']} of {zh['must_mention_asked']} groups (Chinese questions)")
        latency = metrics["latency"]
        lines += ["", f"{'latency (seconds)':<29}{'p50':>7} {'p95':>7}"]
        for name in ("retrieval", "first_token", "total"):
            lines.append(f"  {name.replace('_', ' '):<27}{value(latency[f'{name}_p50_s']):>7} "
                         f"{value(latency[f'{name}_p95_s']):>7}")
        return "\n".join(lines)


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
