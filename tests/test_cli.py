"""Exit statuses and one-line errors of `copyright-assistant` (in-process, real components)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("cli_settings")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ask", ""], "the question is empty"),
        (["ask", "x" * 5000], "limit is 2000"),
        (["ask", "Who owns it?", "--llm", "gpt-4"], "invalid LLM spec"),
        (["search", "   "], "the query is empty"),
        (["ingest", "/no/such/file.pdf"], "no such file"),
        (["eval", "--questions", "/no/such.jsonl"], "question file not found"),
        (["frobnicate"], "invalid choice"),
        (["search", "x", "--date-from", "2023-13-45"], "not an ISO date"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv: list[str], message: str, capsys, library) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def test_search_json_lists_passages_best_first(capsys, library) -> None:
    assert main(["search", "Thaler human authorship D.C. Circuit", "--json", "--k", "3"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["passages"]) == 3
    assert payload["passages"][0]["source_id"] == "us-thaler-v-perlmutter"
    assert {"source_id", "locator", "score", "text"} <= set(payload["passages"][0])


def test_eval_retrieval_only_writes_the_interface_keys(tmp_path: Path, capsys, library) -> None:
    out = tmp_path / "eval.json"
    assert main(["eval", "--questions", str(REPO / "tests/eval/questions.jsonl"), "--retrieval-only", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["n_questions"] >= 60 and report["answers"] is None
    assert report["retrieval"]["recall_at_5"] >= 0.95 and report["retrieval"]["mrr"] >= 0.85
    assert report["retrieval_by_lang"]["zh"]["recall_at_5"] >= 0.9
    assert {"id", "refused", "cited_sources", "retrieved_sources", "must_mention_met", "answer"} <= set(report["per_question"][0])


def test_the_console_script_is_installed_and_reports_bad_usage() -> None:
    script = Path(sys.executable).parent / "copyright-assistant"
    result = subprocess.run([str(script), "ask", ""], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "error: the question is empty" in result.stderr
