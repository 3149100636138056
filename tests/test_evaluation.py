"""`eval`: the metric arithmetic against hand-computed values, question-file errors, and the command
end to end (real retrieval; one slow run with the real default model)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.answer import Answer, Citation
from assistant.citations import Statement
from assistant.cli import main
from assistant.config import Settings, get_settings
from assistant.evaluation import QuestionFileError, load_questions, run_eval
from assistant.retrieval import HybridRetriever, Passage

INTERFACE_KEYS = {
    "n_questions": None,
    "retrieval": {"recall_at_5", "mrr"},
    "answers": {"refusal_accuracy", "false_refusal_rate", "citation_precision", "must_mention_rate",
                "unsupported_sentence_rate"},
    "latency": {"retrieval_p50_s", "first_token_p50_s", "total_p50_s"},
}
ROW_KEYS = {"id", "refused", "cited_sources", "retrieved_sources", "must_mention_met", "answer"}

# Three answerable questions (q3 without must_mention) and two unanswerable ones (without the
# optional fields); "kind" and "difficulty" are fields eval does not know and must ignore.
TINY = [
    {"id": "q1", "question": "How much was awarded in Li v. Liu?", "answerable": True, "relevant_sources": ["A"],
     "must_mention": [["500"], ["apolog", "道歉"]], "kind": "fact"},
    {"id": "q2", "question": "Who is an author under US law?", "answerable": True, "relevant_sources": ["B"],
     "must_mention": [["human"]], "difficulty": 3},
    {"id": "q3", "question": "What does the UK rule say?", "answerable": True, "relevant_sources": ["C"]},
    {"id": "q4", "question": "What is the VAT rate on AI art in Germany?", "answerable": False},
    {"id": "q5", "question": "Did the Supreme Court hear Thaler?", "answerable": False},
]


def write_questions(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    return path


@dataclass
class FixedRetriever:
    """Returns a fixed source ranking per question, so ranks are known exactly."""

    rankings: dict[str, list[str]]

    def run(self, query: str, k: int = 10) -> SimpleNamespace:
        passages = [Passage(f"{query}:{n}", source, "t", "¶1", "text", 1.0)
                    for n, source in enumerate(self.rankings[query][:k])]
        return SimpleNamespace(passages=passages, seconds=0.01 * (len(passages) or 1))


def statement(text: str, supported: bool) -> Statement:
    return Statement(text=text, cited=[1], model_cited=[1], supported=supported)


def answer(text: str, *, refused: bool = False, cited: tuple[str, ...] = (), statements: tuple[Statement, ...] = (),
           first_token_s: float | None = None, total_s: float = 0.1) -> Answer:
    citations = [Citation(n, source, "t", "¶1", "quote", True) for n, source in enumerate(cited, 1)]
    return Answer(question="", answer=text, refused=refused, citations=citations, passages=[],
                  timings={"retrieval_s": 0.01, "first_token_s": first_token_s, "total_s": total_s},
                  statements=list(statements), refusal_reason="not_covered" if refused else None)


def fake_pipeline() -> SimpleNamespace:
    q = {row["id"]: row["question"] for row in TINY}
    rankings = {
        q["q1"]: ["A", "X", "Y"],                      # relevant at rank 1
        q["q2"]: ["X", "Y", "B", "Z"],                 # rank 3
        q["q3"]: ["X", "Y", "Z", "W", "V", "C"],       # rank 6: a miss for recall@5, 1/6 for MRR
        q["q4"]: ["X"],
        q["q5"]: ["Y", "X"],
    }
    answers = {
        # 2 of 2 groups met; cites A (relevant) and D (not); 2 claims, 1 unsupported; the sentence
        # saying the sources are silent is no claim and is not counted.
        q["q1"]: answer("The court awarded RMB 500 [1]. She had to apologise [2].", cited=("A", "D"),
                        statements=(statement("The court awarded RMB 500.", True),
                                    statement("She had to apologise.", False),
                                    statement("The sources do not mention the date.", False)),
                        first_token_s=4.0, total_s=10.0),
        # a false refusal whose text happens to contain "human": a refusal meets no group
        q["q2"]: answer("The library does not cover this. Nearest: Thaler v. Perlmutter (human authorship).",
                        refused=True, total_s=0.1),
        # two citations, both from the relevant source; one supported claim
        q["q3"]: answer("Section 9(3) names the arranger [1][2].", cited=("C", "C"),
                        statements=(statement("Section 9(3) names the arranger.", True),),
                        first_token_s=6.0, total_s=14.0),
        q["q4"]: answer("The library does not cover this question.", refused=True, total_s=0.2),
        # an unanswerable question answered anyway: its citation is not scored, its claim is
        q["q5"]: answer("Yes, it did [1].", cited=("E",), statements=(statement("Yes, it did.", False),),
                        first_token_s=5.0, total_s=12.0),
    }
    return SimpleNamespace(retriever=FixedRetriever(rankings), ask=lambda question: answers[question])


def test_every_metric_equals_its_hand_computed_value(tmp_path: Path) -> None:
    questions = load_questions(write_questions(tmp_path / "tiny.jsonl", TINY))
    report = run_eval(questions, Settings(data_dir=tmp_path), pipeline=fake_pipeline())
    metrics = report.metrics()

    assert metrics["n_questions"] == 5
    # recall@5 over the 3 answerable questions: q1 (rank 1) and q2 (rank 3) hit, q3 (rank 6) misses -> 2/3
    assert metrics["retrieval"]["recall_at_5"] == pytest.approx(2 / 3, abs=1e-4)
    # MRR: (1/1 + 1/3 + 1/6) / 3 = 1.5 / 3
    assert metrics["retrieval"]["mrr"] == pytest.approx(0.5)
    answers = metrics["answers"]
    # unanswerable q4 refused, q5 answered -> 1/2
    assert answers["refusal_accuracy"] == pytest.approx(0.5)
    # answerable q2 refused, q1 and q3 answered -> 1/3
    assert answers["false_refusal_rate"] == pytest.approx(1 / 3, abs=1e-4)
    # answerable citations: q1 A (yes), D (no); q3 C, C (yes, yes); q5's E is on an unanswerable question -> 3/4
    assert answers["citation_precision"] == pytest.approx(0.75)
    # groups asked: q1 2 + q2 1 = 3; met: q1 both ("500", "apologise"), q2 none (refused) -> 2/3
    assert answers["must_mention_rate"] == pytest.approx(2 / 3, abs=1e-4)
    # claims: q1 2 (the "do not mention" sentence left out) + q3 1 + q5 1 = 4; unsupported: q1 1 + q5 1 -> 2/4
    assert answers["unsupported_sentence_rate"] == pytest.approx(0.5)
    latency = metrics["latency"]
    # first token only where the model wrote: 4, 6, 5 -> median 5; totals 10, 0.1, 14, 0.2, 12 -> median 10
    assert latency["first_token_p50_s"] == pytest.approx(5.0)
    assert latency["total_p50_s"] == pytest.approx(10.0)
    # retrieval seconds are 0.01 per passage returned: 0.03, 0.04, 0.06, 0.01, 0.02 -> median 0.03
    assert latency["retrieval_p50_s"] == pytest.approx(0.03)
    assert metrics["counts"]["citations"] == 4 and metrics["counts"]["sentences"] == 4

    payload = report.to_json()
    assert [row["id"] for row in payload["per_question"]] == ["q1", "q2", "q3", "q4", "q5"]
    assert payload["per_question"][1]["must_mention_met"] == 0
    assert payload["per_question"][0]["retrieved_sources"] == ["A", "X", "Y"]
    assert "citation_precision" in report.table() and "3 of 4 citations" in report.table()


def test_retrieval_metrics_with_real_retrieval(tmp_path: Path, library) -> None:
    rows = [
        {"id": "en", "question": "How much compensation did the Beijing Internet Court order in the Li v. Liu "
                                 "AI-generated picture case?", "relevant_sources": ["cn-bjic-2023-li-v-liu"]},
        {"id": "zh", "question": "李某某诉刘某某案的原告用什么软件生成了涉案图片?",
         "relevant_sources": ["cn-bjic-2023-li-v-liu", "seed-news-li-v-liu"]},
        {"id": "none", "question": "What did the D.C. Circuit hold in Thaler v. Perlmutter?",
         "relevant_sources": ["no-such-source"]},
        {"id": "out", "question": "What is the VAT rate on AI art in Germany?", "answerable": False},
    ]
    questions = load_questions(write_questions(tmp_path / "real.jsonl", rows))
    pipeline = SimpleNamespace(retriever=HybridRetriever(library=library))
    metrics = run_eval(questions, library.settings, retrieval_only=True, pipeline=pipeline).metrics()
    # the Li v. Liu judgment ranks first for both real questions; "no-such-source" is never found:
    # recall@5 = 2/3, MRR = (1 + 1 + 0) / 3
    assert metrics["retrieval"] == {"recall_at_5": pytest.approx(2 / 3, abs=1e-4), "mrr": pytest.approx(2 / 3, abs=1e-4)}
    assert metrics["answers"] is None and metrics["latency"]["first_token_p50_s"] is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "b", "question": "Why?", ', ":3: not valid JSON"),
        ('{"id": "b", "answerable": true}', ":3: field 'question': Field required"),
        ('{"id": "b", "question": "   "}', ":3: field 'question'"),
        ('{"id": "b", "question": "Why?", "must_mention": [[]]}', ":3: field 'must_mention'"),
        ('["b", "Why?"]', ":3: expected a JSON object, got list"),
        ('{"id": "a", "question": "Again?"}', ":3: id 'a' already used on line 1"),
    ],
)
def test_a_malformed_line_is_named(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "question": "Who?"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(QuestionFileError) as error:
        load_questions(path)
    assert str(error.value).startswith(f"{path}{message}")


def test_optional_fields_default_and_lenient_shapes_are_accepted(tmp_path: Path) -> None:
    path = write_questions(tmp_path / "loose.jsonl", [
        {"question": "Who owns it?", "relevant_sources": "cn-bjic-2023-li-v-liu", "must_mention": ["500", ["a", "b"]]},
        {"id": 7, "question": "And then?", "extra": {"nested": True}},
    ])
    first, second = load_questions(path)
    assert first.id == "line-1" and first.answerable and first.relevant_sources == ["cn-bjic-2023-li-v-liu"]
    assert first.must_mention == [["500"], ["a", "b"]]
    assert second.id == "7" and second.must_mention == [] and second.relevant_sources == []


@pytest.fixture()
def cli_settings(monkeypatch, library_settings):
    """The CLI reads its settings from the environment: point it at the test library."""
    monkeypatch.setenv("CA_DATA_DIR", str(library_settings.data_dir))
    monkeypatch.setenv("CA_MODEL_DIR", str(library_settings.model_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_cli_malformed_file_exits_2_naming_the_line(tmp_path: Path, capsys, cli_settings) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "question": "Who?"}\n{"id": "b"\n', encoding="utf-8")
    assert main(["eval", "--questions", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"{path}:2: not valid JSON" in err and len(err.splitlines()) == 1


def test_cli_refuses_an_output_folder_that_does_not_exist(tmp_path: Path, capsys, cli_settings) -> None:
    questions = write_questions(tmp_path / "tiny.jsonl", TINY)
    assert main(["eval", "--questions", str(questions), "--json", str(tmp_path / "no" / "out.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def assert_interface_keys(report: dict) -> None:
    for key, inner in INTERFACE_KEYS.items():
        assert key in report, key
        if inner is not None and report[key] is not None:
            assert inner <= set(report[key]), (key, inner - set(report[key]))
    assert all(ROW_KEYS <= set(row) for row in report["per_question"])


def test_cli_retrieval_only_end_to_end(tmp_path: Path, capsys, library, cli_settings) -> None:
    questions = write_questions(tmp_path / "tiny.jsonl", TINY)
    out = tmp_path / "out.json"
    assert main(["eval", "--retrieval-only", "--questions", str(questions), "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert_interface_keys(report)
    assert report["n_questions"] == 5 and report["answers"] is None
    # the sources "A", "B", "C" do not exist in the real library: nothing relevant is ever retrieved
    assert report["retrieval"] == {"recall_at_5": 0.0, "mrr": 0.0}
    assert all(row["answer"] is None and row["retrieved_sources"] for row in report["per_question"])
    assert report["latency"]["retrieval_p50_s"] > 0
    table = capsys.readouterr().out
    assert "recall_at_5" in table and "5 questions" in table


@pytest.mark.slow
def test_cli_eval_with_the_real_default_model(tmp_path: Path, capsys, library, cli_settings, default_model) -> None:
    questions = write_questions(tmp_path / "two.jsonl", [
        {"id": "yes", "question": "How much compensation did the Beijing Internet Court order the defendant to "
                                  "pay in the Li v. Liu AI-generated picture case?", "answerable": True,
         "relevant_sources": ["cn-bjic-2023-li-v-liu"], "must_mention": [["500", "五百"]]},
        {"id": "no", "question": "How should my company treat purchases of AI-generated illustrations for VAT "
                                 "purposes in Germany?", "answerable": False},
    ])
    out = tmp_path / "out.json"
    assert main(["eval", "--questions", str(questions), "--json", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert_interface_keys(report)
    answers = report["answers"]
    assert all(value is None or 0.0 <= value <= 1.0 for value in answers.values()), answers
    assert answers["refusal_accuracy"] in (0.0, 1.0) and answers["false_refusal_rate"] in (0.0, 1.0)
    assert report["retrieval"]["recall_at_5"] == 1.0
    assert 0 < report["latency"]["total_p50_s"] < 300
    rows = {row["id"]: row for row in report["per_question"]}
    assert all(isinstance(row["answer"], str) and row["answer"] for row in rows.values())
    assert isinstance(rows["yes"]["refused"], bool) and rows["yes"]["must_mention_met"] in (0, 1)
    assert "refusal_accuracy" in capsys.readouterr().out
