#!/usr/bin/env python
"""Soak: many questions in a row through the real answer pipeline and the real default model, with
this process's resident memory (RSS) read after every answer. Draws the curve to
benchmarks/soak.png and rewrites the "Soak" section of benchmarks/RESULTS.md.

    python benchmarks/soak.py [--questions 200] [--distinct 20] [--repeats 5] [--max-tokens 12]

``--distinct`` dev questions (tests/eval/questions.jsonl in a fixed shuffled order) are asked in
a loop, each ``--repeats`` times running; a follow-up question gets the previous exchange as its
history, as in the web chat. With the defaults the loop runs twice, and the second pass asks
exactly what the first asked, in the same order: every allocation the inputs need has been made
once already, so memory that still grows in the second pass is a leak, not a new high-water mark
(a first pass over new questions does climb in steps, as longer evidence and new tokens come up).

Unanswerable questions are refused by the coverage gate without the model; every other one runs
the whole pipeline (condense, hybrid retrieval, gate, evidence, the model, citation checking). Two
things keep 200 questions to about ten minutes rather than the ~40 minutes of full answers on 2
cores: the model's reply is cut at ``--max-tokens``, and a question asked again finds its whole
prompt in llama.cpp's cache, so only the first asking pays for reading the sources (40–90 tokens/s).
The answers themselves are not judged here (benchmarks/quality.py does that).

The web soak (benchmarks/web_soak.py, and its bounded version tests/test_web_soak.py in
``make test``) runs the same kind of loop through the real server, where the memory that matters
is held.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# First: importing the retrieval benchmark puts the repository on sys.path and sets the offline environment.
from retrieval import QUESTIONS, RESULTS, corpus_library

import psutil  # noqa: E402

from _report import load_average, machine, shown, write_section  # noqa: E402
from assistant.pipeline import AnswerPipeline  # noqa: E402

SECTION = "## Soak (benchmarks/soak.py)"
PLOT = Path(__file__).resolve().parent / "soak.png"
GROWTH_LIMIT_MB = 50.0  # what "levels off" means: the second half grows less than this (or 5 %)


@dataclass(frozen=True)
class SoakQuestion:
    id: str
    text: str
    follow_up: bool  # asked with the previous exchange as history


def load_soak_questions(path: Path = QUESTIONS, seed: int = 8) -> list[SoakQuestion]:
    """The dev questions in a fixed shuffled order, so that the file's blocks (one case, then the
    unanswerable ones at the end) are mixed within any stretch; "kind" marks the follow-ups."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    random.Random(seed).shuffle(lines)
    return [SoakQuestion(q["id"], q["question"], q.get("kind") in ("follow-up", "followup")) for q in lines]


@dataclass
class Sample:
    n: int
    question_id: str
    repeat: bool  # asked again right after itself (its prompt is in llama.cpp's cache)
    refusal: str | None  # None: answered; "not_covered": refused by the gate, before the model
    seconds: float
    rss_mb: float


def bounded(pipeline: AnswerPipeline, max_tokens: int) -> AnswerPipeline:
    """The pipeline with every model reply cut at ``max_tokens`` (llama.cpp's own parameter,
    bound to the chat model), so a soak of hundreds of questions fits in minutes."""
    load = pipeline.llm
    pipeline.llm = lambda: load().bind(max_tokens=max_tokens)
    return pipeline


