#!/usr/bin/env python
"""Web soak: the real server (``copyright-assistant serve``, the real default model) driven through
``gradio_client`` by several browser sessions at once, with the server's resident memory (RSS, its
child processes included) read after every turn. Draws the curve to benchmarks/web_soak.png and
rewrites the "Web soak" section of benchmarks/RESULTS.md.

    python benchmarks/web_soak.py [--turns 200] [--sessions 10] [--distinct 5] [--max-tokens 12]

The server runs on a free loopback port over a private copy of the benchmark's curated index
(benchmarks/.cache/corpus), so it never touches the user's index. Each session is its own
``Client``, so its own conversation in the server's session state. All sessions follow one script
— ``--distinct`` dev questions (tests/eval/questions.jsonl in soak.py's fixed shuffled order, the
dev set's own follow-ups left out), each followed by a question that names nothing and leans on it
("And how much was awarded?") — and they take turns: every session asks step one, then every
session asks step two. So a prompt is asked ``--sessions`` times running and, as in soak.py, all
but the first asking find it in llama.cpp's prompt cache; with the replies cut at ``--max-tokens``
(``CA_GENERATION__MAX_TOKENS`` in the server's environment), 200 turns take minutes, not hours.
The script loops; with the defaults each session goes through it twice, so the second half of the
turns asks exactly what the first did, and RSS that still grows there is a leak (the first half
holds the one-off costs: the model's pages mapped in, caches, allocator pools).

tests/test_web_soak.py runs the same loop with fewer turns and asserts that memory levels off, that
no turn failed and that every session's transcript holds exactly its own turns.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# First: soak imports the retrieval benchmark, which puts the repository on sys.path and sets the
# offline environment.
from soak import SoakQuestion, load_soak_questions
from retrieval import MODEL_DIR, RESULTS, corpus_library  # noqa: E402

import psutil  # noqa: E402
from gradio_client import Client  # noqa: E402

from _report import REPO, load_average, machine, shown, write_section  # noqa: E402

sys.path.insert(0, str(REPO / "tests"))
from local_servers import free_port, web_chat_server  # noqa: E402

from ui.handlers import MAX_TURNS  # noqa: E402
from ui.render import REFUSAL_HEADINGS  # noqa: E402

SECTION = "## Web soak (benchmarks/web_soak.py)"
PLOT = Path(__file__).resolve().parent / "web_soak.png"
GROWTH_LIMIT = 0.05  # what "levels off" means: the second half grows RSS by less than 5 %
ANSWER_TIMEOUT_S = 900  # one turn, the model reading its sources on 2 busy cores included
FOLLOW_UPS = ("And how much was awarded?", "Who decided it, and when?", "Did anyone appeal?",
              "Why did it come out that way?", "What did the losing side argue?")
_USER_MESSAGE = 'class="ca-msg ca-user"'
_TURN = 'class="ca-turn"'


@dataclass(frozen=True)
class Step:
    session: int
    question_id: str  # the dev question's id; its follow-up is the id with "+"
    text: str


@dataclass
class Sample:
    n: int
    session: int
    question_id: str
    first_asking: bool  # the first session to ask this step, so its prompt is not in the cache
    outcome: str  # how the turn shows in the transcript: answered, gated (not covered), refused or error
    kept_apart: bool  # the session's transcript shows exactly the turns this session asked
    seconds: float
    rss_mb: float


def plan(questions: list[SoakQuestion], turns: int, sessions: int, distinct: int) -> list[Step]:
    """The turns in the order they are asked: each session takes the script's next step in turn."""
    openers = [question for question in questions if not question.follow_up][:distinct]
    script = [step for index, question in enumerate(openers)
              for step in ((question.id, question.text), (f"{question.id}+", FOLLOW_UPS[index % len(FOLLOW_UPS)]))]
    return [Step(session, *script[k % len(script)]) for k in range(turns // sessions) for session in range(sessions)]


@contextmanager
def web_server(data_dir: Path, model_dir: Path, log: Path, max_tokens: int) -> Iterator[tuple[str, int]]:
    """``copyright-assistant serve`` over ``data_dir`` on a free loopback port, answering HTTP;
    yields (url, pid) and always stops it. No login and the embedded store, whatever the caller's
    environment says, so the clients can connect and the copy is all the server reads."""
    server = web_chat_server(data_dir, model_dir, free_port(), log, CA_LLM="default",
                             CA_GENERATION__MAX_TOKENS=str(max_tokens), CA_AUTH=None, CA_CHROMA_HOST=None)
    try:
        server.start()
        assert server.process is not None
        yield server.url, server.process.pid
    finally:
        server.stop()


def rss_mb(process: psutil.Process) -> float:
    """Resident memory of ``process`` and every process it started, in MB."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.NoSuchProcess:  # a child that ended after it was listed
            continue
    return total / 2**20


def outcome_of(transcript: str) -> str:
    """How the last turn of a transcript ended; "gated": refused as not covered, before the model."""
    last = transcript.rsplit(_TURN, 1)[-1]
    if "ca-error" in last:
        return "error"
    if "ca-refusal" not in last:
        return "answered"
    return "gated" if REFUSAL_HEADINGS["not_covered"] in last else "refused"


def run_web_soak(url: str, server_pid: int, steps: list[Step],
                 progress: Callable[[Sample], None] | None = None) -> list[Sample]:
    """Ask every step through the session it belongs to (one ``Client`` each, made at its first
    turn) and read the server's RSS after each answer."""
    server = psutil.Process(server_pid)
    clients: dict[int, Client] = {}
    asked: dict[int, int] = {}
    samples: list[Sample] = []
    for n, step in enumerate(steps, 1):
        if step.session not in clients:
            clients[step.session] = Client(url, verbose=False)
        asked[step.session] = asked.get(step.session, 0) + 1
        started = time.perf_counter()
        # /ask takes the question and the jurisdiction filter; it returns the question box, the
        # transcript, the sources, the export and the model line (the session's state stays inside).
        transcript = clients[step.session].submit(step.text, "", api_name="/ask").result(timeout=ANSWER_TIMEOUT_S)[1]
        seconds = time.perf_counter() - started
        first_asking = n == 1 or steps[n - 2].question_id != step.question_id
        samples.append(Sample(n, step.session, step.question_id, first_asking, outcome_of(transcript),
                              transcript.count(_USER_MESSAGE) == asked[step.session], seconds, rss_mb(server)))
        if progress is not None:
            progress(samples[-1])
    return samples


def summary(samples: list[Sample]) -> dict[str, float]:
    """RSS at the start, halfway and the end, how much the second half grew above its start (in MB
    and as a share of it), the outcomes and the time per turn."""
    rss = [s.rss_mb for s in samples]
    half = len(rss) // 2
    first = [s.seconds for s in samples if s.first_asking]
    again = [s.seconds for s in samples if not s.first_asking]
    late_growth = max(rss[half:]) - rss[half - 1]
    return {
        "turns": len(samples),
        "sessions": len({s.session for s in samples}),
        "answered": sum(s.outcome == "answered" for s in samples),
        "gated": sum(s.outcome == "gated" for s in samples),
        "refused": sum(s.outcome == "refused" for s in samples),
        "errors": sum(s.outcome == "error" for s in samples),
        "mixed_up": sum(not s.kept_apart for s in samples),
        "rss_first_mb": rss[0],
        "rss_half_mb": rss[half - 1],
        "rss_end_mb": rss[-1],
        "rss_peak_mb": max(rss),
        "late_growth_mb": late_growth,
        "late_growth_pct": 100 * late_growth / rss[half - 1],
        "seconds": sum(s.seconds for s in samples),
        "first_p50_s": statistics.median(first) if first else 0.0,
        "repeat_p50_s": statistics.median(again) if again else 0.0,
    }


def levels_off(result: dict[str, float]) -> bool:
    """The pass mark: the second half of the turns grows the server's RSS by less than 5 %."""
    return result["late_growth_pct"] < 100 * GROWTH_LIMIT


def plot(samples: list[Sample], path: Path, max_tokens: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 3.6), dpi=110)
    axis.plot([s.n for s in samples], [s.rss_mb for s in samples], color="#1f6feb", linewidth=1.6)
    first = [s for s in samples if s.first_asking]
    axis.scatter([s.n for s in first], [s.rss_mb for s in first], s=8, color="#d29922",
                 label="first asking of a step (prompt not cached)", zorder=3)
    half = len(samples) // 2
    axis.axvline(half, color="grey", linestyle=":", linewidth=1)
    axis.annotate("second half", (half, 0.04), xycoords=("data", "axes fraction"), xytext=(4, 0),
                  textcoords="offset points", fontsize=8, color="grey")
    axis.set_xlabel("turn")
    axis.set_ylabel("server resident memory (MB)")
    sessions = len({s.session for s in samples})
    axis.set_title(f"Web soak: {len(samples)} turns, {sessions} sessions, real server (replies cut at {max_tokens} "
                   "tokens)", fontsize=10)
    axis.legend(loc="lower right", fontsize=8)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def render(info: dict[str, str], loads: tuple[str, str], result: dict[str, float], max_tokens: int,
           distinct: int, plot_path: Path) -> str:
    ok = "✅" if levels_off(result) else "❌"
    turns, sessions = int(result["turns"]), int(result["sessions"])
    return "\n".join([
        SECTION, "",
        f"Run {info['date']} on {info['cores']} cores ({info['cpu']}, {info['memory']}), commit {info['commit']}. "
        f"Load average {loads[0]} at start, {loads[1]} at the end.", "",
        f"{turns} turns through `copyright-assistant serve` with the default model, from {sessions} sessions (one "
        f"`gradio_client.Client` each) taking turns: {distinct} dev questions (tests/eval/questions.jsonl, shuffled), "
        f"each followed by a follow-up that leans on it (\"And how much was awarded?\"), in a loop; each prompt is "
        f"asked by every session running, replies cut at {max_tokens} tokens; resident memory of the server "
        f"(children included) after each turn. {result['answered']:.0f} turns were answered, {result['gated']:.0f} "
        f"refused by the coverage gate without a model call, {result['refused']:.0f} refused otherwise (which the cut "
        f"replies make more likely), {result['errors']:.0f} failed; {result['mixed_up']:.0f} showed a transcript "
        "that was not the session's own.", "",
        "| measurement | value |", "|---|---|",
        f"| RSS after turn 1 | {result['rss_first_mb']:.0f} MB |",
        f"| RSS after turn {turns // 2} | {result['rss_half_mb']:.0f} MB |",
        f"| RSS after turn {turns} | {result['rss_end_mb']:.0f} MB |",
        f"| peak RSS | {result['rss_peak_mb']:.0f} MB |",
        f"| growth over the second half (its peak − halfway) | {result['late_growth_mb']:+.1f} MB, "
        f"{result['late_growth_pct']:+.1f} % (limit {100 * GROWTH_LIMIT:.0f} %) {ok} |",
        f"| total time | {result['seconds'] / 60:.1f} min |",
        f"| per turn, p50: first asking / asked again | {result['first_p50_s']:.1f} s / "
        f"{result['repeat_p50_s']:.1f} s |",
        "", f"![server RSS per turn]({plot_path.name})", "",
    ])


def main() -> None:
    """Run the web soak on a copy of the benchmark's curated index, plot it and update RESULTS.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--turns", type=int, default=200, help="how many questions to ask in all")
    parser.add_argument("--sessions", type=int, default=10, help="how many browser sessions ask them, in turn")
    parser.add_argument("--distinct", type=int, default=5, help="how many dev questions the script goes over")
    parser.add_argument("--max-tokens", type=int, default=12, help="where each model reply is cut")
    parser.add_argument("--cache", type=Path, default=Path(__file__).resolve().parent / ".cache",
                        help="where the curated index (corpus/) is kept")
    parser.add_argument("--results", type=Path, default=RESULTS, help="markdown file to update")
    parser.add_argument("--plot", type=Path, default=PLOT, help="where to draw the RSS curve")
    args = parser.parse_args()
    if args.turns % args.sessions or not 0 < args.turns // args.sessions <= MAX_TURNS:
        parser.error(f"--turns must be a multiple of --sessions, with at most {MAX_TURNS} turns a session")

    info, load_start = machine(), load_average()
    source = corpus_library(args.cache / "corpus", fresh=False).library.settings.data_dir

    def show(sample: Sample) -> None:
        print(f"{sample.n:4d} session {sample.session:2d} {sample.question_id:>5}{' ' if sample.first_asking else '*'} "
              f"{sample.outcome:>8} {sample.seconds:6.1f} s  server RSS {sample.rss_mb:7.1f} MB", flush=True)

    steps = plan(load_soak_questions(), args.turns, args.sessions, args.distinct)
    with tempfile.TemporaryDirectory(prefix="ca-web-soak-") as scratch:
        data_dir = Path(scratch) / "data"
        shutil.copytree(source, data_dir)
        with web_server(data_dir, MODEL_DIR, Path(scratch) / "server.log", args.max_tokens) as (url, pid):
            samples = run_web_soak(url, pid, steps, show)
    result = summary(samples)
    plot(samples, args.plot, args.max_tokens)
    section = render(info, (load_start, load_average()), result, args.max_tokens, args.distinct, args.plot)
    write_section(args.results, section)
    print(section)
    print(f"(written to {shown(args.results)} and {shown(args.plot)})")


if __name__ == "__main__":
    main()
