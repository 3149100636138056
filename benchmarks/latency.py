#!/usr/bin/env python
"""Latency of an answer with the default model on this machine: retrieval, first token and total
time (p50/p95) and generation speed in tokens/s, on a fixed sample of answerable questions.
Rewrites the "Latency" section of benchmarks/RESULTS.md.

    python benchmarks/latency.py [--n 12] [--questions FILE]

The sample is n answerable questions spread evenly over the file, so reruns time the same
questions. One untimed question goes first: it fills llama.cpp's cache of the static prompt prefix
(system prompt and worked examples), which every later question reuses, and is reported apart as
what the first question after a start costs. Tokens are counted from the model's stream (one event
per token; a character split over two tokens arrives as one event, so Chinese text is slightly
undercounted) with a LangChain callback, which also gives when the model started reading.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

# First: importing the retrieval benchmark puts the repository on sys.path and sets the offline environment.
from retrieval import QUESTIONS, RESULTS, corpus_library, mark, settings_for

import numpy as np  # noqa: E402
from langchain_core.callbacks import BaseCallbackHandler  # noqa: E402
from tqdm import tqdm  # noqa: E402

from _report import load_average, machine, shown, write_section  # noqa: E402
from assistant.pipeline import AnswerPipeline  # noqa: E402
from assistant.eval_questions import Question, load_questions  # noqa: E402
from assistant.llms import load_chat_model  # noqa: E402
from quality import TARGETS, spread  # noqa: E402

SECTION = "## Latency (benchmarks/latency.py)"


class TokenClock(BaseCallbackHandler):
    """When the model started on a prompt and when each non-empty token arrived."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.tokens: list[float] = []

    def on_chat_model_start(self, serialized: dict[str, Any], messages: Any, **kwargs: Any) -> None:
        self.started, self.tokens = time.perf_counter(), []

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        if token:
            self.tokens.append(time.perf_counter())


def timed_answer(pipeline: AnswerPipeline, clock: TokenClock, question: Question) -> dict[str, Any]:
    """Answer one question; its timings, and the model's reading time and tokens when it was called."""
    clock.started, clock.tokens = None, []
    answer = pipeline.ask(question.question)
    row: dict[str, Any] = {"id": question.id, **answer.timings, "refusal_reason": answer.refusal_reason}
    if clock.started is not None and clock.tokens:
        row["reading_s"] = clock.tokens[0] - clock.started
        row["tokens"] = len(clock.tokens)
        row["generation_s"] = clock.tokens[-1] - clock.tokens[0]
    return row


def percentiles(values: list[float]) -> tuple[float, float] | None:
    """(p50, p95), or None for no values."""
    return (float(np.percentile(values, 50)), float(np.percentile(values, 95))) if values else None


def render(info: dict[str, str], loads: tuple[str, str], questions_path: Path, load_s: float,
           warmup: dict[str, Any], rows: list[dict[str, Any]], n_threads: int, n_ctx: int) -> str:
    """The markdown section: header, the stage table and generation speed."""
    called = [r for r in rows if "tokens" in r]
    rates = [(r["tokens"] - 1) / r["generation_s"] for r in called if r["tokens"] > 1 and r["generation_s"] > 0]
    stages = [
        ("retrieval (hybrid, with query embedding)", [r["retrieval_s"] for r in rows], None),
        ("model reading the prompt (call → first token generated)", [r["reading_s"] for r in called], None),
        ("first token (question → first answer word)",
         [r["first_token_s"] for r in rows if r["first_token_s"] is not None], "first_token_p50_s"),
        ("total (question → verified answer)", [r["total_s"] for r in rows], "total_p50_s"),
    ]
    lines = [SECTION, "",
             f"Run {info['date']} on {info['cores']} cores ({info['cpu']}, {info['memory']}), commit {info['commit']}. "
             f"Load average {loads[0]} at start, {loads[1]} at the end. Default model through llama.cpp "
             f"(n_threads={n_threads}, n_ctx={n_ctx}); {len(rows)} answerable questions spread over "
             f"{shown(questions_path)}, one after another in one process.", "",
             "| stage | p50 s | p95 s | questions | target |", "|---|---|---|---|---|"]
    for label, values, target_key in stages:
        pair = percentiles(values)
        target = ""
        if target_key and pair:
            target = f"p50 ≤ {TARGETS[target_key][1]:.0f} s {mark(pair[0] <= TARGETS[target_key][1])}"
        cells = f"{pair[0]:.2f} | {pair[1]:.2f}" if pair else "n/a | n/a"
        lines.append(f"| {label} | {cells} | {len(values)} | {target} |")
    pair = percentiles(rates)
    generated = sum(r["tokens"] - 1 for r in called)
    generating = sum(r["generation_s"] for r in called)
    lines += ["",
              f"- generation speed: p50 **{pair[0]:.1f} tokens/s** per answer (p95 {pair[1]:.1f}); overall "
              f"{generated / generating:.1f} tokens/s ({generated} tokens after the first in {generating:.1f} s); "
              f"{np.mean([r['tokens'] for r in called]):.0f} tokens per answer on average"
              if pair and generating else "- generation speed: n/a (the model was never called)",
              f"- the model answered {len(called)} of {len(rows)} questions; the others were refused before it was "
              "called (no first token)" if len(called) < len(rows) else f"- the model answered all {len(rows)}",
              f"- model load: {load_s:.1f} s; first question after the load ({warmup['id']}, untimed warm-up, "
              f"empty prompt cache): first token {warmup['first_token_s'] or 0:.1f} s, total {warmup['total_s']:.1f} s",
              "", "The first token waits for retrieval and for the model to read the prompt (the passages and the "
              "question; the static system prompt and examples come from llama.cpp's prefix cache)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, time the sample, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=12, help="answerable questions to time")
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="question file (eval format)")
    parser.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / ".cache",
                        help="where the curated index is kept (shared with retrieval.py)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="markdown file to update")
    args = parser.parse_args()

    info, load_start = machine(), load_average()
    answerable = [q for q in load_questions(args.questions) if q.answerable]
    sample = spread(answerable, args.n)
    warmup_question = next(q for q in answerable if q not in sample)
    library = corpus_library(args.cache / "corpus", fresh=False).library
    settings = settings_for(library.settings.data_dir).model_copy(update={"llm": "default"})
    pipeline = AnswerPipeline.from_settings(settings, library)
    started = time.perf_counter()
    model = load_chat_model("default", settings)
    load_s = time.perf_counter() - started
    clock = TokenClock()
    pipeline.llm = lambda: model.with_config(callbacks=[clock])

    warmup = timed_answer(pipeline, clock, warmup_question)
    rows = [timed_answer(pipeline, clock, q) for q in tqdm(sample, desc="latency", unit="q")]
    section = render(info, (load_start, load_average()), args.questions, load_s, warmup, rows,
                     settings.n_threads, settings.n_ctx)
    write_section(args.results, section)
    print(section)
    print(f"(written to {shown(args.results)})", file=sys.stderr)


if __name__ == "__main__":
    main()
