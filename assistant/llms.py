"""LLM backends behind one factory keyed by a model spec string.

Specs: ``default`` (the embedded GGUF through llama.cpp), ``gguf:PATH``, ``ollama:MODEL`` and
``openai:BASE_URL#MODEL``. Every backend is returned as a LangChain chat model, so the answer
chain streams the same way whichever model answers.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, PrivateAttr

from assistant.config import GenerationSettings, Settings, get_settings
from assistant.llm_spec import LLMSpec, parse_llm_spec
from assistant.model_files import default_model_path

class LLMUnavailable(RuntimeError):
    """The backend named by a spec cannot be loaded or reached."""


class LlamaCppChat(BaseChatModel):
    """A local GGUF model through llama.cpp, as a LangChain chat model.

    One llama.cpp context serves the whole process; a lock serialises requests because a
    context cannot run two generations at once. The chat template comes from the GGUF itself.
    """

    model_path: Path
    n_ctx: int = 4096
    n_threads: int = 2
    temperature: float = 0.0
    max_tokens: int = Field(default_factory=lambda: GenerationSettings().max_tokens)
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
            _open_models[id(self)] = self
        return self

    def close(self, wait_s: float = 5.0) -> None:
        """Free the llama.cpp model (and the sampler a generation leaves behind) now, rather than in
        llama.cpp's finalisers. A generation still running after ``wait_s`` keeps its model: freeing
        it under the generation would crash the process."""
        if not self._lock.acquire(timeout=wait_s):
            return
        try:
            llama, self._llama = self._llama, None
            if llama is not None:
                sampler, llama._sampler = getattr(llama, "_sampler", None), None
                if sampler is not None:
                    sampler.close()
                llama.close()
        finally:
            self._lock.release()

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
        import ollama  # the client libraries are imported only by a process that uses a remote model
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
            message = self.client.invoke(messages, stop=stop, **kwargs)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self._reaching():
            for chunk in self.client.stream(messages, stop=stop, **kwargs):
                if run_manager and chunk.content:
                    run_manager.on_llm_new_token(str(chunk.content))
                yield ChatGenerationChunk(message=chunk)


_cache: dict[tuple[Any, ...], BaseChatModel] = {}
_cache_lock = threading.Lock()
# Every local model this process has loaded and not yet let go, so that they can be closed at exit.
_open_models: weakref.WeakValueDictionary[int, LlamaCppChat] = weakref.WeakValueDictionary()


def close_local_models() -> None:
    """Free every llama.cpp model this process loaded. Run at exit: left to llama.cpp's finalisers, a
    model is freed during interpreter teardown, after the module functions those finalisers call have
    become None, and every run that loaded one ended with a traceback ("free_model … 'NoneType'
    object is not callable")."""
    for model in list(_open_models.values()):
        model.close()


atexit.register(close_local_models)


def _ollama_host() -> str:
    return os.environ.get("OLLAMA_HOST", "http://127.0.0.1:11434")


def _cache_key(parsed: LLMSpec, settings: Settings) -> tuple[Any, ...]:
    """Everything that changes the loaded model: the file and llama.cpp's context and threads for a
    local model, the server for a remote one, and the generation knobs for both."""
    generation = (settings.generation.max_tokens, settings.generation.temperature)
    if parsed.kind in ("default", "gguf"):
        path = default_model_path(settings.model_dir) if parsed.kind == "default" else Path(parsed.target)
        return (str(path), settings.n_ctx, settings.n_threads, *generation)
    return (str(parsed), _ollama_host() if parsed.kind == "ollama" else "", *generation)


def is_loaded(spec: str, settings: Settings) -> bool:
    """Whether this process already holds the model for a spec (the web chat's status line)."""
    with _cache_lock:
        return _cache_key(parse_llm_spec(spec), settings) in _cache


def load_chat_model(spec: str, settings: Settings | None = None) -> BaseChatModel:
    """Return the (process-wide, cached) chat model for a spec; loads a local model once."""
    settings = settings or get_settings()
    parsed = parse_llm_spec(spec)
    key = _cache_key(parsed, settings)
    generation = settings.generation
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        if parsed.kind in ("default", "gguf"):
            model: BaseChatModel = LlamaCppChat(
                model_path=Path(key[0]), n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                temperature=generation.temperature, max_tokens=generation.max_tokens,
            ).load()
        elif parsed.kind == "ollama":
            from langchain_ollama import ChatOllama

            client: BaseChatModel = ChatOllama(
                model=parsed.target, base_url=_ollama_host(), temperature=generation.temperature,
                num_predict=generation.max_tokens,
            )
            model = RemoteChat(spec=str(parsed), where=_ollama_host(), client=client)
        else:
            from langchain_openai import ChatOpenAI

            # Local servers (llama.cpp, vLLM without --api-key) ignore the key, but the client
            # refuses to start without one.
            client = ChatOpenAI(
                base_url=parsed.target,
                model=parsed.model,
                api_key=os.environ.get("OPENAI_API_KEY") or "not-needed",
                temperature=generation.temperature,
                max_tokens=generation.max_tokens,
                timeout=120,
                max_retries=0,
            )
            model = RemoteChat(spec=str(parsed), where=parsed.target, client=client)
        _cache[key] = model
        return model
