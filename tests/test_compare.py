"""Comparing jurisdictions (assistant/compare.py and `copyright-assistant compare`).

Fast tests run the real library, retriever, gate and citation checker with a scripted model in
place of the LLM, so they pin down the row logic; the slow test asks the real default model."""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from assistant.cli import main
from assistant.pipeline import AnswerPipeline
from assistant.text import split_sentences
from assistant.compare import CompareEvent, CompareRow, Comparison, library_jurisdictions, parse_jurisdictions
from assistant.sides import _cut, refusal_text
from assistant.config import Settings
from assistant.index import Library
from assistant.schema import JURISDICTIONS

TRAINING = "Is training an AI model on copyrighted works without permission lawful?"
OUT_OF_SCOPE = "What is the corporate income tax rate for software companies?"
ROW_KEYS = {"jurisdiction", "name", "refused", "answer", "citations", "passages", "highlight"}
CITATION_KEYS = {"n", "source_id", "title", "locator", "quote", "supported"}


class ScriptedModel:
    """Stands in for the LLM: replies by quoting the first sentence of source [1], cited, then
    rambles on, so the row's two-sentence limit and the citation checker both have work to do."""

    def __init__(self, stop_after_first_chunk: threading.Event | None = None) -> None:
        self.calls: list[str] = []
        self.streamed = ""
        self.stop = stop_after_first_chunk

    def stream(self, messages: list[Any], **kwargs: Any) -> Iterator[AIMessageChunk]:
        last = messages[-1]
        prompt = last[1] if isinstance(last, tuple) else str(last.content)
        self.calls.append(prompt)
        source = re.search(r"<sources>\n\[1\] [^\n]*\n(.+?)(?:\n\[2\] |\n</sources>)", prompt, re.DOTALL)
        first = split_sentences(source.group(1).strip("… "))[0] if source else "Nothing."
        reply = (f"Relevant: [1]\nAnswer: {first.rstrip('.')} [1]. The sources add a second point [1]. "
                 "A third sentence follows [1].")
        for word in re.findall(r"\S+\s*", reply):
            self.streamed += word
            yield AIMessageChunk(content=word)
            if self.stop is not None:
                self.stop.set()


@pytest.fixture(scope="module")
def pipeline(library_settings: Settings, library: Library) -> AnswerPipeline:
    return AnswerPipeline.from_settings(library_settings, library)


def _scripted(pipeline: AnswerPipeline, model: ScriptedModel) -> Comparison:
    scripted = copy.copy(pipeline)
    scripted.llm = lambda: model  # type: ignore[assignment, return-value]
    return Comparison(scripted)


def _jurisdiction_of(library: Library) -> dict[str, str]:
    return {sid: entry["meta"]["jurisdiction"] for sid, entry in library.documents().items()}


# -- input ------------------------------------------------------------------------------------
def test_jurisdictions_are_parsed_upper_cased_and_deduplicated() -> None:
    assert parse_jurisdictions("cn, US") == ["CN", "US"]
    assert parse_jurisdictions(["uk", "UK", " eu "]) == ["UK", "EU"]
    with pytest.raises(ValueError, match=r"unknown jurisdiction 'XX' \(choose from CN, US, UK"):
        parse_jurisdictions("CN,XX")
    with pytest.raises(ValueError, match="no jurisdiction given"):
        parse_jurisdictions(" , ")


def test_the_library_jurisdictions_come_in_the_schema_order(library: Library) -> None:
    assert library_jurisdictions(library) == list(JURISDICTIONS)


def test_the_reply_is_cut_after_two_sentences_even_across_tokens() -> None:
    written = "Relevant: [1]\nAnswer: In Li v. Liu the court held X [1]. It awarded Y [2"
    assert _cut(written, "]. The", 2) == 2  # keeps "]." and drops the third sentence's first word
    assert _cut("Relevant: [1]", "\nAnswer: One [1].", 2) is None
    assert _cut("Relevant: none", "\nAnswer: The sources do not", 2) is None


def test_a_refusal_names_the_jurisdiction_and_takes_no_position() -> None:
    assert refusal_text("UK") == "The library has nothing on this for the United Kingdom."
    assert refusal_text("CN") == "The library has nothing on this for China."
    assert "英国" in refusal_text("UK", "zh")
    # Passages were read but the answer failed the checker: not "nothing on this".
    assert refusal_text("UK", "en", "unverified") == ("The library's passages for the United Kingdom were read, "
                                                      "but no answer from them could be verified.")
    assert refusal_text("UK", "en", "sources_silent") == "The library's sources for the United Kingdom do not answer this."


