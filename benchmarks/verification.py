"""The answer checker as a classifier: true-pass and false-pass rates on labelled claims.

    .venv/bin/python benchmarks/verification.py [--before REF] [--blind] [--json OUT]
    .venv/bin/python benchmarks/verification.py --only tests/verification/blind_actors.jsonl --before REF

Runs ``assistant.claims`` over the development sets of ``tests/verification/`` (``dev_*.jsonl``)
and, with ``--blind``, over ``blind.jsonl`` too (written by a helper who never read the checker,
frozen before tuning, to be scored once at the end; reported apart). With ``--before REF`` the
checker of an older commit (its ``assistant/citations.py`` with the support checks it had) runs
on the same items in the same process, side by side, so the two are compared on one machine
state. Rewrites the "Verification" section of RESULTS.md; with ``--only FILE``, only that set is
scored (a frozen blind set written for one check, scored once) into a section of its own.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _report import REPO, git, load_average, machine, write_section  # noqa: E402

from assistant.citations import CitationChecker  # noqa: E402
from assistant.claims import ClaimsReport, load_claims, run_claims  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.embeddings import CachedEmbedder, get_embeddings  # noqa: E402

SETS = REPO / "tests" / "verification"
HARD_KINDS = ("number_swap", "case_swap", "party_swap", "court_swap", "jurisdiction_swap", "question_place")


def old_checker(ref: str, embed, settings: Settings):
    """The CitationChecker of commit ``ref``, loaded beside today's modules under another name."""
    folder = Path(tempfile.mkdtemp(prefix="checker-"))
    for name in ("citations", "support"):
        source = git("show", f"{ref}:assistant/{name}.py")
        if source:
            (folder / f"{name}.py").write_text(source.replace("from assistant.support", "from old_support"),
                                               encoding="utf-8")
    modules = {}
    for name in ("support", "citations"):
        path = folder / f"{name}.py"
        if path.is_file():
            spec = importlib.util.spec_from_file_location(f"old_{name}", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[f"old_{name}"] = module
            spec.loader.exec_module(module)
            modules[name] = module
    checker_class = modules["citations"].CitationChecker
    try:
        return checker_class(embed=embed, settings=settings.verification)
    except TypeError:
        return checker_class(embed=embed)


def summary(report: ClaimsReport) -> dict:
    data = report.to_json()
    data.pop("per_item")
    return data


def rows(name: str, data: dict) -> list[str]:
    rate = (lambda x: "–" if x is None else f"{x:.3f}")
    out = [f"| {name} | all | {data['n']} | {rate(data['true_pass_rate'])} | {rate(data['false_pass_rate'])} |"]
    for group in ("by_lang", "by_kind"):
        for key, row in data[group].items():
            out.append(f"| {name} | {key} | {row['n']} | {rate(row['true_pass_rate'])} | "
                       f"{rate(row['false_pass_rate'])} |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", metavar="REF", help="also run the checker of this commit, side by side")
    parser.add_argument("--blind", action="store_true", help="score the frozen blind set too (once, at the end)")
    parser.add_argument("--json", metavar="OUT", help="write every report, per item, as JSON")
    parser.add_argument("--only", metavar="FILE", type=Path,
                        help="score only this set of labelled claims, into a RESULTS section of its own")
    args = parser.parse_args()

    settings = Settings()
    embed = CachedEmbedder(get_embeddings(Path(settings.embedding_model)).embed_documents)
    if args.only:
        sets = {args.only.stem: load_claims(args.only)}
    else:
        sets = {"dev": [claim for path in sorted(SETS.glob("dev_*.jsonl")) for claim in load_claims(path)]}
        if args.blind:
            sets["blind"] = load_claims(SETS / "blind.jsonl")
    checkers = {"now": CitationChecker(embed=embed, settings=settings.verification)}
    if args.before:
        checkers = {f"before ({args.before})": old_checker(args.before, embed, settings), **checkers}
    embed([p for claims in sets.values() for c in claims for p in c.passages])  # warm: time the checks, not MiniLM

    reports: dict[str, dict] = {}
    lines = []
    for set_name, claims in sets.items():
        for checker_name, checker in checkers.items():
            started = time.perf_counter()
            report = run_claims(claims, checker)
            label = f"{set_name}, {checker_name}"
            reports[label] = report.to_json()
            print(f"== {label}: {time.perf_counter() - started:.1f} s")
            print(report.table())
            lines += rows(label, summary(report))
    if args.json:
        Path(args.json).write_text(json.dumps(reports, ensure_ascii=False, indent=1), encoding="utf-8")

    info = machine()
    title = f"Verification: {args.only.name}" if args.only else "Verification"
    head = [f"## {title} (benchmarks/verification.py)", "",
            f"{info['date']} · {info['cpu']}, {info['cores']} cores · commit {info['commit']} · "
            f"load {load_average()}", "",
            "Labelled claims in `tests/verification/` (README there). true-pass = supported claims verified; "
            "false-pass = unsupported claims verified. "
            + ("The blind set was written by a helper who never read the checker and scored once. " if args.blind
               else ""), "",
            "| set, checker | subset | n | true-pass | false-pass |", "|---|---|---|---|---|"]
    timing = [f"- {label}: checker time per claim p50 {data['seconds_per_claim']['p50']:.3f} s, "
              f"p95 {data['seconds_per_claim']['p95']:.3f} s" for label, data in reports.items()]
    hard = []
    for label, data in reports.items():
        verified = [k for k in HARD_KINDS if (data["by_kind"].get(k) or {}).get("false_pass_rate")]
        hard.append(f"- {label}: false passes among number, case, party, court, jurisdiction and question-place "
                    f"swaps: {'none' if not verified else ', '.join(verified)}")
    write_section(REPO / "benchmarks" / "RESULTS.md", "\n".join(head + lines + [""] + timing + hard) + "\n")


if __name__ == "__main__":
    main()
