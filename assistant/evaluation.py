"""`copyright-assistant eval`: score retrieval and answers on a question file (JSON Lines).

Metric definitions are those of INTERFACE.md; they are computed here and nowhere else, so the
benchmarks and the tests measure the same thing.
"""

from __future__ import annotations

import json
import sys
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from assistant.config import Settings


class QuestionFileError(ValueError):
    """The question file is missing or a line is malformed (message names the line)."""


class Question(BaseModel):
    id: str
    question: str = Field(min_length=1)
    answerable: bool = True
    relevant_sources: list[str] = Field(default_factory=list)
    must_mention: list[list[str]] = Field(default_factory=list)
    lang: str | None = None


def load_questions(path: Path) -> list[Question]:
    if not path.is_file():
        raise QuestionFileError(f"question file not found: {path}")
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            questions.append(Question.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as error:
            first = str(error).splitlines()[0]
            raise QuestionFileError(f"{path}:{number}: not a valid question line ({first})") from None
    if not questions:
        raise QuestionFileError(f"{path}: no questions")
    return questions


def mentions_met(answer: str, groups: list[list[str]]) -> int:
    text = answer.lower()
    return sum(any(option.lower() in text for option in group) for group in groups)


def first_relevant_rank(sources: list[str], relevant: list[str]) -> int | None:
    for rank, source in enumerate(sources, 1):
        if source in relevant:
            return rank
    return None


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def _share(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


@dataclass
class EvalReport:
    questions: list[Question]
    per_question: list[dict[str, Any]] = field(default_factory=list)
    retrieval_only: bool = False

    def _retrieval(self, subset: list[dict[str, Any]]) -> dict[str, float | None]:
        answerable = [r for r in subset if r["answerable"] and r["relevant_sources"]]
        recall = sum(1 for r in answerable if r["rank"] is not None and r["rank"] <= 5)
        reciprocal = sum(1.0 / r["rank"] for r in answerable if r["rank"] is not None)
        return {"recall_at_5": _share(recall, len(answerable)), "mrr": _share(reciprocal, len(answerable))}

    def metrics(self) -> dict[str, Any]:
        rows = self.per_question
        result: dict[str, Any] = {
            "n_questions": len(rows),
            "retrieval": self._retrieval(rows),
            "retrieval_by_lang": {
                lang: self._retrieval([r for r in rows if r["lang"] == lang])
                for lang in sorted({r["lang"] for r in rows})
            },
        }
        latency: dict[str, float | None] = {"retrieval_p50_s": _median([r["retrieval_s"] for r in rows]),
                                             "first_token_p50_s": None, "total_p50_s": None}
        if self.retrieval_only:
            result["answers"] = None
        else:
            answerable = [r for r in rows if r["answerable"]]
            unanswerable = [r for r in rows if not r["answerable"]]
            citations = [c for r in answerable for c in r["cited_sources"]]
            precise = sum(1 for r in answerable for c in r["cited_sources"] if c in r["relevant_sources"])
            statements = sum(r["n_statements"] for r in rows)
            unsupported = sum(r["n_unsupported"] for r in rows)
            result["answers"] = {
                "refusal_accuracy": _share(sum(r["refused"] for r in unanswerable), len(unanswerable)),
                "false_refusal_rate": _share(sum(r["refused"] for r in answerable), len(answerable)),
                "citation_precision": _share(precise, len(citations)),
                "must_mention_rate": _share(sum(r["must_mention_met"] for r in rows),
                                            sum(r["must_mention_asked"] for r in rows)),
                "unsupported_sentence_rate": _share(unsupported, statements),
            }
            latency["first_token_p50_s"] = _median([r["first_token_s"] for r in rows if r["first_token_s"]])
            latency["total_p50_s"] = _median([r["total_s"] for r in rows if r["total_s"]])
        result["latency"] = latency
        return result

    def to_json(self) -> dict[str, Any]:
        return {**self.metrics(), "per_question": self.per_question}

    def table(self) -> str:
        metrics = self.metrics()
        lines = [f"questions: {metrics['n_questions']}"]
        sections = {"retrieval": metrics["retrieval"], "answers": metrics["answers"] or {},
                    "latency": metrics["latency"]}
        for lang, values in metrics["retrieval_by_lang"].items():
            sections[f"retrieval ({lang})"] = values
        for title, values in sections.items():
            for name, value in values.items():
                shown = "n/a" if value is None else f"{value:.3f}"
                lines.append(f"{title:<16} {name:<26} {shown:>8}")
        return "\n".join(lines)


def run_eval(questions: list[Question], settings: Settings, *, retrieval_only: bool = False,
             show_progress: bool = False, pipeline: Any | None = None, k: int = 10) -> EvalReport:
    """Run every question through retrieval and, unless retrieval_only, the answer pipeline."""
    from tqdm import tqdm

    from assistant.answer import AnswerPipeline
    from assistant.glossary import has_chinese
    from assistant.index import Library

    pipeline = pipeline or AnswerPipeline.from_settings(settings, Library(settings))
    report = EvalReport(questions, retrieval_only=retrieval_only)
    for question in tqdm(questions, desc="eval", unit="q", disable=not show_progress):
        result = pipeline.retriever.run(question.question, k=k)
        sources = [p.source_id for p in result.passages]
        row: dict[str, Any] = {
            "id": question.id,
            "lang": question.lang or ("zh" if has_chinese(question.question) else "en"),
            "answerable": question.answerable,
            "relevant_sources": question.relevant_sources,
            "retrieved_sources": sources,
            "rank": first_relevant_rank(sources, question.relevant_sources),
            "retrieval_s": round(result.seconds, 4),
            "must_mention_asked": len(question.must_mention),
            "refused": None,
            "cited_sources": None,
            "must_mention_met": None,
            "answer": None,
        }
        if not retrieval_only:
            answer = pipeline.ask(question.question)
            row.update(
                refused=answer.refused,
                refusal_reason=answer.refusal_reason,
                cited_sources=[c.source_id for c in answer.citations],
                must_mention_met=mentions_met(answer.answer, question.must_mention),
                answer=answer.answer,
                model_text=answer.model_text,
                evidence=[f"{p.source_id} {p.locator}" for p in answer.evidence],
                n_statements=len(answer.statements),
                n_unsupported=sum(1 for s in answer.statements if not s.supported),
                first_token_s=answer.timings.get("first_token_s"),
                total_s=answer.timings.get("total_s"),
            )
        report.per_question.append(row)
        if not show_progress and not retrieval_only:  # a log line per answer when no bar is shown
            print(f"eval {len(report.per_question)}/{len(questions)} {question.id}: "
                  f"{'refused' if row['refused'] else 'answered'} in {row['total_s'] or 0:.1f}s",
                  file=sys.stderr, flush=True)
    return report
