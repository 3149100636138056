"""The `openai:URL#MODEL` backend against a real OpenAI-compatible server: llama.cpp's own
(`python -m llama_cpp.server`) serving the default GGUF, started here on a free port. The answer
pipeline must stream, cite and refuse exactly as it does with the embedded model."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_servers import LocalServer, free_port, llama_server, served_model_id

from assistant.cli import main
from assistant.config import Settings, get_settings
from assistant.index import Library
from assistant.pipeline import AnswerPipeline

pytestmark = pytest.mark.slow
HEADLINE = "Who owned the image in the Beijing Internet Court's Stable Diffusion case, and why?"
OUT_OF_SCOPE = "What is the corporate income tax rate for software companies in Germany?"
CHAT_REQUEST = '"POST /v1/chat/completions'


@pytest.fixture(scope="module")
def server(default_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    server = llama_server(default_model, free_port(), tmp_path_factory.mktemp("llama-server") / "server.log")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def spec(server: LocalServer) -> str:
    return f"openai:http://127.0.0.1:{server.port}/v1#{served_model_id(server.port)}"


@pytest.fixture(scope="module")
def pipeline(spec: str, library_settings: Settings, library: Library) -> Iterator[AnswerPipeline]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("OPENAI_API_KEY", raising=False)  # a local server needs no key; the client still works
        settings = library_settings.model_copy(update={"llm": spec})
        pipeline = AnswerPipeline.from_settings(settings, library)
        pipeline.llm()  # the client is built now, while the key is unset
        yield pipeline


def chat_requests(server: LocalServer) -> int:
    return server.log.read_text(errors="replace").count(CHAT_REQUEST)


def test_the_headline_question_is_streamed_and_cited_through_the_server(
    pipeline: AnswerPipeline, server: LocalServer
) -> None:
    arrivals: list[tuple[str, float]] = []
    final = None
    for event in pipeline.stream(HEADLINE):
        arrivals.append((event.kind, time.perf_counter()))
        final = event.answer if event.kind == "final" else final
    kinds = [kind for kind, _ in arrivals]
    assert kinds[0] == "passages" and kinds[-1] == "final" and kinds.count("final") == 1
    tokens = [at for kind, at in arrivals if kind == "token"]
    assert len(tokens) >= 5, "the reply must arrive in pieces, not as one block"
    assert tokens[-1] - tokens[0] > 0.2 and tokens[-1] <= arrivals[-1][1]
    assert chat_requests(server) == 1
    assert final is not None and not final.refused, final.to_json() if final else None
    assert final.citations and all(c.supported for c in final.citations)
    assert "cn-bjic-2023-li-v-liu" in {c.source_id for c in final.citations}, final.to_json()
    assert final.timings["first_token_s"] is not None and final.timings["first_token_s"] < final.timings["total_s"]


def test_an_out_of_scope_question_is_refused_without_asking_the_server(
    pipeline: AnswerPipeline, server: LocalServer
) -> None:
    before = chat_requests(server)
    answer = pipeline.ask(OUT_OF_SCOPE)
    assert answer.refused and "does not cover" in answer.answer
    assert chat_requests(server) == before


def test_ask_names_an_unreachable_server_in_one_line(
    library_settings: Settings, library: Library, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = f"openai:http://127.0.0.1:{free_port()}/v1#absent-model"
    monkeypatch.setenv("CA_DATA_DIR", str(library_settings.data_dir))
    monkeypatch.setenv("CA_MODEL_DIR", str(library_settings.model_dir))
    get_settings.cache_clear()
    try:
        status = main(["ask", HEADLINE, "--llm", spec])
    finally:
        get_settings.cache_clear()
    error = capsys.readouterr().err
    assert status == 1 and error.count("\n") == 1, error
    assert error.startswith("copyright-assistant: error: cannot reach LLM") and spec in error
