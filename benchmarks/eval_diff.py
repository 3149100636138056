#!/usr/bin/env python
"""Which answers changed between two ``copyright-assistant eval --json`` runs.

    python benchmarks/eval_diff.py BEFORE.json[.gz] AFTER.json[.gz]

Compares ``per_question`` row by row on everything that is not a timing: the answer text, refusal,
citations, evidence read, sentences checked. Prints one block per question that differs and a last
line counting them; exits 1 when any differ, so a refactor can prove it changed no answer.
"""
from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path
from typing import Any

TIMINGS = {"first_token_s", "total_s", "retrieval_s", "seconds"}


def load_rows(path: Path) -> dict[str, dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        report = json.load(handle)
    return {row["id"]: {k: v for k, v in row.items() if k not in TIMINGS} for row in report["per_question"]}


def differences(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {key: (before.get(key), after.get(key)) for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    before, after = load_rows(args.before), load_rows(args.after)
    changed = 0
    for qid in sorted(set(before) | set(after)):
        diff = differences(before.get(qid, {}), after.get(qid, {}))
        if not diff:
            continue
        changed += 1
        print(f"== {qid}")
        for key, (old, new) in diff.items():
            print(f"  {key}:\n    before: {json.dumps(old, ensure_ascii=False)[:600]}\n"
                  f"    after:  {json.dumps(new, ensure_ascii=False)[:600]}")
    print(f"{changed} of {len(set(before) | set(after))} questions differ")
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
