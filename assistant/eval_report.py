"""The metrics of an eval run, computed from its per-question rows (definitions: INTERFACE.md and
the docstring of ``assistant.evaluation``), and the table the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


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
        for name in ("retrieval", "first_token", "total", "check"):
            values = [r[f"{name}_s"] for r in rows if r.get(f"{name}_s") is not None]
            latency[f"{name}_p50_s"] = _percentile(values, 50)
            latency[f"{name}_p95_s"] = _percentile(values, 95)
        result["latency"] = latency
        if not self.retrieval_only:
            result["answered_from"] = self._by_origin(rows)
        return result

    @staticmethod
    def _by_origin(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Answers by where they came from (``model``, ``card``, ``card+model``, ``quote``, ``none``
        for a refusal): how many, their share of fact questions, must_mention rate and latency, so the
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
        for name in ("retrieval", "first_token", "total", "check"):
            lines.append(f"  {name.replace('_', ' '):<27}{value(latency[f'{name}_p50_s']):>7} "
                         f"{value(latency[f'{name}_p95_s']):>7}")
        return "\n".join(lines)