def test_the_sides_of_a_comparison_are_its_cases_or_else_its_jurisdictions() -> None:
    from assistant.sides import sides_of

    label = {"li": "Li v. Liu", "prague": "S. Š. v TAUBEL LEGAL"}.get
    cases = sides_of("How did Li v. Liu and the Prague case differ?", ["li", "prague"], label)
    assert [(s.label, s.cases) for s in cases] == [("Li v. Liu", ["li"]), ("S. Š. v TAUBEL LEGAL", ["prague"])]
    places = sides_of("How do the Korean and US registration rules compare?", [], label)
    assert [(s.label, s.filters.jurisdiction) for s in places] == [("the United States", "US"), ("South Korea", "KR")]
    assert "Korean" not in places[0].question and " US " not in places[1].question  # each asked alone
    assert sides_of("What did Li v. Liu award?", ["li"], label) == []
    assert sides_of("Can AI art be protected in the US?", [], label) == []


# -- rows -------------------------------------------------------------------------------------
def test_passages_come_first_then_refusals_then_answers_each_citing_its_own_jurisdiction(
        pipeline: AnswerPipeline, library: Library) -> None:
    model = ScriptedModel()
    events = list(_scripted(pipeline, model).stream(TRAINING, "US,CZ,DE"))
    kinds = [e.kind for e in events]
    assert kinds == ["passages"] * 3 + ["row"] * 3
    first = {e.row.jurisdiction: e.row for e in events if e.kind == "passages"}
    rows = {e.row.jurisdiction: e.row for e in events if e.kind == "row"}
    assert all(not row.done and not row.answer and row.passages for row in first.values())
    assert first["US"].highlight in split_sentences(first["US"].passages[0].text)

    # Czech law is in the library only through one authorship judgment: refused at once, no model call.
    assert events[3].row.jurisdiction == "CZ" and rows["CZ"].refused and rows["CZ"].done
    assert rows["CZ"].answer == "The library has nothing on this for the Czech Republic."
    assert rows["CZ"].refusal_reason == "not_covered" and not rows["CZ"].citations
    assert len(model.calls) == 2
    assert "\nAnswer for the United States only, in one or two sentences." in model.calls[0]
    assert "third" not in model.streamed  # generation stopped after two sentences

    where = _jurisdiction_of(library)
    for code in ("US", "DE"):
        row = rows[code]
        assert row.done and row.name in ("United States", "Germany")
        assert {p.metadata["jurisdiction"] for p in row.passages} == {code}
        if not row.refused:
            assert row.citations and all(where[c.source_id] == code for c in row.citations)
            assert [c.n for c in row.citations] == list(range(1, len(row.citations) + 1))
            assert "[1]" in row.answer
    assert any(not rows[code].refused for code in ("US", "DE"))


def test_a_question_outside_the_library_is_refused_in_every_row_without_the_model(pipeline: AnswerPipeline) -> None:
    model = ScriptedModel()
    rows = _scripted(pipeline, model).run(OUT_OF_SCOPE, ["CN", "UK"])
    assert [r.jurisdiction for r in rows] == ["CN", "UK"]
    assert all(r.refused and r.done and not r.citations and not r.highlight for r in rows)
    assert rows[1].answer == "The library has nothing on this for the United Kingdom."
    assert model.calls == []


def test_stopping_between_rows_ends_the_run(pipeline: AnswerPipeline) -> None:
    model = ScriptedModel()
    stop = threading.Event()
    seen: list[CompareEvent] = []
    for event in _scripted(pipeline, model).stream(TRAINING, ["US", "JP", "DE"], stop):
        seen.append(event)
        if event.kind == "row":
            stop.set()
    assert [e.kind for e in seen] == ["passages"] * 3 + ["row"]
    assert len(model.calls) == 1


def test_stopping_while_the_model_writes_drops_that_row(pipeline: AnswerPipeline) -> None:
    stop = threading.Event()
    model = ScriptedModel(stop_after_first_chunk=stop)
    events = list(_scripted(pipeline, model).stream(TRAINING, ["US", "JP"], stop))
    assert [e.kind for e in events] == ["passages", "passages"]
    assert len(model.calls) == 1 and len(model.streamed.split()) == 2  # the chunk that saw the stop was the last


