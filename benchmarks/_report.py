"""What every benchmark's report shares: the machine it ran on and how it replaces only its own
section of RESULTS.md, so the scripts can run in any order and any subset."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def shown(path: Path) -> str:
    """``path`` relative to the repository when it is inside it."""
    return str(path.resolve().relative_to(REPO)) if path.resolve().is_relative_to(REPO) else str(path)


def git(*args: str) -> str:
    """Output of a git command in the repository (empty when git is unavailable)."""
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine() -> dict[str, str]:
    """Date, cores, CPU model, memory and git commit, for a results header."""
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path("/proc/cpuinfo").is_file() else ""
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")),
               "unknown")
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8") if Path("/proc/meminfo").is_file() else ""
    kib = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal")), 0)
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        commit += " (with uncommitted changes)"
    return {
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cores": str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()),
        "cpu": cpu,
        "memory": f"{kib / 1024 / 1024:.0f} GB",
        "commit": commit,
    }


def load_average() -> str:
    """The 1-minute load average, to judge how noisy the timings were."""
    return f"{os.getloadavg()[0]:.1f}"


def write_section(path: Path, section: str) -> None:
    """Put ``section`` (markdown starting with its "## " heading line) into ``path``, replacing the
    section with the same heading if there is one; every other section stays as it was."""
    heading = section.split("\n", 1)[0]
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n") + "\n\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    path.write_text(text, encoding="utf-8")
