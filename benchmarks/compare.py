#!/usr/bin/env python
"""Comparing jurisdictions side by side (assistant.compare) with the default model: how soon each
part of a five-jurisdiction comparison appears, and whether its rows cite the right documents and
refuse where the library has nothing on point. Rewrites the "Compare" section of RESULTS.md.

    python benchmarks/compare.py [--questions tests/eval/compare_questions.jsonl] [--json OUT]

Each line of the question file names the jurisdictions to compare and, for each, the expected
outcome, read from what corpus/*.md say: answerable (with the documents a row may cite) or a
refusal. The rows run in one process on one llama.cpp context, one comparison after another,
as `copyright-assistant compare` runs them. One untimed chat question goes first to fill
llama.cpp's cache of the static prompt prefix, as a user's first chat question would.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# First: importing the retrieval benchmark puts the repository on sys.path and sets the offline environment.
from retrieval import QUESTIONS, RESULTS, corpus_library, mark, settings_for

import numpy as np  # noqa: E402

from _report import REPO, load_average, machine, shown, write_section  # noqa: E402
from assistant.pipeline import AnswerPipeline  # noqa: E402
from assistant.compare import CompareRow, Comparison  # noqa: E402
from assistant.eval_questions import load_questions  # noqa: E402
from assistant.llms import load_chat_model  # noqa: E402

SECTION = "## Compare (benchmarks/compare.py)"
COMPARE_QUESTIONS = REPO / "tests" / "eval" / "compare_questions.jsonl"
TARGETS = {"first_passages_s": 1.0, "all_rows_s": 60.0}


@dataclass
class Run:
    """One comparison: its question, expectations, rows and when each part appeared."""

    id: str
    topic: str
    question: str
    jurisdictions: list[str]
    expected: dict[str, dict[str, Any]]
    first_passages_s: float = 0.0
    all_passages_s: float = 0.0
    all_rows_s: float = 0.0
    row_s: dict[str, float] = field(default_factory=dict)  # model rows: time from the previous row event
    rows: dict[str, CompareRow] = field(default_factory=dict)


def load(path: Path) -> list[Run]:
    """The comparison questions (JSON Lines)."""
    runs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            runs.append(Run(item["id"], item["topic"], item["question"], item["jurisdictions"], item["expected"]))
    return runs


def compare(comparison: Comparison, run: Run) -> None:
    """Run one comparison, noting when the first and last passages and each row arrived."""
    started = time.perf_counter()
    last = started
    for event in comparison.stream(run.question, run.jurisdictions):
        now = time.perf_counter()
        if event.kind == "passages":
            run.first_passages_s = run.first_passages_s or now - started
            run.all_passages_s = now - started
        else:
            run.rows[event.row.jurisdiction] = event.row
            if event.row.refusal_reason != "not_covered":
                run.row_s[event.row.jurisdiction] = now - last
        last = now
    run.all_rows_s = time.perf_counter() - started


def lscpu() -> str:
    """The CPU as lscpu names it, with its family/model and whether it has AVX-512."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown (lscpu unavailable)"
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    get = lambda key: fields.get(key, "?").strip()  # noqa: E731
    avx = "AVX-512" if "avx512f" in get("Flags").split() else "AVX2" if "avx2" in get("Flags").split() else "no AVX2"
    return (f"{get('Model name')}, family {get('CPU family')} model {get('Model')}, {get('CPU(s)')} CPUs, {avx}, "
            f"{get('Hypervisor vendor')} guest" if "Hypervisor vendor" in fields else f"{get('Model name')}, {avx}")


