import re
from pathlib import Path

import pytest
from local_servers import free_port

from assistant.config import Settings
from assistant.llm_spec import InvalidLLMSpec, LLMSpec, parse_llm_spec
from assistant.llms import LLMUnavailable, LlamaCppChat, load_chat_model


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("default", LLMSpec("default")),
        ("gguf:/models/x.gguf", LLMSpec("gguf", "/models/x.gguf")),
        ("ollama:qwen2.5:7b", LLMSpec("ollama", "qwen2.5:7b")),
        ("openai:http://127.0.0.1:8000/v1#Qwen/Qwen2.5-7B", LLMSpec("openai", "http://127.0.0.1:8000/v1", "Qwen/Qwen2.5-7B")),
    ],
)
def test_valid_specs_parse(spec: str, expected: LLMSpec) -> None:
    assert parse_llm_spec(spec) == expected
    assert str(parse_llm_spec(spec)) == spec


@pytest.mark.parametrize("spec", ["", "gpt4", "gguf:", "gguf:/x.bin", "openai:127.0.0.1#m", "openai:http://h/v1", "vllm:x"])
def test_malformed_specs_are_refused_with_a_usable_message(spec: str) -> None:
    with pytest.raises(InvalidLLMSpec, match="LLM spec"):
        parse_llm_spec(spec)


def test_settings_validate_the_llm_spec(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="invalid LLM spec"):
        Settings(data_dir=tmp_path, llm="gpt4")


def test_a_missing_gguf_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailable, match="does not exist"):
        LlamaCppChat(model_path=tmp_path / "absent.gguf").load()


def test_a_file_that_is_not_gguf_gives_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"definitely not a gguf model" * 100)
    with pytest.raises(LLMUnavailable, match="cannot load LLM"):
        LlamaCppChat(model_path=fake).load()


@pytest.mark.slow
def test_the_real_default_model_loads_and_generates(tmp_path: Path, model_dir: Path, default_model: Path) -> None:
    model = load_chat_model("default", Settings(data_dir=tmp_path, model_dir=model_dir))
    assert load_chat_model("default", Settings(data_dir=tmp_path, model_dir=model_dir)) is model  # loaded once
    reply = model.invoke([("human", "Reply with the single word: hello")], max_tokens=8)
    assert "hello" in reply.content.lower()
    streamed = "".join(chunk.content for chunk in model.stream([("human", "Count: 1, 2, 3,")], max_tokens=6))
    assert streamed.strip()


def test_an_unreachable_openai_server_is_named_in_the_error(tmp_path: Path) -> None:
    spec = f"openai:http://127.0.0.1:{free_port()}/v1#some-model"
    model = load_chat_model(spec, Settings(data_dir=tmp_path))
    with pytest.raises(LLMUnavailable, match=re.escape(f"cannot reach LLM {spec}")):
        model.invoke([("human", "hello")])
    with pytest.raises(LLMUnavailable, match=re.escape(f"cannot reach LLM {spec}")):
        list(model.stream([("human", "hello")]))


def test_an_ollama_host_that_is_not_running_is_named_in_the_error(tmp_path: Path, monkeypatch) -> None:
    host = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("OLLAMA_HOST", host)
    spec = "ollama:qwen2.5:1.5b-not-running"
    assert parse_llm_spec(spec) == LLMSpec("ollama", "qwen2.5:1.5b-not-running")
    model = load_chat_model(spec, Settings(data_dir=tmp_path))
    with pytest.raises(LLMUnavailable, match=re.escape(f"cannot reach LLM {spec} at {host}")):
        list(model.stream([("human", "hello")]))


class FakeLlama:
    """Stands in for llama_cpp.Llama: close() frees through a module-level function, as llama.cpp's
    bindings do, and the finaliser closes too."""

    def __init__(self, free, sampler=None) -> None:
        self.free, self._sampler, self.closed = free, sampler, False

    def close(self) -> None:
        if not self.closed:
            self.free("model")
            self.closed = True


class FakeSampler:
    def __init__(self, free) -> None:
        self.free = free

    def close(self) -> None:
        self.free("sampler")


def test_closing_frees_the_sampler_then_the_model_once(tmp_path: Path) -> None:
    from assistant import llms

    freed: list[str] = []
    chat = LlamaCppChat(model_path=tmp_path / "model.gguf")
    chat._llama = FakeLlama(freed.append, FakeSampler(freed.append))
    llms._open_models[id(chat)] = chat
    llms.close_local_models()
    assert freed == ["sampler", "model"] and chat._llama is None
    chat.close()  # closing again does nothing
    assert freed == ["sampler", "model"]


EXIT_SCRIPT = """
import atexit, gc, sys

def teardown():  # registered first, so it runs last: what interpreter teardown does to llama.cpp's bindings
    bindings.free = None
    llms._cache.clear()
    gc.collect()

atexit.register(teardown)
from assistant import llms  # registers its own exit hook, which runs before teardown

class Bindings:
    @staticmethod
    def free():
        print("freed")

bindings = Bindings()

class FakeLlama:
    _sampler = None
    closed = False
    def close(self):
        if not self.closed:
            bindings.free()
            self.closed = True
    def __del__(self):
        self.close()

chat = llms.LlamaCppChat(model_path="/nowhere/model.gguf")
chat._llama = FakeLlama()
llms._open_models[id(chat)] = chat
llms._cache[("fake",)] = chat
del chat
if sys.argv[1:] == ["--no-close"]:
    atexit.unregister(llms.close_local_models)
"""


@pytest.mark.parametrize("closed", [True, False])
def test_a_loaded_model_is_closed_before_the_interpreter_tears_down(closed: bool) -> None:
    """Without the exit hook, the model is freed by its finaliser after the bindings are gone: the
    traceback `make test` used to end with. With it, the model is freed first and nothing is printed."""
    import subprocess
    import sys

    argv = [sys.executable, "-c", EXIT_SCRIPT] + ([] if closed else ["--no-close"])
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    if closed:
        assert result.stdout.strip() == "freed" and result.stderr == ""
    else:
        assert "'NoneType' object is not callable" in result.stderr
