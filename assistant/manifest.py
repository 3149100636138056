"""The manifest: the index's own record of which documents it holds, in one JSON file beside it.

Crash safety rests on one rule: a document's entry is marked ``pending`` before its chunks change
and ``complete`` after, and every change is written to disk at once (atomically). A run that finds
a pending entry knows that document's chunks may be half written, and redoes or drops it. The
``generation`` counter grows with every completed change, so caches built from the index can be
named after the version they were built from.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypedDict

from assistant.config import Settings

PENDING = "pending"
COMPLETE = "complete"

Entry = dict[str, Any]
"""One document's record: status, origin, path, content_hash, chunks, format, meta, set_aside,
screen_version (the last two are missing in manifests written before they existed)."""


class ManifestData(TypedDict):
    """The manifest file's content, exactly as it is stored."""

    generation: int
    documents: dict[str, Entry]


class Manifest:
    """The manifest file of one library: read by anyone at any time, changed only under ``locked()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # flock may be emulated by per-process fcntl locks (e.g. on NFS), which do not keep this
        # process's own threads apart; this lock does.
        self._threads = threading.Lock()

    @classmethod
    def of_library(cls, settings: Settings) -> Manifest:
        """The manifest of the store and collection ``settings`` name: one file per store, so an
        embedded store and a Chroma server sharing a data directory never read each other's."""
        store = "local" if not settings.chroma_host else f"{settings.chroma_host}-{settings.chroma_port}"
        return cls(settings.data_dir / f"manifest-{store}-{settings.collection}.json")

    def read(self) -> ManifestData:
        """The manifest as it is on disk now (an empty one before the first write)."""
        if not self.path.is_file():
            return {"generation": 0, "documents": {}}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def write(self, data: ManifestData) -> None:
        """Atomic replace: the manifest on disk is always a complete, parseable file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = private_tmp(self.path)
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)

    def delete(self) -> None:
        """Forget every document (the library is being reset; hold ``locked()``)."""
        self.path.unlink(missing_ok=True)

    def documents(self) -> dict[str, Entry]:
        """Complete documents by source_id: what the library lists and searches."""
        return {sid: entry for sid, entry in self.read()["documents"].items() if entry.get("status") == COMPLETE}

    def summary(self) -> dict[str, int]:
        """Complete documents and their chunks, documents left pending, and the generation."""
        data = self.read()
        complete = [entry for entry in data["documents"].values() if entry.get("status") == COMPLETE]
        return {
            "documents": len(complete),
            "chunks": sum(entry["chunks"] for entry in complete),
            "pending": len(data["documents"]) - len(complete),
            "generation": data["generation"],
        }

    def stamp(self) -> tuple[int, int]:
        """The file's modification time and size: a change check that costs one stat, not a parse."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return (0, 0)
        return (stat.st_mtime_ns, stat.st_size)

    @contextmanager
    def locked(self) -> Iterator[LockedManifest]:
        """Exclusive right to change the manifest, across threads and processes: a file lock beside
        it, held over its read-modify-write (and the index change it records). Without it two
        processes ingesting at once each write their own manifest and the last write wins: a
        document stays searchable but vanishes from the list. Processes sharing a Chroma server
        share the data directory (docs/deploy.md), so they share this lock too."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._threads, open(self.path.with_name(self.path.name + ".lock"), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield LockedManifest(self, self.read())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class LockedManifest:
    """The manifest read under its lock. Each change is written through at once, so a crash leaves
    the file as it was after the last completed step."""

    def __init__(self, manifest: Manifest, data: ManifestData) -> None:
        self._manifest = manifest
        self._data = data

    @property
    def entries(self) -> Mapping[str, Entry]:
        """Every entry by source_id, pending ones included (read-only: change them through the marks)."""
        return MappingProxyType(self._data["documents"])

    def pending(self) -> list[tuple[str, Entry]]:
        """Entries whose chunks a killed run may have left half written."""
        return [(sid, entry) for sid, entry in self._data["documents"].items() if entry.get("status") != COMPLETE]

    def mark_pending(self, source_id: str, entry: Entry) -> None:
        """Record ``entry`` as pending: done before its chunks are written or deleted."""
        self._data["documents"][source_id] = {**entry, "status": PENDING}
        self._manifest.write(self._data)

    def mark_complete(self, source_id: str, entry: Entry) -> None:
        """Record ``entry`` as complete once its chunks are written: a new generation."""
        self._data["documents"][source_id] = {**entry, "status": COMPLETE}
        self._data["generation"] += 1
        self._manifest.write(self._data)

    def remove(self, source_id: str) -> None:
        """Drop the entry once its chunks are deleted: a new generation."""
        del self._data["documents"][source_id]
        self._data["generation"] += 1
        self._manifest.write(self._data)


def private_tmp(path: Path) -> Path:
    """A temporary name no other writer uses: web processes sharing one data dir may write the
    same file at the same moment, and a shared temporary file would interleave their bytes."""
    return path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