def score(runs: list[Run], jurisdiction_of: dict[str, str]) -> dict[str, Any]:
    """Row outcomes against the expectations, and citation precision per row and overall."""
    counts = {"answerable": 0, "answerable_refused": 0, "refusal": 0, "refusal_refused": 0, "citations": 0,
              "precise": 0, "answered_rows": 0, "rows_all_precise": 0, "citations_when_refusal_expected": 0,
              "citations_other_jurisdiction": 0, "refused_by_gate": 0}
    for run in runs:
        for code, row in run.rows.items():
            expected = run.expected[code]
            counts["refused_by_gate"] += row.refusal_reason == "not_covered"
            counts["citations_other_jurisdiction"] += sum(jurisdiction_of.get(c.source_id) != code for c in row.citations)
            if not expected["answerable"]:
                counts["refusal"] += 1
                counts["refusal_refused"] += row.refused
                counts["citations_when_refusal_expected"] += len(row.citations)
                continue
            counts["answerable"] += 1
            counts["answerable_refused"] += row.refused
            if row.refused:
                continue
            acceptable = set(expected["acceptable_sources"])
            precise = sum(c.source_id in acceptable for c in row.citations)
            counts["citations"] += len(row.citations)
            counts["precise"] += precise
            counts["answered_rows"] += 1
            counts["rows_all_precise"] += precise == len(row.citations)
    rate = lambda a, b: counts[a] / counts[b] if counts[b] else None  # noqa: E731
    return {"counts": counts,
            "refusal_accuracy": rate("refusal_refused", "refusal"),
            "false_refusal_rate": rate("answerable_refused", "answerable"),
            "citation_precision": rate("precise", "citations"),
            "rows_all_citations_precise": rate("rows_all_precise", "answered_rows")}


def pct(values: list[float]) -> str:
    """p50 / p95 / max of durations in seconds."""
    if not values:
        return "n/a"
    return (f"{np.percentile(values, 50):.2f} / {np.percentile(values, 95):.2f} / {max(values):.2f}")


