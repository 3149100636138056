"""Settings: every tuning knob is described, validated and settable from the environment."""

import pytest
from pydantic import ValidationError

from assistant.config import (
    EvidenceSettings,
    GateSettings,
    GenerationSettings,
    RetrievalSettings,
    Settings,
    VerificationSettings,
)

GROUPS = (RetrievalSettings, EvidenceSettings, VerificationSettings, GateSettings, GenerationSettings)


def test_every_knob_says_where_its_value_came_from() -> None:
    for group in GROUPS:
        for name, field in group.model_fields.items():
            assert field.description and len(field.description) > 20, f"{group.__name__}.{name}"


def test_a_knob_is_set_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("CA_GATE__MIN_DENSE", "0.42")
    monkeypatch.setenv("CA_GENERATION__MAX_TOKENS", "12")
    settings = Settings(data_dir=tmp_path)
    assert settings.gate.min_dense == 0.42 and settings.generation.max_tokens == 12
    assert settings.gate.min_coverage == GateSettings().min_coverage  # the rest of the group keeps its defaults


def test_a_knob_out_of_range_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("CA_VERIFICATION__THRESHOLD", "1.5")
    with pytest.raises(ValidationError, match="threshold"):
        Settings(data_dir=tmp_path)
    with pytest.raises(ValidationError, match="lead_chars"):
        EvidenceSettings(budget_chars=500, lead_chars=600)


def test_a_malformed_llm_spec_is_refused_at_start_up(tmp_path) -> None:
    with pytest.raises(ValidationError, match="invalid LLM spec"):
        Settings(data_dir=tmp_path, llm="gpt4")
