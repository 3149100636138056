from pathlib import Path

from assistant.config import Settings
from assistant.doctor import run_doctor
from assistant.model_files import MODEL_SIZE, default_model_path


def test_doctor_passes_with_the_real_default_model(library_settings: Settings, library, default_model,
                                                   capsys) -> None:
    assert run_doctor(library_settings) == 0
    out = capsys.readouterr().out
    assert "ok   default model" in out and "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046" in out


def test_doctor_reports_an_empty_library_as_a_problem(tmp_path: Path, capsys) -> None:
    assert run_doctor(Settings(data_dir=tmp_path, model_dir=tmp_path / "models")) == 1
    captured = capsys.readouterr()
    assert "FAIL index: the library is empty: run `copyright-assistant ingest` (or `make index`)" in captured.out
    assert "index" in captured.err


def test_doctor_fails_clearly_when_the_model_is_missing(tmp_path: Path, capsys) -> None:
    assert run_doctor(Settings(data_dir=tmp_path, model_dir=tmp_path / "models")) == 1
    captured = capsys.readouterr()
    assert "FAIL default model: default model not found" in captured.out
    assert "problem" in captured.err


def test_doctor_fails_clearly_when_the_model_is_corrupted(tmp_path: Path, capsys) -> None:
    path = default_model_path(tmp_path)
    with open(path, "wb") as handle:
        handle.truncate(MODEL_SIZE)
    assert run_doctor(Settings(data_dir=tmp_path, model_dir=tmp_path)) == 1
    assert "corrupted" in capsys.readouterr().out


def test_doctor_names_a_chroma_server_that_does_not_answer(tmp_path: Path, model_dir: Path, capsys) -> None:
    import socket

    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(data_dir=tmp_path, model_dir=model_dir, chroma_host="127.0.0.1", chroma_port=port)
    assert run_doctor(settings) == 1
    assert f"FAIL index: cannot open the index: cannot reach the Chroma server at 127.0.0.1:{port}" in capsys.readouterr().out


def test_doctor_notices_chunks_missing_from_the_store(library_settings: Settings, library, tmp_path: Path,
                                                      capsys) -> None:
    from test_reliability import copy_library

    from assistant.index import Library

    settings = copy_library(library_settings, tmp_path)
    library = Library(settings)
    stored = library.stored_chunks()
    assert stored == library.stats()["chunks"]
    library.collection.delete(ids=library.collection.get(limit=1)["ids"])  # a lost write
    run_doctor(settings)
    out = capsys.readouterr().out
    assert f"FAIL index: the manifest lists {stored} chunks but embedded chroma" in out and f"holds {stored - 1}" in out