def render(info: dict[str, str], cpu: str, loads: tuple[str, str], path: Path, load_s: float, warmup_s: float,
           runs: list[Run], scores: dict[str, Any]) -> str:
    """The markdown section."""
    counts = scores["counts"]
    first = [r.first_passages_s for r in runs]
    rows_s = [r.all_rows_s for r in runs]
    model_rows = [s for r in runs for s in r.row_s.values()]

    def fraction(key: str, num: str, den: str) -> str:
        value = scores[key]
        return f"{value:.3f} ({counts[num]}/{counts[den]})" if value is not None else "n/a"

    lines = [SECTION, "",
             f"Run {info['date']} on {info['cores']} cores ({cpu}; {info['memory']}), commit {info['commit']}. "
             f"Load average {loads[0]} at start, {loads[1]} at the end. Default model through llama.cpp, "
             f"{len(runs)} comparisons of five jurisdictions each from {shown(path)} "
             f"({sum(len(r.jurisdictions) for r in runs)} rows), one after another in one process; model load "
             f"{load_s:.1f} s, then one untimed chat question ({warmup_s:.1f} s) to fill the prompt-prefix cache.", "",
             "| measurement (per five-jurisdiction comparison) | p50 / p95 / max s | target |", "|---|---|---|",
             f"| first row's passages on screen (question → first `passages` event) | {pct(first)} "
             f"| ≤ {TARGETS['first_passages_s']:.0f} s {mark(max(first) <= TARGETS['first_passages_s'])} |",
             f"| all rows' passages (retrieval and highlight, no model) | {pct([r.all_passages_s for r in runs])} | |",
             f"| all rows final (every model row written and verified) | {pct(rows_s)} "
             f"| ≤ {TARGETS['all_rows_s']:.0f} s {mark(max(rows_s) <= TARGETS['all_rows_s'])} |",
             f"| one model row (previous row event → this one) | {pct(model_rows)} | |", "",
             "| row quality | value |", "|---|---|",
             f"| refusal accuracy (rows the library has nothing on, refused) | {fraction('refusal_accuracy', 'refusal_refused', 'refusal')} |",
             f"| false refusals (answerable rows refused) | {fraction('false_refusal_rate', 'answerable_refused', 'answerable')} |",
             f"| citation precision (citations of answered, answerable rows to an acceptable document) | "
             f"{fraction('citation_precision', 'precise', 'citations')} |",
             f"| answered rows whose every citation is acceptable | "
             f"{fraction('rows_all_citations_precise', 'rows_all_precise', 'answered_rows')} |",
             f"| citations in rows that should have been refused | {counts['citations_when_refusal_expected']} |",
             f"| citations to another jurisdiction's document | {counts['citations_other_jurisdiction']} |",
             f"| rows refused by the coverage gate (no model call) | {counts['refused_by_gate']} |", "",
             "| question | topic | first passages s | all rows s | rows (✓ answered as expected, ✗ wrong outcome; "
             "R refused) |", "|---|---|---|---|---|"]
    for run in runs:
        cells = []
        for code in run.jurisdictions:
            row = run.rows.get(code)
            if row is None:
                cells.append(f"{code} –")
                continue
            expected = run.expected[code]["answerable"]
            ok = (not row.refused) == expected
            if ok and not row.refused:
                acceptable = set(run.expected[code]["acceptable_sources"])
                ok = all(c.source_id in acceptable for c in row.citations)
            cells.append(f"{code} {'R' if row.refused else 'A'}{'✓' if ok else '✗'}")
        lines.append(f"| {run.id} | {run.topic} | {run.first_passages_s:.2f} | {run.all_rows_s:.1f} | {' '.join(cells)} |")
    lines += ["", "A row is answered (A) or refused (R); ✓ when that is the expected outcome and, for an answered "
              "row, every citation is to a document the question file accepts for that jurisdiction. Rows refused "
              "by the gate are final as soon as the passages are shown; the others take one model call each."]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, run every comparison, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=COMPARE_QUESTIONS, help="comparison question file")
    parser.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / ".cache",
                        help="where the curated index is kept (shared with retrieval.py)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="markdown file to update")
    parser.add_argument("--json", type=Path, help="also write every row and timing here")
    args = parser.parse_args()

    info, cpu, load_start = machine(), lscpu(), load_average()
    runs = load(args.questions)
    library = corpus_library(args.cache / "corpus", fresh=False).library
    settings = settings_for(library.settings.data_dir).model_copy(update={"llm": "default"})
    pipeline = AnswerPipeline.from_settings(settings, library)
    started = time.perf_counter()
    load_chat_model("default", settings)
    load_s = time.perf_counter() - started
    warmup = next(q for q in load_questions(QUESTIONS) if q.answerable)
    started = time.perf_counter()
    pipeline.ask(warmup.question)
    warmup_s = time.perf_counter() - started

    comparison = Comparison(pipeline)
    for run in runs:
        compare(comparison, run)
        outcome = " ".join(f"{c}:{'R' if r.refused else 'A'}" for c, r in run.rows.items())
        print(f"{run.id}: first passages {run.first_passages_s:.2f} s, all rows {run.all_rows_s:.1f} s; {outcome}",
              file=sys.stderr)
    jurisdiction_of = {sid: entry["meta"]["jurisdiction"] for sid, entry in library.documents().items()}
    scores = score(runs, jurisdiction_of)
    section = render(info, cpu, (load_start, load_average()), args.questions, load_s, warmup_s, runs, scores)
    write_section(args.results, section)
    print(section)
    if args.json:
        args.json.write_text(json.dumps({
            "scores": scores,
            "runs": [{"id": r.id, "question": r.question, "first_passages_s": r.first_passages_s,
                      "all_passages_s": r.all_passages_s, "all_rows_s": r.all_rows_s, "row_s": r.row_s,
                      "rows": [r.rows[c].to_json() for c in r.jurisdictions if c in r.rows]} for r in runs],
        }, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"(written to {shown(args.results)})", file=sys.stderr)


if __name__ == "__main__":
    main()