def test_an_empty_question_or_unknown_jurisdiction_raises_before_any_work(pipeline: AnswerPipeline) -> None:
    comparison = _scripted(pipeline, ScriptedModel())
    with pytest.raises(ValueError, match="empty"):
        list(comparison.stream("  ", ["CN"]))
    with pytest.raises(ValueError, match="unknown jurisdiction 'ZZ'"):
        list(comparison.stream(TRAINING, ["ZZ"]))


def test_a_row_as_json_has_the_interface_keys() -> None:
    row = CompareRow("UK", "United Kingdom", refused=True, answer=refusal_text("UK"), done=True)
    assert set(row.to_json()) >= ROW_KEYS


# -- command line -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "", "--jurisdictions", "CN,US"], "the question is empty"),
        (["compare", "   "], "the question is empty"),
        (["compare", "Who owns AI art?", "--jurisdictions", "CN,XX"], "unknown jurisdiction 'XX' (choose from CN, US"),
        (["compare", "Who owns AI art?", "--jurisdictions", ","], "no jurisdiction given"),
        (["compare", "x" * 5000], "limit is 2000"),
        (["compare", "Who owns AI art?", "--llm", "gpt-4"], "invalid LLM spec"),
    ],
)
def test_bad_input_exits_2_with_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
                                         cli_settings: None) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


def _check_schema(payload: dict[str, Any], codes: list[str]) -> None:
    assert payload["jurisdictions"] == codes
    assert [row["jurisdiction"] for row in payload["rows"]] == codes
    for row in payload["rows"]:
        assert set(row) >= ROW_KEYS and isinstance(row["refused"], bool)
        for citation in row["citations"]:
            assert set(citation) >= CITATION_KEYS  # Citation.to_json, as `ask --json` prints it
        for passage in row["passages"]:
            assert {"source_id", "locator", "score", "text"} <= set(passage)
        if row["refused"]:
            assert not row["citations"] and row["name"] in row["answer"]


def test_json_rows_follow_the_schema(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                     cli_settings: None) -> None:
    import assistant.llms

    model = ScriptedModel()
    monkeypatch.setattr(assistant.llms, "load_chat_model", lambda spec, settings=None: model)
    assert main(["compare", TRAINING, "--jurisdictions", "us,cz", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    _check_schema(payload, ["US", "CZ"])
    assert payload["question"] == TRAINING and payload["stopped"] is False
    assert set(payload["timings"]) == {"first_passages_s", "total_s"}


def test_text_output_shows_each_best_passage_then_each_row(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str], cli_settings: None) -> None:
    import assistant.llms

    monkeypatch.setattr(assistant.llms, "load_chat_model", lambda spec, settings=None: ScriptedModel())
    assert main(["compare", TRAINING, "--jurisdictions", "US,CZ"]) == 0
    out = capsys.readouterr().out
    assert out.index("United States (US): ") < out.index("Czech Republic (CZ): ") < out.index("== Czech Republic (CZ) ==")
    assert "The library has nothing on this for the Czech Republic." in out


# -- the real model ---------------------------------------------------------------------------
@pytest.mark.slow
def test_three_jurisdictions_with_the_real_model(capsys: pytest.CaptureFixture[str], cli_settings: None,
                                                 library: Library) -> None:
    """Each answered row cites only its own jurisdiction's documents; the Czech row, with nothing
    on AI training in the library, is refused; --json follows the schema."""
    codes = ["US", "DE", "CZ"]
    assert main(["compare", TRAINING, "--jurisdictions", ",".join(codes), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    _check_schema(payload, codes)
    rows = {row["jurisdiction"]: row for row in payload["rows"]}
    assert rows["CZ"]["refused"] and rows["CZ"]["answer"] == refusal_text("CZ")
    where = _jurisdiction_of(library)
    answered = [row for row in rows.values() if not row["refused"]]
    assert answered, payload
    for row in answered:
        assert row["citations"] and all(c["supported"] for c in row["citations"])
        assert {where[c["source_id"]] for c in row["citations"]} == {row["jurisdiction"]}
        assert re.search(r"\[\d+\]", row["answer"])
