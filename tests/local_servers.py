"""Real servers on this machine for the deployment tests and the benchmarks: a Chroma server,
llama.cpp's OpenAI-compatible server and our own web chat, each a child process on a free loopback
port, started and stopped explicitly so a test can also take one down and bring it back."""

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
from collections.abc import Callable
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


def answers_json(url: str) -> bool:
    """Ready when the URL answers with JSON (a server still loading its model answers 503)."""
    try:
        get_json(url)
        return True
    except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
        return False


def answers_http(url: str) -> bool:
    """Ready when the URL answers 200, whatever it serves (the web chat's page, or its login)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class LocalServer:
    """One server process on 127.0.0.1:``port``: ``start()`` returns once ``ready_path`` is ready
    (``ready``: it answers JSON, by default), ``stop()`` ends it (SIGTERM, then SIGKILL) and can be followed by ``start()`` again
    on the same port. Its output goes to ``log`` so a test can read what the server saw. ``env``
    adds to this process's environment; a value of None takes the variable out."""

    def __init__(self, command: list[str], port: int, ready_path: str, log: Path, startup_s: float = 120.0,
                 env: dict[str, str | None] | None = None, ready: Callable[[str], bool] = answers_json) -> None:
        self.command = command
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.ready_url = f"http://127.0.0.1:{port}{ready_path}"
        self.log = log
        self.startup_s = startup_s
        self.env = env or {}
        self.ready = ready
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "LocalServer":
        environment = {**os.environ, **QUIET_ENV, **self.env}
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(self.command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
                                            env={name: value for name, value in environment.items() if value is not None})
        deadline = time.monotonic() + self.startup_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{self.command[0]} exited with {self.process.returncode}:\n{tail}")
            if self.ready(self.ready_url):
                return self
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


def web_chat_server(data_dir: Path, model_dir: Path, port: int, log: Path, **env: str | None) -> LocalServer:
    """``copyright-assistant serve`` over ``data_dir``, ready when its page answers. A restart
    re-indexes what a crash left pending, and the machine is shared: it may take minutes."""
    return LocalServer([sys.executable, "-m", "assistant.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                       port, "/", log, startup_s=600,
                       env={"CA_DATA_DIR": str(data_dir), "CA_MODEL_DIR": str(model_dir), **env}, ready=answers_http)


def served_model_id(port: int) -> str:
    """The model name an OpenAI-compatible server lists first (what the spec's #MODEL must say)."""
    return str(get_json(f"http://127.0.0.1:{port}/v1/models")["data"][0]["id"])
