"""The manifest on its own: no Chroma, no model. What crash safety and concurrent ingests rely on."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import assistant.manifest as manifest_module
from assistant.config import Settings
from assistant.manifest import Manifest

REPO = Path(__file__).resolve().parents[1]


def _entry(name: str, chunks: int = 2) -> dict:
    return {"origin": "user", "path": f"/docs/{name}.md", "content_hash": f"hash-{name}", "chunks": chunks,
            "format": "md", "meta": {"id": name, "title": name}, "set_aside": [], "screen_version": 1}


def test_the_file_name_and_format_are_those_existing_indexes_have(tmp_path: Path) -> None:
    local = Manifest.of_library(Settings(data_dir=tmp_path))
    served = Manifest.of_library(Settings(data_dir=tmp_path, chroma_host="10.0.0.5", chroma_port=8001))
    assert local.path == tmp_path / "manifest-local-library.json"
    assert served.path == tmp_path / "manifest-10.0.0.5-8001-library.json"
    with local.locked() as manifest:
        manifest.mark_complete("a", _entry("a"))
    expected = {"generation": 1, "documents": {"a": {**_entry("a"), "status": "complete"}}}
    assert local.path.read_text(encoding="utf-8") == json.dumps(expected, ensure_ascii=False, indent=1, sort_keys=True)


def test_a_manifest_written_before_the_manifest_class_is_read_as_it_was(tmp_path: Path) -> None:
    old = {"generation": 7, "documents": {
        "a": {**_entry("a", chunks=3), "status": "complete"},
        "b": {"status": "complete", "origin": "curated", "path": "/c/b.md", "content_hash": "h", "chunks": 4,
              "format": "md", "meta": {"id": "b"}},  # before set_aside and screen_version existed
        "c": {**_entry("c"), "status": "pending"},
    }}
    manifest = Manifest(tmp_path / "manifest-local-library.json")
    manifest.path.write_text(json.dumps(old, indent=1), encoding="utf-8")
    assert manifest.read() == old
    assert set(manifest.documents()) == {"a", "b"}
    assert manifest.summary() == {"documents": 2, "chunks": 7, "pending": 1, "generation": 7}


def test_no_file_is_an_empty_manifest(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path / "missing" / "manifest.json")
    assert manifest.read() == {"generation": 0, "documents": {}}
    assert manifest.documents() == {} and manifest.stamp() == (0, 0)
    assert manifest.summary() == {"documents": 0, "chunks": 0, "pending": 0, "generation": 0}


def test_a_crash_between_pending_and_complete_leaves_the_entry_pending(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    with Manifest(path).locked() as manifest:
        manifest.mark_complete("kept", _entry("kept"))
    with pytest.raises(KeyboardInterrupt), Manifest(path).locked() as manifest:
        manifest.mark_pending("half", _entry("half"))
        raise KeyboardInterrupt  # killed while the chunks were being written
    after = Manifest(path)  # the next run
    assert set(after.documents()) == {"kept"}, "a pending document is never listed"
    assert after.summary()["pending"] == 1
    with after.locked() as manifest:
        assert manifest.pending() == [("half", {**_entry("half"), "status": "pending"})]
        manifest.remove("half")  # recovery: its chunks were deleted, drop the entry
        assert manifest.pending() == []
    assert after.read()["documents"].keys() == {"kept"}


def test_a_write_killed_before_the_replace_leaves_the_previous_file_whole(tmp_path: Path, monkeypatch) -> None:
    manifest = Manifest(tmp_path / "manifest.json")
    manifest.write({"generation": 1, "documents": {"a": {**_entry("a"), "status": "complete"}}})
    before = manifest.path.read_text(encoding="utf-8")

    def killed(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(manifest_module.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        manifest.write({"generation": 2, "documents": {"b": {**_entry("b", chunks=500), "status": "complete"}}})
    assert manifest.path.read_text(encoding="utf-8") == before
    assert json.loads(before)["generation"] == 1
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"], "the new content went to a private file"


def test_completing_or_removing_bumps_the_generation_and_marking_pending_does_not(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path / "manifest.json")
    generations = []
    with manifest.locked() as locked:
        locked.mark_pending("a", _entry("a"))
        generations.append(manifest.read()["generation"])
        locked.mark_complete("a", _entry("a"))
        generations.append(manifest.read()["generation"])
        locked.mark_pending("a", locked.entries["a"])  # about to delete its chunks
        generations.append(manifest.read()["generation"])
        locked.remove("a")
        generations.append(manifest.read()["generation"])
    assert generations == [0, 1, 1, 2]


def test_every_change_is_on_disk_at_once_and_moves_the_stamp(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path / "manifest.json")
    stamps = [manifest.stamp()]
    with manifest.locked() as locked:
        locked.mark_pending("a", _entry("a"))
        assert manifest.read()["documents"]["a"]["status"] == "pending"
        stamps.append(manifest.stamp())
        locked.mark_complete("a", _entry("a"))
        assert manifest.read()["documents"]["a"]["status"] == "complete"
        stamps.append(manifest.stamp())
    assert len(set(stamps)) == 3


def test_entries_change_only_through_the_marks(tmp_path: Path) -> None:
    with Manifest(tmp_path / "manifest.json").locked() as manifest:
        with pytest.raises(TypeError):
            manifest.entries["a"] = _entry("a")  # type: ignore[index]


def test_threads_changing_the_manifest_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"

    def writer(name: str) -> None:
        manifest = Manifest(path)  # its own object, as each Library has
        for number in range(20):
            with manifest.locked() as locked:
                locked.mark_complete(f"{name}{number}", _entry(f"{name}{number}", chunks=1))

    threads = [threading.Thread(target=writer, args=(name,)) for name in "abc"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Manifest(path).summary() == {"documents": 60, "chunks": 60, "pending": 0, "generation": 60}


_OTHER_PROCESS = """
import sys
from pathlib import Path
from assistant.manifest import Manifest

Path(sys.argv[2]).touch()
with Manifest(Path(sys.argv[1])).locked() as manifest:
    manifest.mark_complete("theirs", {"origin": "user", "path": "/docs/theirs.md", "chunks": 1})
"""


def test_another_process_waits_for_the_lock_and_then_sees_the_change(tmp_path: Path) -> None:
    path, started = tmp_path / "manifest.json", tmp_path / "started"
    with Manifest(path).locked() as manifest:
        manifest.mark_complete("ours", _entry("ours"))
        other = subprocess.Popen([sys.executable, "-c", _OTHER_PROCESS, str(path), str(started)], cwd=REPO)
        deadline = time.time() + 60
        while not started.exists() and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        assert other.poll() is None, "the other process must wait while the lock is held"
        assert "theirs" not in Manifest(path).read()["documents"]
    assert other.wait(timeout=60) == 0
    data = Manifest(path).read()
    assert set(data["documents"]) == {"ours", "theirs"} and data["generation"] == 2
