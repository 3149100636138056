"""Web soak: the real server (``copyright-assistant serve`` over a private copy of the library, the
real default model, replies cut at 12 tokens) driven through gradio_client by six sessions taking
turns, 72 turns in all, with the server's resident memory read after each. The loop lives in
benchmarks/web_soak.py (which runs 200 turns and draws the curve): three dev questions, each with a
follow-up that leans on it, every prompt asked by all six sessions running (five of six find it in
llama.cpp's cache), twice round — so the second half asks exactly what the first did, and growth
there is a leak.

It replaces the in-process soak of 200 questions, in the same time or less: the web path runs the
same answer pipeline and adds what the in-process loop cannot see (the server, the sessions' state,
the rendering). benchmarks/soak.py still soaks the pipeline alone over 20 questions in `make bench`.
"""
from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest
from test_reliability import copy_library

from assistant.config import Settings
from assistant.index import Library

REPO = Path(__file__).resolve().parents[1]
SESSIONS = 6
DISTINCT = 3  # a script of 3 questions and their follow-ups: 6 steps
TURNS = 72  # 12 a session: the script twice
MAX_TOKENS = 12


def _web_soak_module() -> ModuleType:
    """benchmarks/web_soak.py, which imports its sibling benchmark helpers from its own folder."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    return importlib.import_module("web_soak")


@pytest.mark.soak
@pytest.mark.slow
def test_the_server_s_memory_levels_off_over_many_sessions(library_settings: Settings, library: Library,
                                                           tmp_path: Path) -> None:
    web_soak = _web_soak_module()
    settings = copy_library(library_settings, tmp_path)
    steps = web_soak.plan(web_soak.load_soak_questions(), TURNS, SESSIONS, DISTINCT)
    with web_soak.web_server(settings.data_dir, settings.model_dir, tmp_path / "server.log", MAX_TOKENS) as (url, pid):
        samples = web_soak.run_web_soak(url, pid, steps)
    result = web_soak.summary(samples)
    print("\nweb soak: " + ", ".join(f"{key} {value:.1f}" for key, value in result.items()))
    assert len(samples) == TURNS
    assert result["errors"] == 0, [s for s in samples if s.outcome == "error"]
    assert result["mixed_up"] == 0, "a session's transcript was not its own"
    assert TURNS - result["gated"] >= TURNS // 2, "most turns must get past the coverage gate"
    assert web_soak.levels_off(result), f"server RSS grew {result['late_growth_pct']:.1f} % over the second half"
