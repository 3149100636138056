#!/usr/bin/env python
"""Answer quality: our pipeline against the plain LangChain RAG recipe a user would otherwise start
from, on the same questions, with the same model, in the same run. Rewrites the "Quality" section
of benchmarks/RESULTS.md.

    python benchmarks/quality.py [--questions FILE] [--limit N] [--json OUT]

The baseline is the LangChain RAG tutorial: dense top-4 from the same Chroma collection (the
Library's own langchain_chroma.Chroma store), the passages "stuffed" into one prompt that asks for
[n] citations, the same default model; no hybrid retrieval, no coverage gate, no verification, no
refusal logic. Both systems are scored by assistant.evaluation, so the definitions are the same:

- baseline citations are its [n] markers, each mapped to the source of passage n (a number with no
  passage is a wrong citation);
- the baseline "refused" when its answer anywhere says the context does not answer
  (assistant.text.SOURCES_SILENT). That is generous to it on unanswerable questions; on
  answerable ones a hedge such as "the context does not give the date, but …" counts as a refusal;
- its unsupported sentences are judged by our CitationChecker against the passages it was given,
  exactly as ours are;
- recall@5 and MRR read its dense ranking to depth 10, as ours is read; the model sees the top 4.

Questions are interleaved (ours, then the baseline, for each question) so background load hits
both alike. Each system has its own llama.cpp context over the same memory-mapped GGUF file (same
weights, same settings): sharing one context would make each evict the other's cached prompt
prefix, costing ours seconds of first-token time per question that it never pays in use.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

# First: importing the retrieval benchmark puts the repository on sys.path and sets the offline environment.
from retrieval import QUESTIONS, RESULTS, corpus_library, mark, settings_for

import numpy as np  # noqa: E402
from langchain_core.language_models import BaseChatModel  # noqa: E402
from langchain_core.output_parsers import StrOutputParser  # noqa: E402
from langchain_core.prompts import ChatPromptTemplate  # noqa: E402
from langchain_core.vectorstores import VectorStore  # noqa: E402
from tqdm import tqdm  # noqa: E402

from _report import load_average, machine, shown, write_section  # noqa: E402
from assistant.pipeline import AnswerPipeline  # noqa: E402
from assistant.citations import CitationChecker, split_statements  # noqa: E402
from assistant.eval_questions import Question, load_questions  # noqa: E402
from assistant.eval_report import EvalReport  # noqa: E402
from assistant.evaluation import answer_fields, evaluate_question, retrieval_fields  # noqa: E402
from assistant.text import says_sources_silent  # noqa: E402
from assistant.llms import LlamaCppChat, load_chat_model  # noqa: E402

SECTION = "## Quality: ours vs. a plain LangChain RAG (benchmarks/quality.py)"
BASELINE_K = 4
DEPTH = 10
# The targets of issue 7: ("min", x) means at least x, ("max", x) at most x.
TARGETS: dict[str, tuple[str, float]] = {
    "recall_at_5": ("min", 0.95), "mrr": ("min", 0.85), "refusal_accuracy": ("min", 0.9),
    "false_refusal_rate": ("max", 0.1), "citation_precision": ("min", 0.9), "must_mention_rate": ("min", 0.7),
    "unsupported_sentence_rate": ("max", 0.05), "first_token_p50_s": ("max", 5.0), "total_p50_s": ("max", 20.0),
}
# The prompt of LangChain's RAG tutorial (hub "rlm/rag-prompt"), asked to cite as our UI does.
BASELINE_PROMPT = ChatPromptTemplate.from_messages([
    ("system", "You are an assistant for question-answering tasks. Use the following pieces of retrieved context "
               "to answer the question. If you don't know the answer, just say that you don't know. Use three "
               "sentences maximum and keep the answer concise. Cite the context you use as [n], the number of "
               "its passage.\n\nContext:\n{context}"),
    ("human", "{question}"),
])


class LangChainBaseline:
    """Dense top-k, stuffed prompt, one model call: the recipe, scored like ours."""

    def __init__(self, store: VectorStore, llm: BaseChatModel, checker: CitationChecker, k: int = BASELINE_K) -> None:
        self.store = store
        self.chain = BASELINE_PROMPT | llm | StrOutputParser()
        self.checker = checker
        self.k = k

    def row(self, question: Question) -> dict[str, Any]:
        """Answer one question; return its per-question row in the format of ``eval --json``."""
        started = time.perf_counter()
        ranked = self.store.similarity_search(question.question, k=DEPTH)
        retrieval_s = time.perf_counter() - started
        passages = ranked[: self.k]
        context = "\n\n".join(f"[{n}] {doc.page_content}" for n, doc in enumerate(passages, 1))
        pieces: list[str] = []
        first_token_s = None
        for piece in self.chain.stream({"context": context, "question": question.question}):
            if piece and first_token_s is None:
                first_token_s = time.perf_counter() - started
            pieces.append(piece)
        total_s = time.perf_counter() - started
        text = "".join(pieces).strip()

        numbers = list(dict.fromkeys(n for s in split_statements(text) for n in s.model_cited))
        cited = [passages[n - 1].metadata["source_id"] if 1 <= n <= len(passages) else f"(no passage [{n}])"
                 for n in numbers]
        statements = self.checker.run(text, [doc.page_content for doc in passages], question.question)
        claims = [s for s in statements if not says_sources_silent(s.text)]
        row = retrieval_fields(question, [doc.metadata["source_id"] for doc in ranked], retrieval_s)
        row.update(answer_fields(question, answer=text, refused=not text or says_sources_silent(text), cited_sources=cited,
                                 sentences_supported=[s.supported for s in claims], first_token_s=first_token_s,
                                 total_s=total_s))
        row["passages"] = [f"{doc.metadata['source_id']} {doc.metadata.get('locator', '')}" for doc in passages]
        return row


def own_context(model: LlamaCppChat) -> LlamaCppChat:
    """A second llama.cpp context over the same GGUF file and settings (the weights are mmapped, so
    they are shared; only the context memory is new)."""
    fields = model.model_dump(include={"model_path", "n_ctx", "n_threads", "temperature", "max_tokens"})
    return LlamaCppChat(**fields).load()


def spread(questions: list[Question], limit: int | None) -> list[Question]:
    """``limit`` questions evenly spread over the file (all when None), so a short run still sees
    answerable and unanswerable ones."""
    if not limit or limit >= len(questions):
        return questions
    picks = sorted({int(i) for i in np.linspace(0, len(questions) - 1, limit).round()})
    return [questions[i] for i in picks]


# -- report -------------------------------------------------------------------------------------
def _flat(metrics: dict[str, Any]) -> dict[str, float | None]:
    return {**metrics["retrieval"], **(metrics["answers"] or {}), **metrics["latency"]}


def _better(name: str, a: float | None, b: float | None) -> bool:
    """Whether value ``a`` beats ``b`` on metric ``name`` (latencies and the two error rates: lower)."""
    if a is None or b is None or a == b:
        return False
    lower = name.endswith("_s") or name in ("false_refusal_rate", "unsupported_sentence_rate", "known_wrong_rate",
                                            "known_wrong_verified")
    return a < b if lower else a > b


def _value(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if name.endswith("_s"):
        return f"{value:.2f} s" if value < 1 else f"{value:.1f} s"
    return f"{value:.3f}"


def _cell(name: str, value: float | None, basis: str = "") -> str:
    """A table cell: the value, whether it meets its target, and the counts it comes from."""
    text = _value(name, value)
    if name in TARGETS and value is not None:
        kind, target = TARGETS[name]
        text += f" {mark(value >= target if kind == 'min' else value <= target)}"
    return f"{text} ({basis})" if basis else text


def render(info: dict[str, str], loads: tuple[str, str], questions_path: Path, reports: dict[str, EvalReport],
           limited: bool, seconds: float) -> str:
    """The markdown section: header, side-by-side table, where the baseline wins, how it is scored."""
    ours, base = (reports[name].metrics() for name in ("ours", "baseline"))
    counts = {name: reports[name].counts() for name in reports}
    n, ours_counts = ours["n_questions"], counts["ours"]
    basis = {
        "recall_at_5": lambda c: f"{c['relevant_in_top_5']}/{c['with_relevant_sources']}",
        "refusal_accuracy": lambda c: f"{c['refused_unanswerable']}/{c['unanswerable']}",
        "false_refusal_rate": lambda c: f"{c['refused_answerable']}/{c['answerable']}",
        "citation_precision": lambda c: f"{c['citations_relevant']}/{c['citations']}",
        "must_mention_rate": lambda c: f"{c['must_mention_met']}/{c['must_mention_asked']}",
        "unsupported_sentence_rate": lambda c: f"{c['sentences_unsupported']}/{c['sentences']}",
    }
    lines = [SECTION, "",
             f"Run {info['date']} on {info['cores']} cores ({info['cpu']}, {info['memory']}), commit {info['commit']}. "
             f"Load average {loads[0]} at start, {loads[1]} at the end; {seconds / 60:.0f} min in all. "
             f"{n} questions from {shown(questions_path)}"
             + (" (a sample spread over the file, `--limit`)" if limited else "")
             + f": {ours_counts['answerable']} answerable, {ours_counts['unanswerable']} unanswerable. Each question was "
             "answered by ours and then by the baseline before the next one, with the same default model.", "",
             f"**Baseline**: the LangChain RAG tutorial — dense top-{BASELINE_K} from the same Chroma collection, "
             "the passages stuffed into one prompt (\"use the following pieces of retrieved context … if you don't "
             "know the answer, just say that you don't know … cite as [n]\"), one call to the same model; no hybrid "
             "retrieval, gate, verification or refusal logic.", "",
             "| metric | ours | baseline | target |", "|---|---|---|---|"]
    flat_ours, flat_base = _flat(ours), _flat(base)
    for name in ("recall_at_5", "mrr", "refusal_accuracy", "false_refusal_rate", "citation_precision",
                 "must_mention_rate", "unsupported_sentence_rate"):
        rule = basis.get(name)
        target = f"{'≥' if TARGETS[name][0] == 'min' else '≤'} {TARGETS[name][1]}"
        lines.append(f"| {name} | {_cell(name, flat_ours[name], rule(counts['ours']) if rule else '')} "
                     f"| {_cell(name, flat_base[name], rule(counts['baseline']) if rule else '')} | {target} |")
    citing = {name: f"{c['answered_citing']}/{c['answerable'] - c['refused_answerable']}" for name, c in counts.items()}
    lines.append(f"| answers to answerable questions that cite a source | {citing['ours']} | {citing['baseline']} | — |")
    for stage in ("retrieval", "first_token", "total"):
        p50, p95 = f"{stage}_p50_s", f"{stage}_p95_s"
        target = f"p50 ≤ {TARGETS[p50][1]:.0f} s" if p50 in TARGETS else ""
        lines.append(f"| {stage.replace('_', ' ')} p50 / p95 | {_cell(p50, flat_ours[p50])} / "
                     f"{_cell(p95, flat_ours[p95])} | {_cell(p50, flat_base[p50])} / {_cell(p95, flat_base[p95])} "
                     f"| {target} |")

    wins = [f"{name} ({_value(name, flat_base[name])} against {_value(name, flat_ours[name])})"
            for name in flat_ours if _better(name, flat_base[name], flat_ours[name])]
    lines += ["", "**Where the baseline wins**: " + (
        "it does better than ours on " + ", ".join(wins) + "." if wins
        else "nowhere in this run; it does not beat ours on any metric or latency.")]
    reasons = Counter(f"{'answerable' if r['answerable'] else 'unanswerable'}/{r.get('refusal_reason') or 'answered'}"
                      for r in reports["ours"].per_question)
    hedged = sum(1 for r in reports["baseline"].per_question if r["refused"] and r["cited_sources"])
    refused = sum(1 for r in reports["baseline"].per_question if r["refused"])
    hedges = (f"Of the baseline's {refused} refusals, {hedged} also cite a passage (a hedge beside a partial "
              "answer, scored as a refusal)." if refused else "The baseline refused no question.")
    lines += ["", "Ours by outcome: " + ", ".join(f"{key}: {count}" for key, count in sorted(reasons.items())) + ". "
              + hedges, "",
              "How the baseline is scored (assistant/evaluation.py holds the definitions for both):", "",
              "- citations: its [n] markers, each mapped to the source of passage n; a number with no passage is "
              "a wrong citation;",
              "- refused: its answer says anywhere that the context does not answer (`SOURCES_SILENT` in "
              "assistant/text.py) — generous on unanswerable questions;",
              "- unsupported sentences: our CitationChecker on its sentences against the passages it was given, "
              "as for ours; sentences saying the sources are silent are not counted for either system;",
              "- a refused answer meets no must_mention group, for either system;",
              f"- recall@5 and MRR: its dense ranking read to depth {DEPTH}, like ours; the model reads the top "
              f"{BASELINE_K}.", "",
              "Each system has its own llama.cpp context over the same memory-mapped model file, so neither evicts "
              "the other's cached prompt prefix."]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, answer every question with both systems, print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=Path, default=QUESTIONS, help="question file (eval format)")
    parser.add_argument("--limit", type=int, help="only N questions, spread evenly over the file")
    parser.add_argument("--json", type=Path, metavar="OUT",
                        help="write ours to OUT (the eval --json format) and the baseline to OUT's .baseline twin")
    parser.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / ".cache",
                        help="where the curated index is kept (shared with retrieval.py)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="markdown file to update")
    args = parser.parse_args()
    if args.json and not args.json.parent.is_dir():
        parser.error(f"folder {args.json.parent} does not exist")

    info, load_start = machine(), load_average()
    questions = spread(load_questions(args.questions), args.limit)
    library = corpus_library(args.cache / "corpus", fresh=False).library
    settings = settings_for(library.settings.data_dir).model_copy(update={"llm": "default"})
    pipeline = AnswerPipeline.from_settings(settings, library)
    baseline = LangChainBaseline(library.store, own_context(load_chat_model("default", settings)), pipeline.checker)

    reports = {"ours": EvalReport(), "baseline": EvalReport()}
    started = time.perf_counter()
    bar = tqdm(questions, desc="ours + baseline", unit="q")
    for question in bar:
        reports["ours"].per_question.append(evaluate_question(question, pipeline, k=DEPTH))
        reports["baseline"].per_question.append(baseline.row(question))
        bar.set_postfix_str(f"{question.id}: ours {reports['ours'].per_question[-1]['total_s'] or 0:.0f}s, "
                            f"baseline {reports['baseline'].per_question[-1]['total_s']:.0f}s")
    seconds = time.perf_counter() - started

    for name, report in reports.items():
        print(f"\n== {name} ==\n{report.table()}")
    if args.json:
        twin = args.json.with_name(f"{args.json.stem}.baseline{args.json.suffix or '.json'}")
        for path, report in ((args.json, reports["ours"]), (twin, reports["baseline"])):
            path.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"(JSON: {args.json}, {twin})")
    section = render(info, (load_start, load_average()), args.questions, reports, bool(args.limit), seconds)
    write_section(args.results, section)
    print(section)
    print(f"(written to {shown(args.results)})", file=sys.stderr)


if __name__ == "__main__":
    main()
