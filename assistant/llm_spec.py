"""The LLM spec string (``default``, ``gguf:PATH``, ``ollama:MODEL``, ``openai:BASE_URL#MODEL``), parsed
and validated without importing any backend, so that the settings can check it at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BackendKind = Literal["default", "gguf", "ollama", "openai"]


class InvalidLLMSpec(ValueError):
    """The model spec string is malformed."""


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
