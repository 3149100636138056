"""`check-claims`: the checker over a file of labelled claims, with no index; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.claims import ClaimFileError, load_claims
from assistant.cli import main

PASSAGE = "In Li v. Liu, the Beijing Internet Court awarded the plaintiff RMB 500 in damages, of the RMB 5,000 claimed."
ITEMS = [
    {"id": "t1", "claim": "The court awarded RMB 500 in damages [1].", "passages": [PASSAGE],
     "question": "How much did the court award in Li v. Liu?", "label": "supported", "kind": "reworded", "lang": "en"},
    {"id": "f1", "claim": "The court awarded RMB 5,000 in damages [1].", "passages": [PASSAGE],
     "label": "unsupported", "kind": "number_swap", "lang": "en"},
    {"id": "f2", "claim": "In Brazil the court awarded RMB 500 in damages [1].", "passages": [PASSAGE],
     "label": "unsupported", "kind": "question_place"},
]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_check_claims_reports_rates_per_kind_and_each_verdict_with_its_reason(tmp_path: Path, capsys) -> None:
    pairs = _write(tmp_path / "pairs.jsonl", [json.dumps(item) for item in ITEMS])
    out = tmp_path / "report.json"
    assert main(["check-claims", str(pairs), "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["n"] == 3 and report["true_pass_rate"] == 1.0 and report["false_pass_rate"] == 0.0
    assert set(report["by_kind"]) == {"reworded", "number_swap", "question_place"}
    verdicts = {item["id"]: item for item in report["per_item"]}
    assert verdicts["f1"]["verified"] is False and "5000" in verdicts["f1"]["reason"]
    assert "Brazil" in verdicts["f2"]["reason"]
    assert "true-pass" in capsys.readouterr().out


@pytest.mark.parametrize("line, message", [
    ("{not json", "not JSON"),
    ('{"id": "x", "claim": "c", "passages": ["p"]}', "label"),
    ('{"id": "x", "claim": "c", "passages": ["p"], "label": "maybe"}', "label"),
    ('{"id": "x", "claim": "c", "passages": [], "label": "supported"}', "passages"),
])
def test_bad_lines_are_reported_with_their_number(tmp_path: Path, line: str, message: str) -> None:
    path = _write(tmp_path / "bad.jsonl", [json.dumps(ITEMS[0]), line])
    with pytest.raises(ClaimFileError, match=rf"bad.jsonl:2: .*{message}"):
        load_claims(path)


def test_bad_input_exits_2_with_one_line(tmp_path: Path, capsys) -> None:
    assert main(["check-claims", str(tmp_path / "missing.jsonl")]) == 2
    duplicate = _write(tmp_path / "dup.jsonl", [json.dumps(ITEMS[0]), json.dumps(ITEMS[0])])
    assert main(["check-claims", str(duplicate)]) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 2 and "duplicate id" in errors[1]
