"""Soak: 200 questions in a row through the real pipeline and the real default model, in this
process, with resident memory read after each; it must level off. The loop and its cost bounds
live in benchmarks/soak.py (which also draws the curve): 20 dev questions, each asked five times
running (four of five find their prompt in llama.cpp's cache), model replies cut at 12 tokens,
twice round — so the second half asks exactly what the first did, and growth there is a leak."""
from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest
from test_reliability import copy_library

from assistant.answer import AnswerPipeline
from assistant.config import Settings
from assistant.index import Library

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = 200
DISTINCT = 20  # × 5 repeats × 2 passes = 200
MAX_TOKENS = 12


def _soak_module() -> ModuleType:
    """benchmarks/soak.py, which imports its sibling benchmark helpers from its own folder."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    return importlib.import_module("soak")


@pytest.mark.soak
@pytest.mark.slow
def test_memory_levels_off_over_200_questions(library_settings: Settings, library: Library, tmp_path: Path) -> None:
    soak = _soak_module()
    settings = copy_library(library_settings, tmp_path)
    pipeline = soak.bounded(AnswerPipeline.from_settings(settings, Library(settings)), MAX_TOKENS)
    samples = soak.run_soak(pipeline, soak.load_soak_questions()[:DISTINCT], QUESTIONS, repeats=5)
    result = soak.summary(samples)
    print("\nsoak: " + ", ".join(f"{key} {value:.1f}" for key, value in result.items()))
    assert len(samples) == QUESTIONS
    assert QUESTIONS - result["gated"] >= 100, "most questions must reach the model"
    assert soak.levels_off(result), f"RSS grew {result['late_growth_mb']:.1f} MB over the last {QUESTIONS // 2}"
