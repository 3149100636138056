"""`eval`: the metric arithmetic against hand-computed values, question-file errors, and the command
end to end (real retrieval; one slow run with the real default model)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.cli import main
from assistant.config import Settings
from assistant.types import Answer, Citation
from assistant.types import Statement
from assistant.eval_questions import Question, QuestionFileError, load_questions
from assistant.eval_report import EvalReport
from assistant.evaluation import answer_fields, locator_matches, our_answer_fields, retrieval_fields, run_eval
from assistant.retrieval import HybridRetriever
from assistant.types import Passage

INTERFACE_KEYS = {
    "n_questions": None,
    "retrieval": {"recall_at_5", "mrr"},
    "answers": {"refusal_accuracy", "false_refusal_rate", "citation_precision", "must_mention_rate",
                "unsupported_sentence_rate"},
    "latency": {"retrieval_p50_s", "first_token_p50_s", "total_p50_s"},
}
ROW_KEYS = {"id", "refused", "cited_sources", "retrieved_sources", "must_mention_met", "answer"}

# Three answerable questions (q3 without must_mention) and two unanswerable ones (without the
# optional fields); "difficulty" is a field eval does not know and must ignore.
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


@pytest.mark.parametrize(
    ("gold", "retrieved", "matches"),
    [
        ("Remedies ¶30", "Remedies ¶30", True),
        ("  Remedies   ¶30 ", "Remedies ¶30", True),                 # spaces stripped and collapsed
        ("Remedies ¶30", "Remedies ¶30 (part 2)", True),              # a piece of the gold paragraph
        ("Remedies ¶30", "Remedies ¶29–30", True),                    # a range that holds it (en dash)
        ("Remedies ¶30", "Remedies ¶29-30", True),                    # ... or hyphen
        ("Remedies ¶29-30", "Remedies ¶29–30", True),                 # dashes read alike
        ("Remedies ¶29–31", "Remedies ¶31 (part 1)", True),           # ranges that share a paragraph
        ("Facts > Background ¶2", "Facts > Background ¶1–3", True),
        ("p. 3", "p. 3, part 2", True),
        ("Remedies ¶30", "Remedies ¶31", False),
        ("Remedies ¶30", "Remedies ¶31–32", False),
        ("Remedies ¶30", "Reasoning ¶30", False),                     # another heading
        ("¶3", "¶30", False),
        ("Remedies ¶30 (part 2)", "Remedies ¶30 (part 1)", False),    # the gold names one piece
        ("p. 3", "p. 30", False),
    ],
)
def test_locator_matches(gold: str, retrieved: str, matches: bool) -> None:
    assert locator_matches(gold, retrieved) is matches


# Passage-level metrics: five questions whose hand-computed values are worked out beside each one.
PASSAGE_LEVEL = [
    # gold ¶30 sits in the retrieved "Remedies ¶29–30" at rank 2: a hit. The evidence holds "500" and
    # "apology" but not "tool"; the answer says only "500": 1 group lost before reading, 1 in reading.
    # Cites A (relevant), N (also acceptable), D (neither).
    {"id": "p1", "question": "What did Li v. Liu award?", "relevant_sources": ["A"], "also_acceptable_sources": ["N"],
     "must_mention": [["500"], ["apolog"], ["tool"]], "gold_passages": [["A", "Remedies ¶30"]],
     "must_not_mention": ["5,000"], "lang": "en", "kind": "fact"},
    # Chinese: the gold ¶31 is retrieved under another heading at rank 1 and as a piece at rank 6: a
    # miss. Evidence holds both groups; the answer gives the wrong figure 5,000 (not "500"): 1 group
    # lost in reading, known-wrong, shown as verified.
    {"id": "p2", "question": "李某某诉刘某某案判赔多少?", "relevant_sources": ["A"],
     "must_mention": [["道歉"], ["500"]], "gold_passages": [["A", "Remedies ¶31"]],
     "must_not_mention": ["5,000", "上诉"], "lang": "zh", "kind": "fact"},
    # refused after the model read evidence holding both groups ("Thaler" only in the title): both
    # lost in reading; its must_not_mention does not count (refused).
    {"id": "p3", "question": "Why is the human the author?", "relevant_sources": ["B"],
     "must_mention": [["tool"], ["Thaler"]], "must_not_mention": ["Supreme Court"], "lang": "en",
     "kind": "reasoning"},
    # answered from the case card without the model (does not count in evidence_fact_coverage); gold
    # ¶2 is inside the retrieved "¶1-3": a hit; known-wrong but not shown as verified.
    {"id": "p4", "question": "Who is the author under section 9(3)?", "relevant_sources": ["C"],
     "must_mention": [["9(3)"]], "gold_passages": [["C", "¶2"]], "must_not_mention": ["9(2)"], "lang": "en",
     "kind": "fact"},
    # unanswerable but answered, with a known-wrong string; its evidence does not count (not answerable).
    {"id": "p5", "question": "Was damages awarded in Germany?", "answerable": False,
     "must_not_mention": ["awarded"], "lang": "en", "kind": "unanswerable"},
]


@dataclass
class LocatedRetriever:
    """Returns fixed (source, locator) rankings per question."""

    rankings: dict[str, list[tuple[str, str]]]
    queries: list[str] | None = None

    def run(self, query: str, k: int = 10) -> SimpleNamespace:
        if self.queries is not None:
            self.queries.append(query)
        ranking = self.rankings.get(query, [("X", "¶1")])
        passages = [Passage(f"{query}:{n}", source, "t", locator, "text", 1.0)
                    for n, (source, locator) in enumerate(ranking[:k])]
        return SimpleNamespace(passages=passages, seconds=0.01)


def evidence(*items: tuple[str, str, str, str]) -> list[Passage]:
    return [Passage(f"e{n}", source, title, locator, text, 1.0) for n, (source, title, locator, text) in enumerate(items)]


def passage_level_pipeline() -> SimpleNamespace:
    q = {row["id"]: row["question"] for row in PASSAGE_LEVEL}
    rankings = {
        q["p1"]: [("X", "¶1"), ("A", "Remedies ¶29–30"), ("A", "Reasoning ¶12")],
        q["p2"]: [("A", "Reasoning ¶31"), ("X", "¶1"), ("X", "¶2"), ("X", "¶3"), ("X", "¶4"),
                  ("A", "Remedies ¶31 (part 2)")],
        q["p3"]: [("B", "¶4")],
        q["p4"]: [("C", "¶1-3")],
        q["p5"]: [("X", "¶1")],
    }
    p1 = answer("The court awarded RMB 500 [1][2][3].", cited=("A", "N", "D"),
                statements=(statement("The court awarded RMB 500.", True),))
    p1.evidence = evidence(("A", "Li v. Liu", "Remedies ¶29–30", "The defendant shall pay RMB 500 and apologise."))
    p2 = answer("被告应赔偿5,000元并道歉[1]。", cited=("A",),
                statements=(statement("被告应赔偿5,000元并道歉。", True),))
    p2.evidence = evidence(("A", "李某某诉刘某某", "Remedies ¶29–30", "赔偿500元，赔礼道歉。"))
    p3 = answer("The library does not cover this.", refused=True)
    p3.evidence = evidence(("B", "Thaler v. Perlmutter", "¶4", "The AI is a tool."))
    # an answer object of another shape: answered from the card (its card passage as evidence, which
    # the model never read) and not shown as verified
    p4 = SimpleNamespace(answer="Under section 9(2) the arranger is the author [1].", refused=False,
                         citations=[Citation(1, "C", "t", "Case card", "quote", True)], statements=[],
                         evidence=evidence(("C", "CDPA", "Case card", "section 9(3)")), timings={},
                         refusal_reason=None, model_text="", answered_from="card", verified=False)
    p5 = answer("Yes, damages were awarded [1].", cited=("E",), statements=(statement("Yes.", True),))
    p5.evidence = evidence(("E", "E", "¶1", "awarded"))
    answers = {q["p1"]: p1, q["p2"]: p2, q["p3"]: p3, q["p4"]: p4, q["p5"]: p5}
    return SimpleNamespace(retriever=LocatedRetriever(rankings), ask=lambda question: answers[question])


def test_passage_level_metrics_equal_their_hand_computed_values(tmp_path: Path) -> None:
    questions = load_questions(write_questions(tmp_path / "passages.jsonl", PASSAGE_LEVEL))
    report = run_eval(questions, Settings(data_dir=tmp_path), pipeline=passage_level_pipeline())
    metrics, counts = report.metrics(), report.counts()

    # gold passages on p1 (hit), p2 (miss), p4 (hit) -> 2/3; en 2/2, zh 0/1
    assert metrics["retrieval"]["gold_passage_recall_at_5"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["retrieval_by_lang"]["en"]["gold_passage_recall_at_5"] == 1.0
    assert metrics["retrieval_by_lang"]["zh"]["gold_passage_recall_at_5"] == 0.0
    assert (counts["with_gold_passages"], counts["gold_in_top_5"]) == (3, 2)

    answers = metrics["answers"]
    # answerable questions that reached the model: p1 (2 of 3 groups in evidence), p2 (2 of 2), p3 (2 of 2) -> 6/7
    assert answers["evidence_fact_coverage"] == pytest.approx(6 / 7, abs=1e-4)
    assert (counts["reached_model"], counts["evidence_groups_met"], counts["evidence_groups_asked"]) == (3, 6, 7)
    # missed groups: p1 "tool" (not in evidence) and "apolog" (in it); p2 "500"; p3 both (refused)
    assert (counts["lost_before_reading"], counts["lost_in_reading"]) == (1, 4)
    # answered with must_not_mention: p1, p2, p4, p5 (p3 refused); known-wrong: p2, p4, p5 -> 3/4
    assert answers["known_wrong_rate"] == pytest.approx(0.75)
    # shown as verified: p2 and p5; p4 is not
    assert answers["known_wrong_verified"] == 2
    # answerable citations: p1 A (relevant), N (also acceptable), D (no); p2 A; p4 C -> 4/5
    assert answers["citation_precision"] == pytest.approx(0.8)
    assert (counts["citations_relevant"], counts["citations_also_acceptable"], counts["citations"]) == (4, 1, 5)

    assert metrics["answers_by_lang"] == {
        # en: groups 3 + 2 + 1 asked, 1 met; coverage p1 + p3 = 4/5; known wrong p4, p5 of p1, p4, p5;
        # answerable p1, p3, p4 with p3 refused
        "en": {"must_mention_rate": pytest.approx(1 / 6, abs=1e-4), "evidence_fact_coverage": 0.8,
               "known_wrong_rate": pytest.approx(2 / 3, abs=1e-4), "false_refusal_rate": pytest.approx(1 / 3, abs=1e-4)},
        "zh": {"must_mention_rate": 0.5, "evidence_fact_coverage": 1.0, "known_wrong_rate": 1.0,
               "false_refusal_rate": 0.0},
    }
    assert metrics["answers_by_kind"] == {
        "fact": {"must_mention_rate": pytest.approx(1 / 3, abs=1e-4), "evidence_fact_coverage": 0.8,
                 "known_wrong_rate": pytest.approx(2 / 3, abs=1e-4), "false_refusal_rate": 0.0},
        "reasoning": {"must_mention_rate": 0.0, "evidence_fact_coverage": 1.0, "known_wrong_rate": None,
                      "false_refusal_rate": 1.0},
        "unanswerable": {"must_mention_rate": None, "evidence_fact_coverage": None, "known_wrong_rate": 1.0,
                         "false_refusal_rate": None},
    }

    rows = {row["id"]: row for row in report.to_json()["per_question"]}
    assert rows["p1"]["evidence"] == [{"source_id": "A", "locator": "Remedies ¶29–30",
                                       "text": "The defendant shall pay RMB 500 and apologise."}]
    assert rows["p1"]["retrieved_passages"] == ["X ¶1", "A Remedies ¶29–30", "A Reasoning ¶12"]
    assert [rows[i]["gold_in_top_5"] for i in ("p1", "p2", "p3")] == [True, False, None]

    def lost(row: dict) -> tuple:
        return row["evidence_groups_met"], row["lost_before_reading"], row["lost_in_reading"]

    assert lost(rows["p1"]) == (2, 1, 1) and lost(rows["p3"]) == (2, 0, 2)
    assert rows["p4"]["evidence"] == [{"source_id": "C", "locator": "Case card", "text": "section 9(3)"}]
    assert rows["p4"]["evidence_groups_met"] is None  # answered from the card: the model read nothing
    assert rows["p5"]["evidence_groups_met"] is None  # unanswerable
    assert rows["p2"]["must_not_mentioned"] == ["5,000"] and rows["p1"]["must_not_mentioned"] == []
    assert rows["p3"]["must_not_mentioned"] == []  # a refusal is never known-wrong
    assert rows["p4"]["answered_from"] == "card" and rows["p1"]["answered_from"] == "model"
    assert rows["p2"]["kind"] == "fact" and rows["p2"]["lang"] == "zh"
    json.dumps(report.to_json(), ensure_ascii=False)  # everything serialises

    table = report.table()
    assert "gold_passage_recall_at_5" in table and "2 of 3 questions with gold passages" in table
    assert "6 of 7 groups in the evidence (3 questions reached the model)" in table
    assert "lost before reading 1, in reading 4" in table
    assert "3 of 4 answers to questions with must_not_mention" in table
    assert "4 of 5 citations (1 to an also-acceptable source)" in table
    assert "must_mention_rate (zh)" in table and "1 of 2 groups (Chinese questions)" in table


def test_verified_and_answered_from_fall_back_when_the_answer_lacks_them() -> None:
    """An Answer without ``verified`` counts as shown verified unless refused; without
    ``answered_from`` it was answered by the model."""
    question = Question(id="v", question="How much?", must_not_mention=["5,000"])

    def bare(refused: bool) -> SimpleNamespace:
        return SimpleNamespace(answer="It was 5,000.", refused=refused, citations=[], statements=[], evidence=[],
                               timings={}, refusal_reason=None, model_text="")

    answered, refused = our_answer_fields(question, bare(False)), our_answer_fields(question, bare(True))
    assert (answered["verified"], answered["answered_from"], answered["must_not_mentioned"]) == (True, "model", ["5,000"])
    assert (refused["verified"], refused["must_not_mentioned"]) == (False, [])


def test_passage_level_metrics_are_null_without_their_fields(tmp_path: Path) -> None:
    questions = load_questions(write_questions(tmp_path / "tiny.jsonl", TINY))
    metrics = run_eval(questions, Settings(data_dir=tmp_path), pipeline=fake_pipeline()).metrics()
    assert metrics["retrieval"]["gold_passage_recall_at_5"] is None
    assert metrics["answers"]["evidence_fact_coverage"] is None  # the fake answers carry no evidence
    assert metrics["answers"]["known_wrong_rate"] is None and metrics["answers"]["known_wrong_verified"] is None
    assert set(metrics["answers_by_kind"]) == {"fact", "other"}
    assert metrics["answers_by_kind"]["fact"]["must_mention_rate"] == 1.0
    retrieval_only = run_eval(questions, Settings(data_dir=tmp_path), retrieval_only=True, pipeline=fake_pipeline())
    assert retrieval_only.metrics()["answers_by_lang"] is None and retrieval_only.metrics()["answers_by_kind"] is None
    assert "n/a" in retrieval_only.table()


def test_a_follow_up_is_asked_with_its_history(tmp_path: Path) -> None:
    from assistant.questions import condense

    rows = [
        {"id": "first", "question": "Who won Li v. Liu?", "relevant_sources": ["A"]},
        {"id": "follow", "question": "And how much was awarded?", "relevant_sources": ["A"], "kind": "follow-up",
         "history": [["Who won Li v. Liu?", "The plaintiff won [1]."]]},
    ]
    calls: list[tuple] = []

    def ask(question: str, *history) -> Answer:  # the one-argument call of a plain question stays as it was
        calls.append((question, *history))
        return answer("RMB 500 [1].", cited=("A",))

    queries: list[str] = []
    pipeline = SimpleNamespace(retriever=LocatedRetriever({}, queries), ask=ask)
    report = run_eval(load_questions(write_questions(tmp_path / "h.jsonl", rows)), Settings(data_dir=tmp_path),
                      pipeline=pipeline)
    history = [("Who won Li v. Liu?", "The plaintiff won [1].")]
    assert calls == [("Who won Li v. Liu?",), ("And how much was awarded?", history)]
    # retrieval is scored on the query the pipeline itself would retrieve with
    assert queries == ["Who won Li v. Liu?", condense("And how much was awarded?", history)]
    assert queries[1] != "And how much was awarded?"
    assert report.per_question[1]["kind"] == "follow-up"


def test_answer_fields_defaults_keep_a_system_without_evidence_working() -> None:
    """benchmarks/quality.py builds the LangChain baseline's rows from retrieval_fields and
    answer_fields alone: the new keys default, and what they cannot measure stays out."""
    question = Question(id="b", question="How much?", relevant_sources=["A"], must_mention=[["500"]],
                        must_not_mention=["5,000"], gold_passages=[["A", "Remedies ¶30"]])
    row = retrieval_fields(question, ["A", "X"], 0.1)
    row.update(answer_fields(question, answer="It was 5,000 [1].", refused=False, cited_sources=["A"],
                             sentences_supported=[True], first_token_s=1.0, total_s=2.0))
    assert row["evidence"] == [] and row["answered_from"] == "model" and row["verified"] is None
    assert row["retrieved_passages"] is None and row["gold_in_top_5"] is None
    assert row["must_not_mentioned"] == ["5,000"] and row["evidence_groups_met"] is None
    report = EvalReport(per_question=[row])
    metrics = report.metrics()
    assert metrics["retrieval"]["gold_passage_recall_at_5"] is None
    assert metrics["answers"]["evidence_fact_coverage"] is None
    assert metrics["answers"]["known_wrong_rate"] == 1.0 and metrics["answers"]["known_wrong_verified"] == 0
    assert "known_wrong_rate" in report.table()
    # evidence given as dicts (another system's passages) counts like ours
    row.update(answer_fields(question, answer="It was 5,000 [1].", refused=False, cited_sources=["A"],
                             sentences_supported=[True], first_token_s=1.0, total_s=2.0,
                             evidence=[{"source_id": "A", "locator": "¶30", "text": "RMB 500"}]))
    assert (row["evidence_groups_met"], row["lost_before_reading"], row["lost_in_reading"]) == (1, 0, 1)
    assert row["evidence"] == [{"source_id": "A", "locator": "¶30", "text": "RMB 500"}]


def test_new_optional_fields_are_read_and_defaulted(tmp_path: Path) -> None:
    path = write_questions(tmp_path / "new.jsonl", [
        {"id": "a", "question": "How much?", "must_not_mention": "5,000", "also_acceptable_sources": "seed-news",
         "gold_passages": [["cn-bjic-2023-li-v-liu", "Remedies ¶30"]], "kind": "fact",
         "history": [["Who won?", "The plaintiff."]]},
        {"id": "b", "question": "Why?"},
    ])
    first, second = load_questions(path)
    assert first.must_not_mention == ["5,000"] and first.also_acceptable_sources == ["seed-news"]
    assert first.gold_passages == [("cn-bjic-2023-li-v-liu", "Remedies ¶30")] and first.kind == "fact"
    assert first.history == [("Who won?", "The plaintiff.")]
    assert (second.must_not_mention, second.gold_passages, second.also_acceptable_sources) == ([], [], [])
    assert second.kind is None and second.history is None


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
    assert metrics["retrieval"] == {"recall_at_5": pytest.approx(2 / 3, abs=1e-4), "mrr": pytest.approx(2 / 3, abs=1e-4),
                                    "gold_passage_recall_at_5": None}
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
        ('{"id": "b", "question": "Why?", "gold_passages": [["A"]]}', ":3: field 'gold_passages'"),
        ('{"id": "b", "question": "Why?", "gold_passages": [["A", " "]]}', ":3: field 'gold_passages'"),
        ('{"id": "b", "question": "Why?", "gold_passages": ["A", "Remedies ¶30"]}', ":3: field 'gold_passages'"),
        ('{"id": "b", "question": "Why?", "must_not_mention": [""]}', ":3: field 'must_not_mention'"),
        ('{"id": "b", "question": "Why?", "history": [["Who?"]]}', ":3: field 'history'"),
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
    assert report["retrieval"] == {"recall_at_5": 0.0, "mrr": 0.0, "gold_passage_recall_at_5": None}
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
