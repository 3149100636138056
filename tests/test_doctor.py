from pathlib import Path

from assistant.config import Settings
from assistant.doctor import run_doctor
from assistant.model_files import MODEL_SIZE, default_model_path


def test_doctor_passes_with_the_real_default_model(tmp_path: Path, model_dir: Path, default_model, capsys) -> None:
    assert run_doctor(Settings(data_dir=tmp_path, model_dir=model_dir)) == 0
    out = capsys.readouterr().out
    assert "ok   default model" in out and "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046" in out


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
