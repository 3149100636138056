#!/usr/bin/env python
"""Code health: the numbers the code-health issue asks for, measured the same way before and after.

    python benchmarks/code_health.py [--repo DIR] [--data-dir DIR]

- **Largest functions**: the longest function bodies (lines) in ``assistant/`` and ``ui/``.
- **Files a question passes through**: the modules of ``assistant/`` whose code runs while one
  question is answered (three questions: a card fact, a model answer, a refusal). The model is a
  fixed reply here, because what is counted is our code, not the model's; the index is the real one.
- **Tuning literals**: numeric literals in ``assistant/`` outside the settings module other than
  0, 1, 2, -1 and 0.5 (the values a rule uses for counting and halving rather than as a tuned
  threshold). Every threshold, budget, weight and cap counts; so do a few array shapes, which is why
  the number is compared before and after rather than read as zero-or-not.

``--repo`` measures another checkout (e.g. a ``git worktree`` of the commit before a change),
with this checkout's index (``--data-dir``).
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
_COUNTING = {0, 1, 2, -1, 0.5}
SETTINGS_MODULES = {"config.py", "settings.py"}
QUESTIONS = [
    "How much did the Beijing Internet Court award in Li v. Liu?",
    "Why did the court find the plaintiff's choices showed intellectual effort in Li v. Liu?",
    "What is the capital of Australia?",
]


def functions(root: Path) -> list[tuple[int, str]]:
    """(lines, "file:function") for every function under ``root``, longest first."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((node.end_lineno - node.lineno + 1, f"{path.relative_to(root.parent)}:{node.name}"))
    return sorted(found, reverse=True)


def tuning_literals(root: Path) -> int:
    """Numeric literals in ``root`` outside the settings module that are not counting values."""
    count = 0
    for path in root.rglob("*.py"):
        if path.name in SETTINGS_MODULES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
                    and not isinstance(node.value, bool) and node.value not in _COUNTING):
                count += 1
    return count


_TRACE = """
import json, sys
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from assistant.config import Settings
from assistant.index import Library
try:
    from assistant.pipeline import AnswerPipeline
except ImportError:
    from assistant.pipeline import AnswerPipeline
questions = json.loads(sys.argv[1])
settings = Settings()
pipeline = AnswerPipeline.from_settings(settings, Library(settings))
reply = "Relevant: 1\\nAnswer: The court awarded RMB 500 in damages [1]."
pipeline.llm = lambda: GenericFakeChatModel(messages=iter([AIMessage(content=reply)] * 10))
pipeline.ask(questions[0])  # warm caches so that the traced asks show the steady path
seen = {}
def tracer(frame, event, arg):
    name = frame.f_code.co_filename
    if event == "call" and "/assistant/" in name:
        seen.setdefault(current, set()).add(name.rsplit("/assistant/", 1)[1])
for current in questions:
    sys.setprofile(tracer)
    pipeline.ask(current)
    sys.setprofile(None)
print(json.dumps({q: sorted(files) for q, files in seen.items()}))
"""


def files_per_question(repo: Path, data_dir: Path) -> dict[str, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(repo), "CA_DATA_DIR": str(data_dir)}
    out = subprocess.run([sys.executable, "-c", _TRACE, json.dumps(QUESTIONS)], cwd=repo, env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, default=HERE)
    parser.add_argument("--data-dir", type=Path, default=HERE / "data")
    args = parser.parse_args()
    repo = args.repo.resolve()
    print("Largest functions (lines):")
    for lines, name in functions(repo / "assistant")[:3] + functions(repo / "ui")[:3]:
        print(f"  {lines:4d}  {name}")
    print(f"Tuning literals in assistant/ outside settings: {tuning_literals(repo / 'assistant')}")
    print("Files of assistant/ a question runs through:")
    for question, files in files_per_question(repo, args.data_dir.resolve()).items():
        print(f"  {len(files):2d}  {question}\n      {', '.join(files)}")


if __name__ == "__main__":
    main()
