"""Real servers on this machine for the deployment tests (and benchmarks/servers.py): a Chroma
server and llama.cpp's OpenAI-compatible server, each a child process on a free loopback port,
started and stopped explicitly so a test can also take one down and bring it back."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

VENV_BIN = Path(sys.executable).parent
QUIET_ENV = {"ANONYMIZED_TELEMETRY": "False", "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1"}


def free_port() -> int:
    """A loopback port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_json(url: str, timeout: float = 2.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


class LocalServer:
    """One server process on 127.0.0.1:``port``: ``start()`` returns once ``ready_path`` answers
    with JSON, ``stop()`` ends it (SIGTERM, then SIGKILL) and can be followed by ``start()`` again
    on the same port. Its output goes to ``log`` so a test can read what the server saw."""

    def __init__(self, command: list[str], port: int, ready_path: str, log: Path, startup_s: float = 120.0) -> None:
        self.command = command
        self.port = port
        self.ready_url = f"http://127.0.0.1:{port}{ready_path}"
        self.log = log
        self.startup_s = startup_s
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "LocalServer":
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(self.command, stdout=sink, stderr=subprocess.STDOUT,
                                            env={**os.environ, **QUIET_ENV}, start_new_session=True)
        deadline = time.monotonic() + self.startup_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{self.command[0]} exited with {self.process.returncode}:\n{tail}")
            try:
                get_json(self.ready_url)
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"{self.ready_url} did not answer within {self.startup_s:.0f} s")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: children go too
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None


def chroma_server(path: Path, port: int, log: Path) -> LocalServer:
    """`chroma run` from the installed chromadb package, persisting to ``path``."""
    return LocalServer([str(VENV_BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1",
                        "--port", str(port)], port, "/api/v2/heartbeat", log)


def llama_server(model: Path, port: int, log: Path, n_threads: int = 2) -> LocalServer:
    """llama-cpp-python's OpenAI-compatible server with the same context size as the embedded model."""
    return LocalServer([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                        "--port", str(port), "--n_ctx", "4096", "--n_threads", str(n_threads)],
                       port, "/v1/models", log)


def served_model_id(port: int) -> str:
    """The model name an OpenAI-compatible server lists first (what the spec's #MODEL must say)."""
    return str(get_json(f"http://127.0.0.1:{port}/v1/models")["data"][0]["id"])
