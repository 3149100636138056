"""Case linking as a classifier: of the cases the pipeline links a question to, how many did the
question name (precision), and of the cases questions name, how many were linked (recall).

    .venv/bin/python benchmarks/linking.py [--unseen] [--json OUT]

Reads the user-worded question sets of ``tests/eval/`` (``user_questions.jsonl``; with
``--unseen`` also ``user_questions_unseen.jsonl``, written by a helper who never read the
pipeline, frozen, scored once and reported apart). Each question's ``names_case`` holds the
case(s) it refers to however it names them, or null. A question is linked exactly as the pipeline
links it (``AnswerPipeline.cases_asked``, then the retriever's own fallback); no model is loaded.
Only links to cases (judgments, decisions) count; a statute a question names is not a case link.
Rewrites the "Case linking" section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _report import REPO, load_average, machine, write_section  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.pipeline import AnswerPipeline  # noqa: E402
from assistant.questions import condense  # noqa: E402

QUESTIONS = REPO / "tests" / "eval"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def gold(item: dict) -> set[str]:
    named = item.get("names_case")
    if not named:
        return set()
    return {named} if isinstance(named, str) else set(named)


def score(pipeline: AnswerPipeline, items: list[dict]) -> dict:
    """Micro precision and recall over links, per language and style tag, and every error."""
    linker = pipeline.retriever.links().linker
    counts: dict[str, dict[str, int]] = defaultdict(lambda: {"linked": 0, "right": 0, "named": 0, "found": 0})
    errors: list[dict] = []
    started = time.perf_counter()
    for item in items:
        history = [tuple(turn) for turn in item.get("history") or []]
        question = item["question"]
        result = pipeline.retriever.run(condense(question, history), cases=pipeline.cases_asked(question, history))
        linked = {s for s in result.linked if linker.is_case(s)}
        named = gold(item)
        groups = ["all", f"lang:{item.get('lang', 'en')}"] + [f"style:{tag}" for tag in item.get("style") or []]
        for group in groups:
            counts[group]["linked"] += len(linked)
            counts[group]["right"] += len(linked & named)
            counts[group]["named"] += len(named)
            counts[group]["found"] += len(named & linked)
        if linked != named:
            errors.append({"id": item["id"], "question": question[:140], "named": sorted(named),
                           "linked": sorted(linked)})
    share = lambda a, b: round(a / b, 3) if b else None  # noqa: E731
    return {
        "n": len(items),
        "seconds_per_question": round((time.perf_counter() - started) / max(len(items), 1), 3),
        "by_group": {g: {"precision": share(c["right"], c["linked"]), "recall": share(c["found"], c["named"]),
                         "links": c["linked"], "named": c["named"]} for g, c in sorted(counts.items())},
        "errors": errors,
    }


def table(report: dict) -> list[str]:
    lines = ["| group | precision | recall | links made | cases named |", "|---|---|---|---|---|"]
    for group, row in report["by_group"].items():
        if group == "all" or group.startswith("lang:") or row["named"] >= 5:
            lines.append(f"| {group} | {row['precision']} | {row['recall']} | {row['links']} | {row['named']} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--unseen", action="store_true", help="also score the unseen split (once, at the end)")
    parser.add_argument("--json", type=Path, help="write the full report, every error included")
    args = parser.parse_args()
    pipeline = AnswerPipeline.from_settings(Settings())
    reports = {"development": score(pipeline, load(QUESTIONS / "user_questions.jsonl"))}
    if args.unseen:
        reports["unseen"] = score(pipeline, load(QUESTIONS / "user_questions_unseen.jsonl"))
    info = machine()
    lines = ["## Case linking", "",
             f"{info['date']}, commit {info['commit']}, {info['cores']} cores, load {load_average()}. "
             "`benchmarks/linking.py`: the cases the pipeline links each question of the user-worded sets "
             "to (`tests/eval/user_questions*.jsonl`, `names_case`), without the model. Precision: links "
             "that name a case the question refers to; recall: referred cases that were linked. "
             "Target 0.98 / 0.9.", ""]
    for name, report in reports.items():
        lines += [f"**{name}** ({report['n']} questions, {report['seconds_per_question']} s each)", ""]
        lines += table(report) + [""]
        wrong = [e for e in report["errors"] if set(e["linked"]) - set(e["named"])]
        if wrong:
            lines += ["Wrong links: " + "; ".join(f"{e['id']} linked {', '.join(e['linked'])}" for e in wrong), ""]
    write_section(REPO / "benchmarks" / "RESULTS.md", "\n".join(lines))
    for name, report in reports.items():
        overall = report["by_group"]["all"]
        print(f"{name}: precision {overall['precision']} recall {overall['recall']} "
              f"({overall['links']} links, {overall['named']} named)")
    if args.json:
        args.json.write_text(json.dumps(reports, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
