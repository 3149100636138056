#!/usr/bin/env python
"""Scale: how ingest throughput, query latency, memory and disk grow with the size of the library,
at 1k, 10k and 100k chunks. Rewrites the "Scale" section of benchmarks/RESULTS.md and draws
benchmarks/scale_latency.png and benchmarks/scale_memory.png.

    python benchmarks/scale.py [--sizes 1000 10000 100000] [--fresh]

Two kinds of library, because embedding 100k chunks at ~6 chunks/s would take five hours here:

- generated documents: 100 markdown files of 10 numbered paragraphs (Zipf-sampled corpus words),
  added through ``Library.ingest`` exactly as a user's files are — reading, chunking, MiniLM
  embedding, Chroma insert, manifest. Its throughput **includes embedding**.
- synthetic stores at each size, built by benchmarks/retrieval.py's own code: the curated chunks with
  their real embeddings plus seeded random vectors and Zipf text, upserted straight into Chroma.
  Their throughput is the store's insert alone, **without embedding**. The 100k store is the one
  retrieval.py uses (shared, not built twice).

Query latency is warm hybrid retrieval (k=10) over the eval questions, every library timed in the
same interleaved loop. Memory: for each library a fresh process loads the embedding model, reads its
RSS, opens the library, loads its BM25 view, runs every question, and reads its RSS again; the
difference is what the library itself costs. Disk: the library's folder (Chroma, manifest, BM25
cache). Everything is cached under benchmarks/.cache; ``--fresh`` rebuilds and re-times it all.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# First: importing the retrieval benchmark puts the repository on sys.path and sets the offline environment.
from retrieval import (K, QUESTIONS, REPEATS, RESULTS, corpus_library, ms, scale_library, settings_for,
                       warm_latency, zipf_sampler)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import psutil  # noqa: E402
from tqdm import tqdm  # noqa: E402

from _report import load_average, machine, shown, write_section  # noqa: E402
from assistant.embeddings import get_embeddings  # noqa: E402
from assistant.eval_questions import load_questions  # noqa: E402
from assistant.index import Library  # noqa: E402
from assistant.retrieval import HybridRetriever  # noqa: E402

SECTION = "## Scale (benchmarks/scale.py)"
HERE = Path(__file__).resolve().parent
SEED = 20240601  # retrieval.py's default, so the 100k store is shared with it
SHARED_SCALE = 100_000  # the size retrieval.py builds by default, in .cache/scale
DOCS, PARAGRAPHS, PARAGRAPH_CHARS = 100, 10, 850  # 1,000 chunks: one per paragraph (the chunk limit is 900)
MB = 1024 * 1024


@dataclass
class Measured:
    """One library of the table: how it was built and what it costs."""

    label: str
    library: Library
    chunks: int
    insert_s: float
    embedding: bool
    built: str
    bm25_build_s: float | None = None
    timings: list[float] | None = None
    memory: dict[str, float] | None = None
    disk: dict[str, float] | None = None


def folder_mb(path: Path) -> dict[str, float]:
    """On-disk size of a library: Chroma, the BM25 cache, and in all (with the manifest; the source
    files of the generated documents are not the library's and are left out)."""
    sizes = {"chroma": 0, "bm25": 0, "total": 0}
    for root, folders, files in os.walk(path):
        folders[:] = [name for name in folders if name != "documents"]
        for name in files:
            size = (Path(root) / name).stat().st_size
            sizes["total"] += size
            if "chroma" in Path(root).relative_to(path).parts:
                sizes["chroma"] += size
            elif ".bm25-" in name:
                sizes["bm25"] += size
    return {key: value / MB for key, value in sizes.items()}


def write_documents(folder: Path, sampler: tuple[np.ndarray, np.ndarray, list[int]], seed: int) -> None:
    """DOCS markdown files of PARAGRAPHS numbered paragraphs, each cut to PARAGRAPH_CHARS so that it
    is exactly one chunk; the words follow the corpus's frequencies and its chunk lengths."""
    vocabulary, weights, lengths = sampler
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for doc in range(DOCS):
        words = vocabulary[rng.choice(len(vocabulary), size=3, p=weights)]
        parts = [f"# Generated matter {doc}: {' '.join(words)}", ""]
        for number in range(1, PARAGRAPHS + 1):
            size = int(rng.choice(lengths))
            text = " ".join(vocabulary[rng.choice(len(vocabulary), size=size, p=weights)])
            parts += [f"{number}. {text[:PARAGRAPH_CHARS].rsplit(' ', 1)[0]}", ""]
        (folder / f"generated-{doc:03d}.md").write_text("\n".join(parts), encoding="utf-8")


def generated_library(corpus: Library, data_dir: Path, fresh: bool) -> Measured:
    """The generated documents ingested end to end; reused (with its recorded throughput) unless fresh."""
    record = data_dir / "bench-ingest.json"
    library = Library(settings_for(data_dir))
    stats = library.stats()
    if fresh or not record.is_file() or not stats["documents"] or stats["pending"]:
        shutil.rmtree(data_dir, ignore_errors=True)
        real = corpus.collection.get(include=["documents"])
        write_documents(data_dir / "documents", zipf_sampler(list(real["documents"])), SEED)
        get_embeddings(Path(library.settings.embedding_model))  # loading the model is not ingest work
        library = Library(settings_for(data_dir))
        started = time.perf_counter()
        report = library.ingest([data_dir / "documents"],
                                progress=lambda paths: tqdm(paths, desc="ingest generated documents", unit="file"))
        seconds = time.perf_counter() - started
        if report.rejected:
            raise SystemExit(f"generated documents rejected: {report.rejected}")
        started = time.perf_counter()
        library.lexical()
        record.write_text(json.dumps({"chunks": report.chunks_written, "seconds": seconds,
                                      "bm25_build_s": time.perf_counter() - started,
                                      "measured": datetime.now().strftime("%Y-%m-%d %H:%M")}), encoding="utf-8")
    last = json.loads(record.read_text(encoding="utf-8"))
    return Measured("generated documents, `Library.ingest`", Library(settings_for(data_dir)), last["chunks"],
                    last["seconds"], True, last["measured"], last["bm25_build_s"])


def synthetic_library(corpus: Library, size: int, cache: Path, fresh: bool) -> Measured:
    """A synthetic store of ``size`` chunks through retrieval.py's scale_library (reused unless fresh)."""
    data_dir = cache / ("scale" if size == SHARED_SCALE else f"scale-{size}")
    if fresh:
        shutil.rmtree(data_dir, ignore_errors=True)
    result = scale_library(corpus, size, data_dir, SEED)
    build = result.build
    return Measured("synthetic, precomputed vectors", result.library, size, build["insert_s"], False,
                    build["built"], build["bm25_build_s"])


def probe(data_dir: Path) -> None:
    """(In a fresh process) print the RSS before and after opening a library and querying it."""
    questions = load_questions(QUESTIONS)
    library = Library(settings_for(data_dir))
    get_embeddings(Path(library.settings.embedding_model)).embed_query("warm up")
    process = psutil.Process()
    before = process.memory_info().rss
    retriever = HybridRetriever(library=library)
    for question in questions:
        retriever.run(question.question, k=K)
    after = process.memory_info().rss
    print(json.dumps({"before_mb": before / MB, "after_mb": after / MB, "library_mb": (after - before) / MB}))


def memory_of(data_dir: Path) -> dict[str, float]:
    """Run ``probe`` for a library in a child process, so each reading starts from the same state."""
    result = subprocess.run([sys.executable, __file__, "--probe", str(data_dir)], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def plot(rows: list[Measured], folder: Path) -> tuple[Path, Path]:
    """scale_latency.png (p50/p95 against chunks) and scale_memory.png (RSS and disk against chunks)."""
    synthetic = [r for r in rows if not r.embedding]
    generated = [r for r in rows if r.embedding]
    x = [r.chunks for r in synthetic]
    latency_png, memory_png = folder / "scale_latency.png", folder / "scale_memory.png"

    figure, axis = plt.subplots(figsize=(6.4, 4))
    for index, (name, style) in enumerate((("p50", "o-"), ("p95", "s--"))):
        axis.plot(x, [ms(r.timings)[index] for r in synthetic], style, label=f"{name}, synthetic stores")
        axis.plot([r.chunks for r in generated], [ms(r.timings)[index] for r in generated], style[0],
                  color="black", fillstyle="none", markersize=9, label=f"{name}, generated documents")
    axis.set(xscale="log", xlabel="chunks in the library", ylabel="hybrid query, ms (warm, k=10)",
             title="Query latency against library size", ylim=(0, None))
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(latency_png, dpi=120)
    plt.close(figure)

    figure, axis = plt.subplots(figsize=(6.4, 4))
    axis.plot(x, [r.memory["after_mb"] for r in synthetic], "o-", label="process RSS, library open and queried")
    axis.plot(x, [r.memory["library_mb"] for r in synthetic], "s-", label="of which the library (RSS growth)")
    axis.plot(x, [r.disk["total"] for r in synthetic], "^--", label="library on disk")
    axis.set(xscale="log", yscale="log", xlabel="chunks in the library", ylabel="MB",
             title="Memory and disk against library size (synthetic stores)")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend()
    figure.tight_layout()
    figure.savefig(memory_png, dpi=120)
    plt.close(figure)
    return latency_png, memory_png


def render(info: dict[str, str], loads: tuple[str, str], rows: list[Measured], pngs: tuple[Path, Path],
           n_questions: int, real: int) -> str:
    """The markdown section: header, the table, the growth from the smallest to the largest store."""
    lines = [SECTION, "",
             f"Run {info['date']} on {info['cores']} cores ({info['cpu']}, {info['memory']}), commit {info['commit']}. "
             f"Load average {loads[0]} at start, {loads[1]} at the end.", "",
             "| library | chunks | ingest (built) | chunks/s | embedding included | BM25 build s | hybrid p50 ms "
             "| p95 ms | RSS MB (library) | disk MB (Chroma + BM25) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        p50, p95 = ms(r.timings)
        bm25 = f"{r.bm25_build_s:.1f}" if r.bm25_build_s is not None else "n/a"
        lines.append(f"| {r.label} | {r.chunks:,} | {r.insert_s:.1f} s ({r.built}) | {r.chunks / r.insert_s:,.1f} "
                     f"| {'**yes**' if r.embedding else 'no'} | {bm25} | {p50:.1f} | {p95:.1f} "
                     f"| {r.memory['after_mb']:,.0f} ({r.memory['library_mb']:+,.0f}) "
                     f"| {r.disk['total']:,.1f} ({r.disk['chroma']:,.1f} + {r.disk['bm25']:,.1f}) |")
    synthetic = [r for r in rows if not r.embedding]
    small, large = synthetic[0], synthetic[-1]
    if large is not small:
        lines += ["", f"From {small.chunks:,} to {large.chunks:,} chunks ({large.chunks / small.chunks:,.0f}× the "
                  f"library): hybrid p50 {ms(large.timings)[0] / ms(small.timings)[0]:.1f}×, p95 "
                  f"{ms(large.timings)[1] / ms(small.timings)[1]:.1f}×, library RSS "
                  f"{large.memory['library_mb'] / max(small.memory['library_mb'], 1):.0f}×, disk "
                  f"{large.disk['total'] / small.disk['total']:.0f}×, insert throughput "
                  f"{(large.chunks / large.insert_s) / (small.chunks / small.insert_s):.2f}×."]
    lines += ["",
              f"- Ingest \"chunks/s\" includes MiniLM embedding only for the generated documents (end-to-end "
              "`Library.ingest`, embedding model preloaded); the synthetic stores are upserted with precomputed "
              f"vectors, so theirs is the Chroma insert alone; they hold the {real} curated chunks (real embeddings) "
              "and synthetic ones. The date is when each was built (stores are reused from benchmarks/.cache unless "
              "`--fresh`).",
              f"- Latency: each of {n_questions} eval questions once to warm up, then {REPEATS}× per library, "
              "libraries interleaved in one loop.",
              "- RSS: a fresh process per library with the embedding model loaded, after opening the library and "
              "running every question; in brackets the growth over the same process before opening it.",
              f"- Plots: [{pngs[0].name}]({pngs[0].name}), [{pngs[1].name}]({pngs[1].name}).", "",
              f"![query latency against library size]({pngs[0].name})", "",
              f"![memory and disk against library size]({pngs[1].name})"]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, build or reuse every library, measure, plot and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000],
                        help="chunks in each synthetic store")
    parser.add_argument("--fresh", action="store_true", help="rebuild every library and time its ingest again")
    parser.add_argument("--cache", type=Path, default=HERE / ".cache", help="where the libraries are kept")
    parser.add_argument("--results", type=Path, default=RESULTS, help="markdown file to update")
    parser.add_argument("--probe", type=Path, help=argparse.SUPPRESS)  # internal: the memory reading child
    args = parser.parse_args()
    if args.probe:
        probe(args.probe)
        return

    info, load_start = machine(), load_average()
    questions = load_questions(QUESTIONS)
    corpus = corpus_library(args.cache / "corpus", fresh=False).library
    rows = [generated_library(corpus, args.cache / "scale-generated", args.fresh)]
    rows += [synthetic_library(corpus, size, args.cache, args.fresh) for size in sorted(args.sizes)]

    retrievers = {f"{r.label} {r.chunks}": HybridRetriever(library=r.library) for r in rows}
    timings = warm_latency({name: lambda q, rt=retriever: rt.run(q.question, k=K) for name, retriever in
                            retrievers.items()}, questions, desc="latency by size")
    for r, name in zip(rows, retrievers):
        r.timings = timings[name]
        r.disk = folder_mb(r.library.settings.data_dir)
        r.memory = memory_of(r.library.settings.data_dir)
    pngs = plot(rows, HERE)
    section = render(info, (load_start, load_average()), rows, pngs, len(questions), corpus.stats()["chunks"])
    write_section(args.results, section)
    print(section)
    print(f"(written to {shown(args.results)}; plots {shown(pngs[0])}, {shown(pngs[1])})", file=sys.stderr)


if __name__ == "__main__":
    main()
