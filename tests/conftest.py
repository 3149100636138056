"""Shared fixtures. Every test runs under a socket guard: a connection to anything but this
machine fails the test, so an accidental model-hub or telemetry call cannot pass unnoticed."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

from assistant.config import Settings, get_settings
from assistant.model_files import default_model_path

REPO = Path(__file__).resolve().parents[1]
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded(real):
    def connect(self, address):
        if not _is_local(address):
            raise ConnectionRefusedError(f"test socket guard: outbound connection to {address!r} blocked")
        return real(self, address)

    return connect


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded(_real_connect)
    socket.socket.connect_ex = _guarded(_real_connect_ex)


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """Where `make test` assembled the default model (the repo's data/models)."""
    return REPO / "data" / "models"


@pytest.fixture(scope="session")
def default_model(model_dir: Path) -> Path:
    path = default_model_path(model_dir)
    if not path.is_file():
        pytest.fail(f"default model missing at {path}: run `make model` (make test does it)")
    return path


@pytest.fixture(scope="session")
def library_settings(tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Settings:
    """Settings pointing at a private data dir whose index holds the curated corpus."""
    return Settings(data_dir=tmp_path_factory.mktemp("library"), model_dir=model_dir)


@pytest.fixture(scope="session")
def library(library_settings: Settings):
    """The real curated library: real chunking, real MiniLM embeddings, real embedded Chroma."""
    from assistant.index import Library

    library = Library(library_settings)
    report = library.ingest()
    assert not report.rejected, report.rejected
    return library


@pytest.fixture
def cli_settings(monkeypatch: pytest.MonkeyPatch, library_settings: Settings, library):
    """The CLI reads its settings from the environment: point it at the test library."""
    monkeypatch.setenv("CA_DATA_DIR", str(library_settings.data_dir))
    monkeypatch.setenv("CA_MODEL_DIR", str(library_settings.model_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
