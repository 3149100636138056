#!/usr/bin/env python
"""Servers vs embedded, side by side in one run: the library on a Chroma server against the
embedded store, and the default model behind llama.cpp's OpenAI-compatible server against the
same model loaded in-process. Prints a markdown table (pasted into docs/deploy.md).

    .venv/bin/python benchmarks/servers.py [--queries 20] [--repeats 3] [--asks 2]

Everything runs on this machine (both servers on free loopback ports, data in a temporary folder
that is deleted afterwards). The machine is small and shared, so the two sides are measured in
one interleaved loop and the load average is printed beside the table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]
for _name, _value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("ANONYMIZED_TELEMETRY", "False"),
                      ("LANGSMITH_TRACING", "false"), ("TOKENIZERS_PARALLELISM", "false")):
    os.environ.setdefault(_name, _value)

import psutil  # noqa: E402
from local_servers import LocalServer, chroma_server, free_port, llama_server, served_model_id  # noqa: E402

from assistant.pipeline import AnswerPipeline  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embeddings import get_embeddings  # noqa: E402
from assistant.eval_questions import load_questions  # noqa: E402
from assistant.index import Library  # noqa: E402
from assistant.model_files import default_model_path  # noqa: E402
from assistant.retrieval import HybridRetriever  # noqa: E402

MODEL_DIR = REPO / "data" / "models"
QUESTIONS = REPO / "tests" / "eval" / "questions.jsonl"
HEADLINE = "Who owned the image in the Beijing Internet Court's Stable Diffusion case, and why?"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def rss_mb(server: LocalServer) -> float:
    """Resident memory of a server process and its children."""
    assert server.process is not None
    root = psutil.Process(server.process.pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]) / 2**20


def timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def ingest_and_query(work: Path, n_queries: int, repeats: int) -> list[str]:
    """Rows for the library: fresh ingest of the curated corpus, then warm hybrid-search latency
    (each query once to warm up, then ``repeats`` timed rounds, the two stores interleaved)."""
    get_embeddings(Path(Settings(data_dir=work).embedding_model)).embed_query("warm-up")  # not ingest work
    server = chroma_server(work / "chroma-db", free_port(), work / "chroma.log")
    server.start()
    try:
        embedded = Library(Settings(data_dir=work / "embedded", model_dir=MODEL_DIR))
        served = Library(Settings(data_dir=work / "served", model_dir=MODEL_DIR,
                                  chroma_host="127.0.0.1", chroma_port=server.port))
        ingest = {name: timed(library.ingest) for name, library in (("embedded", embedded), ("server", served))}
        questions = [q.question for q in load_questions(QUESTIONS)][:n_queries]
        retrievers = {"embedded": HybridRetriever(library=embedded), "server": HybridRetriever(library=served)}
        for retriever in retrievers.values():
            for question in questions:
                retriever.run(question)
        hybrid: dict[str, list[float]] = {name: [] for name in retrievers}
        dense: dict[str, list[float]] = {name: [] for name in retrievers}
        for _ in range(repeats):
            for question in questions:
                for name, retriever in retrievers.items():
                    hybrid[name].append(timed(lambda: retriever.run(question)))
                    dense[name].append(timed(lambda: retriever.library.dense_search(question, 40)))
        chunks = served.stats()["chunks"]
        memory = rss_mb(server)
        own = psutil.Process().memory_info().rss / 2**20
    finally:
        server.stop()
    rows = [f"| ingest the curated corpus ({chunks} passages, fresh) | {ingest['embedded']:.1f} s | "
            f"{ingest['server']:.1f} s |"]
    for label, samples in ((f"hybrid search p50 / p95 ({len(questions)} questions × {repeats})", hybrid),
                           ("  of which dense top-40 p50 / p95", dense)):
        embedded_ms = [s * 1000 for s in samples["embedded"]]
        server_ms = [s * 1000 for s in samples["server"]]
        rows.append(f"| {label} | {statistics.median(embedded_ms):.0f} / {percentile(embedded_ms, 0.95):.0f} ms | "
                    f"{statistics.median(server_ms):.0f} / {percentile(server_ms, 0.95):.0f} ms |")
    rows.append(f"| resident memory: this process (embedding model, both libraries' BM25) / Chroma server "
                f"| {own:.0f} MB | {memory:.0f} MB |")
    return rows


def answer_timings(pipeline: AnswerPipeline) -> tuple[float, float, bool]:
    """First token and total seconds for the headline question, and whether it was answered."""
    answer = pipeline.ask(HEADLINE)
    return answer.timings["first_token_s"] or float("nan"), answer.timings["total_s"] or float("nan"), not answer.refused


def model_rows(work: Path, asks: int, threads: int) -> list[str]:
    """Rows for the model: load time, then the headline question asked ``asks`` times on each
    backend, alternating (the first ask reads the whole prompt; later ones reuse its cached prefix)."""
    model = default_model_path(MODEL_DIR)
    data = work / "embedded"  # the library ingested above
    server = llama_server(model, free_port(), work / "llama.log", n_threads=threads)
    server_load = timed(server.start)
    try:
        spec = f"openai:http://127.0.0.1:{server.port}/v1#{served_model_id(server.port)}"
        os.environ.pop("OPENAI_API_KEY", None)
        base = Settings(data_dir=data, model_dir=MODEL_DIR, n_threads=threads)
        library = Library(base)
        pipelines = {"embedded": AnswerPipeline.from_settings(base, library),
                     "server": AnswerPipeline.from_settings(base.model_copy(update={"llm": spec}), library)}
        embedded_load = timed(pipelines["embedded"].llm)
        results: dict[str, list[tuple[float, float, bool]]] = {name: [] for name in pipelines}
        for _ in range(asks):
            for name, pipeline in pipelines.items():
                results[name].append(answer_timings(pipeline))
        memory = rss_mb(server)
    finally:
        server.stop()
    rows = [f"| load the model ({threads} threads, n_ctx 4096) | {embedded_load:.1f} s (in-process) | "
            f"{server_load:.1f} s (server start until /v1/models answers) |"]
    for index in range(asks):
        label = "first ask" if index == 0 else f"ask {index + 1} (prompt prefix cached)"
        cells = []
        for name in pipelines:
            first, total, answered = results[name][index]
            cells.append(f"{first:.1f} s / {total:.1f} s{'' if answered else ' (refused)'}")
        rows.append(f"| headline question, {label}: first token / total | {cells[0]} | {cells[1]} |")
    rows.append(f"| LLM server resident memory | (inside the web process) | {memory:.0f} MB |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=20, help="questions from tests/eval timed per store")
    parser.add_argument("--repeats", type=int, default=3, help="timed rounds per question")
    parser.add_argument("--asks", type=int, default=2, help="headline asks per LLM backend")
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp threads, for both backends")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-servers-") as folder:
        work = Path(folder)
        rows = ingest_and_query(work, args.queries, args.repeats)
        rows += model_rows(work, args.asks, args.threads)
    load_after = os.getloadavg()
    print(f"Measured {datetime.now():%Y-%m-%d %H:%M} at commit {commit} on {os.cpu_count()} cores; "
          f"1-minute load average {load_before[0]:.1f} before, {load_after[0]:.1f} after. "
          "Both servers on 127.0.0.1 (no network hop beyond loopback).\n")
    print("| | embedded (one process) | server |")
    print("|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