def run_soak(pipeline: AnswerPipeline, questions: list[SoakQuestion], count: int, repeats: int = 5,
             progress: Callable[[Sample], None] | None = None) -> list[Sample]:
    """Ask ``count`` questions in a row, looping over ``questions``, each ``repeats`` times running
    (as a user who asks again); the RSS of this process after each answer. A repeat runs every step
    again, but llama.cpp finds the whole prompt in its cache and only writes the reply. Each pass
    over the list starts a fresh conversation, so every pass asks exactly the same."""
    process = psutil.Process()
    samples: list[Sample] = []
    previous: tuple[str, str] | None = None
    for n in range(1, count + 1):
        question = questions[(n - 1) // repeats % len(questions)]
        if (n - 1) % (repeats * len(questions)) == 0:
            previous = None
        if (n - 1) % repeats == 0:
            history = [previous] if question.follow_up and previous else []
        started = time.perf_counter()
        answer = pipeline.ask(question.text, history)
        seconds = time.perf_counter() - started
        if n % repeats == 0:
            previous = (question.text, answer.answer)
        refusal = (answer.refusal_reason or "refused") if answer.refused else None
        samples.append(Sample(n, question.id, (n - 1) % repeats > 0, refusal, seconds,
                              process.memory_info().rss / 2**20))
        if progress is not None:
            progress(samples[-1])
    return samples


def summary(samples: list[Sample]) -> dict[str, float]:
    """RSS at the start, halfway and the end, and how much the second half (with the defaults, the
    second pass) grew above its start."""
    rss = [s.rss_mb for s in samples]
    half = len(rss) // 2
    first = [s.seconds for s in samples if s.refusal != "not_covered" and not s.repeat]
    again = [s.seconds for s in samples if s.refusal != "not_covered" and s.repeat]
    gated = [s.seconds for s in samples if s.refusal == "not_covered"]
    return {
        "questions": len(samples),
        "gated": len(gated),
        "refused_after_model": sum(1 for s in samples if s.refusal not in (None, "not_covered")),
        "rss_first_mb": rss[0],
        "rss_half_mb": rss[half - 1],
        "rss_end_mb": rss[-1],
        "rss_peak_mb": max(rss),
        "late_growth_mb": max(rss[half:]) - rss[half - 1],
        "seconds": sum(s.seconds for s in samples),
        "first_p50_s": statistics.median(first) if first else 0.0,
        "repeat_p50_s": statistics.median(again) if again else 0.0,
        "gated_p50_s": statistics.median(gated) if gated else 0.0,
    }


def levels_off(result: dict[str, float]) -> bool:
    """The pass mark: the second half repeats the first, so it must stay nearly flat; the first
    holds the one-off costs (model pages faulted in, caches, allocator pools, high-water marks)."""
    return result["late_growth_mb"] < max(GROWTH_LIMIT_MB, 0.05 * result["rss_half_mb"])


def plot(samples: list[Sample], path: Path, max_tokens: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 3.6), dpi=110)
    axis.plot([s.n for s in samples], [s.rss_mb for s in samples], color="#1f6feb", linewidth=1.6)
    gated = [s for s in samples if s.refusal == "not_covered"]
    axis.scatter([s.n for s in gated], [s.rss_mb for s in gated], s=8, color="#d29922",
                 label="refused by the coverage gate (no model call)", zorder=3)
    half = len(samples) // 2
    axis.axvline(half, color="grey", linestyle=":", linewidth=1)
    axis.annotate("second half", (half, 0.04), xycoords=("data", "axes fraction"), xytext=(4, 0),
                  textcoords="offset points", fontsize=8, color="grey")
    axis.set_xlabel("question")
    axis.set_ylabel("resident memory (MB)")
    axis.set_title(f"Soak: {len(samples)} questions through the real pipeline (replies cut at {max_tokens} tokens)",
                   fontsize=10)
    axis.legend(loc="lower right", fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def render(info: dict[str, str], loads: tuple[str, str], result: dict[str, float], max_tokens: int,
           distinct: int, repeats: int, plot_path: Path) -> str:
    ok = "✅" if levels_off(result) else "❌"
    limit = max(GROWTH_LIMIT_MB, 0.05 * result["rss_half_mb"])
    return "\n".join([
        SECTION, "",
        f"Run {info['date']} on {info['cores']} cores ({info['cpu']}, {info['memory']}), commit {info['commit']}. "
        f"Load average {loads[0]} at start, {loads[1]} at the end.", "",
        f"{result['questions']:.0f} questions in a row through `AnswerPipeline` with the default model: {distinct} "
        f"dev questions (tests/eval/questions.jsonl, shuffled), each asked {repeats} times running, in a loop "
        f"(follow-ups with the previous exchange as history); replies cut at {max_tokens} tokens; resident "
        f"memory of the process after each answer. "
        f"{result['gated']:.0f} were refused by the coverage gate without a model call; the model read the "
        f"other {result['questions'] - result['gated']:.0f} ({result['refused_after_model']:.0f} of them ended "
        "refused, which the cut replies make more likely).", "",
        "| measurement | value |", "|---|---|",
        f"| RSS after question 1 | {result['rss_first_mb']:.0f} MB |",
        f"| RSS after question {result['questions'] // 2:.0f} | {result['rss_half_mb']:.0f} MB |",
        f"| RSS after question {result['questions']:.0f} | {result['rss_end_mb']:.0f} MB |",
        f"| peak RSS | {result['rss_peak_mb']:.0f} MB |",
        f"| growth over the second half (its peak − halfway) | {result['late_growth_mb']:+.1f} MB "
        f"(limit {limit:.0f} MB) {ok} |",
        f"| total time | {result['seconds'] / 60:.1f} min |",
        f"| per question, p50: first asking / asked again / refused by the gate | {result['first_p50_s']:.1f} s / "
        f"{result['repeat_p50_s']:.1f} s / {result['gated_p50_s']:.2f} s |",
        "", f"![RSS per question]({plot_path.name})", "",
    ])


def main() -> None:
    """Run the soak on the benchmark's curated index, plot it and update RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=200, help="how many questions to ask in a row")
    parser.add_argument("--distinct", type=int, default=20, help="how many dev questions the loop goes over")
    parser.add_argument("--repeats", type=int, default=5, help="how many times running each question is asked")
    parser.add_argument("--max-tokens", type=int, default=12, help="where each model reply is cut")
    parser.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / ".cache",
                        help="where the curated index (corpus/) is kept")
    parser.add_argument("--results", type=Path, default=RESULTS, help="markdown file to update")
    parser.add_argument("--plot", type=Path, default=PLOT, help="where to draw the RSS curve")
    args = parser.parse_args()

    info, load_start = machine(), load_average()
    library = corpus_library(args.cache / "corpus", fresh=False).library
    pipeline = bounded(AnswerPipeline.from_settings(library.settings, library), args.max_tokens)

    def show(sample: Sample) -> None:
        print(f"{sample.n:4d} {sample.question_id:>4}{'+' if sample.repeat else ' '} {sample.refusal or 'answered':>14} "
              f"{sample.seconds:6.1f} s  RSS {sample.rss_mb:7.1f} MB", flush=True)

    samples = run_soak(pipeline, load_soak_questions()[: args.distinct], args.questions, args.repeats, show)
    result = summary(samples)
    plot(samples, args.plot, args.max_tokens)
    section = render(info, (load_start, load_average()), result, args.max_tokens, args.distinct, args.repeats,
                     args.plot)
    write_section(args.results, section)
    print(section)
    print(f"(written to {shown(args.results)} and {shown(args.plot)})")


if __name__ == "__main__":
    main()
