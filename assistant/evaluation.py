"""`copyright-assistant eval`: score retrieval and answers on a question file (JSON Lines).

The metric definitions are those of INTERFACE.md, computed here and nowhere else, so the command,
the benchmarks (including the LangChain baseline of benchmarks/quality.py) and the tests measure
the same thing. Where the definitions leave a choice open, it is made once, here:

- Questions without ``relevant_sources`` give no ground truth, so they are left out of the
  denominators of recall_at_5, mrr and citation_precision (they still count everywhere else).
- A refused answer meets no must_mention group: a refusal answers nothing, and ours lists the
  titles of the nearest sources, which alone would meet about a tenth of the groups of
  tests/eval/questions.jsonl.
- A sentence that only says the sources are silent ("the context does not mention …") is not a
  claim, so unsupported_sentence_rate does not count it, for any system.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.config import Settings

# What a model writes when it says its sources do not answer (English and Chinese).
NOT_COVERED = re.compile(
    r"\b(?:(?:do|does|did)(?: not|n[’']t) (?:provide|contain|mention|say|state|specify|include|cover|address"
    r"|answer|discuss|give|know)"
    r"|(?:is|are|was|were)(?: not|n[’']t) (?:mentioned|provided|specified|stated|given|covered|included"
    r"|available|addressed|discussed)"
    r"|no (?:information|mention|details?)\b"
    r"|not enough information|insufficient information"
    r"|(?:cannot|can[’']t|could not|couldn[’']t|unable to) (?:answer|determine|find|tell|say))"
    r"|未涵盖|未提及|没有提及|没有提供|未提供|未说明|无法确定|无法回答|不知道",
    re.IGNORECASE,
)


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

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        return value.strip()

    @field_validator("relevant_sources", mode="before")
    @classmethod
    def _one_source_as_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

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


def mentions_met(answer: str, groups: list[list[str]]) -> int:
    """How many groups have at least one of their strings in the answer (case-insensitive)."""
    text = answer.lower()
    return sum(any(option.lower() in text for option in group) for group in groups)


def first_relevant_rank(sources: list[str], relevant: list[str]) -> int | None:
    """1-based rank of the first passage from a relevant source, or None."""
    for rank, source in enumerate(sources, 1):
        if source in relevant:
            return rank
    return None


def says_not_covered(text: str) -> bool:
    """Whether a sentence or answer says the sources do not answer."""
    return bool(NOT_COVERED.search(text))


def retrieval_fields(question: Question, sources: list[str], seconds: float) -> dict[str, Any]:
    """The per-question row before answering: what retrieval ranked, and the answer keys unset."""
    from assistant.glossary import has_chinese

    return {
        "id": question.id,
        "lang": question.lang or ("zh" if has_chinese(question.question) else "en"),
        "answerable": question.answerable,
        "relevant_sources": question.relevant_sources,
        "retrieved_sources": sources,
        "rank": first_relevant_rank(sources, question.relevant_sources),
        "retrieval_s": round(seconds, 4),
        "must_mention_asked": len(question.must_mention),
        "refused": None,
        "cited_sources": None,
        "must_mention_met": None,
        "answer": None,
    }


def answer_fields(question: Question, *, answer: str, refused: bool, cited_sources: list[str],
                  sentences_supported: list[bool], first_token_s: float | None,
                  total_s: float | None) -> dict[str, Any]:
    """The scored answer keys of a row, from any system: ``sentences_supported`` holds the checker's
    verdict for each claim the model wrote (sentences saying the sources are silent left out)."""
    return {
        "refused": refused,
        "cited_sources": cited_sources,
        "must_mention_met": 0 if refused else mentions_met(answer, question.must_mention),
        "answer": answer,
        "n_sentences": len(sentences_supported),
        "n_unsupported": sentences_supported.count(False),
        "first_token_s": first_token_s,
        "total_s": total_s,
    }


def our_answer_fields(question: Question, answer: Any) -> dict[str, Any]:
    """Row keys for an ``assistant.answer.Answer``; the checker's statements are the model's sentences
    (including the unverified ones the user sees greyed), not only those kept in the answer."""
    claims = [s for s in answer.statements if not says_not_covered(s.text)]
    return {
        **answer_fields(question, answer=answer.answer, refused=answer.refused,
                        cited_sources=[c.source_id for c in answer.citations],
                        sentences_supported=[s.supported for s in claims],
                        first_token_s=answer.timings.get("first_token_s"), total_s=answer.timings.get("total_s")),
        "refusal_reason": answer.refusal_reason,
        "model_text": answer.model_text,
        "evidence": [f"{p.source_id} {p.locator}" for p in answer.evidence],
    }


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def _share(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


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
        return {"recall_at_5": _share(recall, len(judged)), "mrr": _share(reciprocal, len(judged))}

    def counts(self) -> dict[str, int]:
        """The numerators and denominators behind the metrics, so every rate can be checked."""
        rows = self.per_question
        answerable = [r for r in rows if r["answerable"]]
        judged = [r for r in answerable if r["relevant_sources"]]
        counts = {"answerable": len(answerable), "unanswerable": len(rows) - len(answerable),
                  "with_relevant_sources": len(judged),
                  "relevant_in_top_5": sum(1 for r in judged if r["rank"] is not None and r["rank"] <= 5)}
        if self.retrieval_only:
            return counts
        return {
            **counts,
            "refused_unanswerable": sum(bool(r["refused"]) for r in rows if not r["answerable"]),
            "refused_answerable": sum(bool(r["refused"]) for r in answerable),
            "answered_citing": sum(1 for r in answerable if not r["refused"] and r["cited_sources"]),
            "citations": sum(len(r["cited_sources"]) for r in judged),
            "citations_relevant": sum(c in r["relevant_sources"] for r in judged for c in r["cited_sources"]),
            "must_mention_asked": sum(r["must_mention_asked"] for r in rows),
            "must_mention_met": sum(r["must_mention_met"] for r in rows),
            "sentences": sum(r["n_sentences"] for r in rows),
            "sentences_unsupported": sum(r["n_unsupported"] for r in rows),
        }

    def metrics(self) -> dict[str, Any]:
        rows = self.per_question
        counts = self.counts()
        result: dict[str, Any] = {
            "n_questions": len(rows),
            "retrieval": self._retrieval(rows),
            "retrieval_by_lang": {lang: self._retrieval([r for r in rows if r["lang"] == lang])
                                  for lang in sorted({r["lang"] for r in rows})},
            "answers": None if self.retrieval_only else {
                "refusal_accuracy": _share(counts["refused_unanswerable"], counts["unanswerable"]),
                "false_refusal_rate": _share(counts["refused_answerable"], counts["answerable"]),
                "citation_precision": _share(counts["citations_relevant"], counts["citations"]),
                "must_mention_rate": _share(counts["must_mention_met"], counts["must_mention_asked"]),
                "unsupported_sentence_rate": _share(counts["sentences_unsupported"], counts["sentences"]),
            },
            "counts": counts,
        }
        latency: dict[str, float | None] = {}
        for name in ("retrieval", "first_token", "total"):
            values = [r[f"{name}_s"] for r in rows if r.get(f"{name}_s") is not None]
            latency[f"{name}_p50_s"] = _percentile(values, 50)
            latency[f"{name}_p95_s"] = _percentile(values, 95)
        result["latency"] = latency
        return result

    def to_json(self) -> dict[str, Any]:
        return {**self.metrics(), "per_question": self.per_question}

    def table(self) -> str:
        """The metrics as aligned text, each rate beside the counts it comes from."""
        metrics, counts = self.metrics(), self.counts()

        def value(number: float | None) -> str:
            return "n/a" if number is None else f"{number:.3f}"

        lines = [f"{metrics['n_questions']} questions: {counts['answerable']} answerable "
                 f"({counts['with_relevant_sources']} with relevant sources), {counts['unanswerable']} unanswerable",
                 "", "retrieval"]
        retrieval = metrics["retrieval"]
        lines.append(f"  {'recall_at_5':<27}{value(retrieval['recall_at_5']):>7}   "
                     f"{counts['relevant_in_top_5']} of {counts['with_relevant_sources']} questions")
        lines.append(f"  {'mrr':<27}{value(retrieval['mrr']):>7}")
        for lang, scores in metrics["retrieval_by_lang"].items():
            lines.append(f"  {f'recall_at_5 / mrr ({lang})':<27}{value(scores['recall_at_5']):>7} / "
                         f"{value(scores['mrr'])}")
        if metrics["answers"] is not None:
            answers = metrics["answers"]
            basis = {
                "refusal_accuracy": f"{counts['refused_unanswerable']} of {counts['unanswerable']} unanswerable refused",
                "false_refusal_rate": f"{counts['refused_answerable']} of {counts['answerable']} answerable refused",
                "citation_precision": f"{counts['citations_relevant']} of {counts['citations']} citations",
                "must_mention_rate": f"{counts['must_mention_met']} of {counts['must_mention_asked']} groups",
                "unsupported_sentence_rate": f"{counts['sentences_unsupported']} of {counts['sentences']} sentences",
            }
            lines += ["", "answers"]
            lines += [f"  {name:<27}{value(answers[name]):>7}   {basis[name]}" for name in answers]
        latency = metrics["latency"]
        lines += ["", f"{'latency (seconds)':<29}{'p50':>7} {'p95':>7}"]
        for name in ("retrieval", "first_token", "total"):
            lines.append(f"  {name.replace('_', ' '):<27}{value(latency[f'{name}_p50_s']):>7} "
                         f"{value(latency[f'{name}_p95_s']):>7}")
        return "\n".join(lines)


def evaluate_question(question: Question, pipeline: Any, *, retrieval_only: bool = False, k: int = 10) -> dict[str, Any]:
    """One question through ``pipeline.retriever`` (ranked to depth k) and, unless retrieval_only,
    ``pipeline.ask``; returns its per-question row."""
    result = pipeline.retriever.run(question.question, k=k)
    row = retrieval_fields(question, [p.source_id for p in result.passages], result.seconds)
    if not retrieval_only:
        row.update(our_answer_fields(question, pipeline.ask(question.question)))
    return row


def run_eval(questions: list[Question], settings: Settings, *, retrieval_only: bool = False,
             show_progress: bool = False, pipeline: Any | None = None, k: int = 10) -> EvalReport:
    """Run every question through retrieval and, unless retrieval_only, the answer pipeline.

    A tqdm bar when ``show_progress``; otherwise, when answering (minutes per dozen questions), a
    line per answer on stderr so a log shows the run is alive."""
    from tqdm import tqdm

    too_long = [q.id for q in questions if len(q.question) > settings.max_question_chars]
    if too_long:
        raise QuestionFileError(f"questions longer than {settings.max_question_chars} characters: "
                                f"{', '.join(too_long)}")
    if pipeline is None:
        from assistant.answer import AnswerPipeline
        from assistant.index import Library

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
