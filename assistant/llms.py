"""LLM backends behind one factory keyed by a model spec string.

Specs: ``default`` (the embedded GGUF through llama.cpp), ``gguf:PATH``, ``ollama:MODEL`` and
``openai:BASE_URL#MODEL``. Every backend is returned as a LangChain chat model, so the answer
chain streams the same way whichever model answers.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

BackendKind = Literal["default", "gguf", "ollama", "openai"]
# Answers are short; the same cap on every backend keeps their latencies comparable.
MAX_TOKENS = 220


class InvalidLLMSpec(ValueError):
    """The model spec string is malformed."""


class LLMUnavailable(RuntimeError):
    """The backend named by a spec cannot be loaded or reached."""


@dataclass(frozen=True)
class LLMSpec:
    kind: BackendKind
    target: str = ""  # GGUF path, Ollama model name, or OpenAI-compatible base URL
    model: str = ""  # model name on an OpenAI-compatible server

    def __str__(self) -> str:
        if self.kind == "default":
            return "default"
        if self.kind == "openai":
            return f"openai:{self.target}#{self.model}"
        return f"{self.kind}:{self.target}"


def parse_llm_spec(spec: str) -> LLMSpec:
    """Parse and validate a spec string; raise InvalidLLMSpec with a message a user can act on."""
    text = (spec or "").strip()
    if text == "default":
        return LLMSpec("default")
    kind, sep, rest = text.partition(":")
    rest = rest.strip()
    if not sep or kind not in ("gguf", "ollama", "openai") or not rest:
        raise InvalidLLMSpec(
            f"invalid LLM spec {spec!r}: use 'default', 'gguf:/path/model.gguf', 'ollama:MODEL' "
            "or 'openai:http://host:port/v1#MODEL'"
        )
    if kind == "gguf":
        if not rest.lower().endswith(".gguf"):
            raise InvalidLLMSpec(f"invalid LLM spec {spec!r}: a gguf spec must name a .gguf file")
        return LLMSpec("gguf", rest)
    if kind == "ollama":
        return LLMSpec("ollama", rest)
    url, _, model = rest.partition("#")
    if not url.startswith(("http://", "https://")) or not model.strip():
        raise InvalidLLMSpec(f"invalid LLM spec {spec!r}: use 'openai:http://host:port/v1#MODEL'")
    return LLMSpec("openai", url.rstrip("/"), model.strip())


class LlamaCppChat(BaseChatModel):
    """A local GGUF model through llama.cpp, as a LangChain chat model.

    One llama.cpp context serves the whole process; a lock serialises requests because a
    context cannot run two generations at once. The chat template comes from the GGUF itself.
    """

    model_path: Path
    n_ctx: int = 4096
    n_threads: int = 2
    temperature: float = 0.0
    max_tokens: int = MAX_TOKENS
    _llama: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def load(self) -> "LlamaCppChat":
        if self._llama is None:
            if not Path(self.model_path).is_file():
                raise LLMUnavailable(f"cannot load LLM: model file {self.model_path} does not exist")
            from llama_cpp import Llama

            try:
                self._llama = Llama(
                    model_path=str(self.model_path),
                    n_ctx=self.n_ctx,
                    n_threads=self.n_threads,
                    n_batch=256,
                    verbose=False,
                )
            except Exception as error:  # llama.cpp raises ValueError/RuntimeError on bad files
                raise LLMUnavailable(f"cannot load LLM from {self.model_path}: {error}") from error
        return self

    @staticmethod
    def _to_chat(messages: list[BaseMessage]) -> list[dict[str, str]]:
        roles = {"human": "user", "ai": "assistant", "system": "system"}
        return [{"role": roles.get(m.type, "user"), "content": str(m.content)} for m in messages]

    def _params(self, stop: list[str] | None, **kwargs: Any) -> dict[str, Any]:
        return {
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "stop": stop or None,
        }

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(chunk.message.content for chunk in self._stream(messages, stop, run_manager, **kwargs))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        self.load()
        with self._lock:
            stream = self._llama.create_chat_completion(
                messages=self._to_chat(messages), stream=True, **self._params(stop, **kwargs)
            )
            for event in stream:
                delta = event["choices"][0]["delta"].get("content")
                if delta:
                    if run_manager:
                        run_manager.on_llm_new_token(delta)
                    yield ChatGenerationChunk(message=AIMessageChunk(content=delta))


class RemoteChat(BaseChatModel):
    """A model served by another process (Ollama, vLLM, llama.cpp server…), wrapping its
    LangChain client so that a server that is down or refuses the request surfaces as
    LLMUnavailable naming the spec, the same error a missing GGUF file gives, instead of a
    client library's own exception."""

    spec: str
    where: str  # the server address, for the message
    client: BaseChatModel

    @property
    def _llm_type(self) -> str:
        return f"remote-{self.client._llm_type}"

    @contextmanager
    def _reaching(self) -> Iterator[None]:
        import httpx
        import ollama
        import openai

        try:
            yield
        except (openai.APIConnectionError, httpx.TransportError) as error:
            raise LLMUnavailable(f"cannot reach LLM {self.spec} at {self.where}: {error}") from error
        except (openai.APIStatusError, ollama.ResponseError) as error:
            raise LLMUnavailable(f"LLM {self.spec} at {self.where} refused the request: {error}") from error

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        with self._reaching():
            return self.client._generate(messages, stop, run_manager, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self._reaching():
            yield from self.client._stream(messages, stop, run_manager, **kwargs)


_cache: dict[str, BaseChatModel] = {}
_cache_lock = threading.Lock()


def is_loaded(spec: str) -> bool:
    """Whether this process already holds the model for a spec (the web chat's status line)."""
    with _cache_lock:
        return str(parse_llm_spec(spec)) in _cache


def load_chat_model(spec: str, settings: Any | None = None) -> BaseChatModel:
    """Return the (process-wide, cached) chat model for a spec; loads a local model once."""
    from assistant.config import get_settings
    from assistant.model_files import default_model_path

    settings = settings or get_settings()
    parsed = parse_llm_spec(spec)
    key = str(parsed)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        if parsed.kind in ("default", "gguf"):
            path = default_model_path(settings.model_dir) if parsed.kind == "default" else Path(parsed.target)
            model: BaseChatModel = LlamaCppChat(
                model_path=path, n_ctx=settings.n_ctx, n_threads=settings.n_threads
            ).load()
        elif parsed.kind == "ollama":
            from langchain_ollama import ChatOllama

            host = os.environ.get("OLLAMA_HOST", "http://127.0.0.1:11434")
            client: BaseChatModel = ChatOllama(
                model=parsed.target, base_url=host, temperature=0.0, num_predict=MAX_TOKENS
            )
            model = RemoteChat(spec=key, where=host, client=client)
        else:
            from langchain_openai import ChatOpenAI

            # Local servers (llama.cpp, vLLM without --api-key) ignore the key, but the client
            # refuses to start without one.
            client = ChatOpenAI(
                base_url=parsed.target,
                model=parsed.model,
                api_key=os.environ.get("OPENAI_API_KEY") or "not-needed",
                temperature=0.0,
                max_tokens=MAX_TOKENS,
                timeout=120,
                max_retries=0,
            )
            model = RemoteChat(spec=key, where=parsed.target, client=client)
        _cache[key] = model
        return model
