"""Faults and load against the real web server (`copyright-assistant serve` in a subprocess, with the
real library copy, MiniLM, embedded Chroma and, where it answers, the real default model).

- kill -9 in the middle of a web upload, restart, and nothing is half-indexed or lost;
- eight browser sessions asking at once, each keeping its own conversation;
- the login, the loopback bind and the server's own upload limit.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import sqlite3
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psutil
import pytest
from gradio_client import Client, handle_file
from local_servers import LocalServer, free_port, web_chat_server
from test_reliability import audit, copy_library

from assistant.chunking import chunk_document
from assistant.config import Settings
from assistant.index import Library
from assistant.loaders import load_file

T = TypeVar("T")
ANSWER_TIMEOUT_S = 3600  # the last of 16 answers, one at a time, on 2 cores shared with other jobs


@contextmanager
def web_server(settings: Settings, log: Path, **env: str) -> Iterator[LocalServer]:
    """`copyright-assistant serve` on a free loopback port, up and answering HTTP; always stopped."""
    server = web_chat_server(settings.data_dir, Path(settings.model_dir), free_port(), log,
                             CA_MAX_UPLOAD_MB=f"{settings.max_upload_mb:g}", **env)
    try:
        yield server.start()
    finally:
        server.stop()


def wait_for(check: Callable[[], T], timeout_s: float, what: str) -> T:
    deadline = time.monotonic() + timeout_s
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.2)
    return value


def audit_copy(settings: Settings, root: Path) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """Audit a snapshot of the data dir, so this process never holds the live store a server writes."""
    root.mkdir(parents=True)
    snapshot = copy_library(settings, root)
    library = Library(snapshot)
    return audit(library), library.documents()


# -- 3. kill -9 during a web upload ---------------------------------------------------------------
LIBRARY_FILTERS = ("",) * 6  # jurisdiction, type, origin, topic, status, last checked: all shown


def _field_notes(path: Path, paragraphs: int) -> Path:
    """A user document long enough that indexing it takes several embedding batches."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join(
        f"{n}. Entry {n} of the archive records that image batch {n} was generated from prompt set {n % 17} and "
        f"then edited by hand over {n % 9 + 1} sessions; the notes list the seed, the sampler and the changes "
        f"the editor made to composition and colour before the batch was published in volume {n // 50 + 1}."
        for n in range(1, paragraphs + 1))
    path.write_text(f"# Field notes on generated image batches\n\n{body}\n", encoding="utf-8")
    return path


def _pending_upload(settings: Settings) -> str | None:
    """The source_id of a user document the manifest marks pending (indexing has begun)."""
    manifest = Library(settings).manifest.path
    try:
        documents = json.loads(manifest.read_text(encoding="utf-8"))["documents"]
    except (OSError, ValueError):
        return None
    return next((sid for sid, e in documents.items() if e["origin"] == "user" and e["status"] == "pending"), None)


def _upload_started(settings: Settings, outcome: dict[str, Any]) -> str | None:
    """The pending upload's source_id; an upload the server rejected fails the wait at once."""
    assert "error" not in outcome, f"the upload failed before indexing began: {outcome['error']!r}"
    return _pending_upload(settings)


def _chunks_written(settings: Settings, source_id: str) -> int:
    """Chunks of ``source_id`` already in Chroma's SQLite, read without opening the store."""
    database = f"file:{settings.chroma_dir / 'chroma.sqlite3'}?mode=ro"
    try:
        with sqlite3.connect(database, uri=True, timeout=1) as connection:
            return connection.execute("SELECT count(*) FROM embeddings WHERE embedding_id LIKE ?",
                                      (f"{source_id}:%",)).fetchone()[0]
    except sqlite3.Error:
        return 0


def _upload(url: str, path: Path, outcome: dict[str, Any]) -> None:
    try:
        # The upload's inputs: the files, then the six Library filters, then the picked document.
        outcome["notice"] = Client(url, verbose=False).predict([handle_file(str(path))], *LIBRARY_FILTERS,
                                                              None, api_name="/add_files")[0]
    except Exception as error:  # the server is killed under it
        outcome["error"] = error


@pytest.mark.slow
def test_a_server_killed_during_an_upload_loses_nothing(library_settings: Settings, library: Library,
                                                         tmp_path: Path) -> None:
    settings = copy_library(library_settings, tmp_path / "lib")
    curated_counts, _ = audit_copy(settings, tmp_path / "audit-0")
    curated_docs = Library(settings).documents()
    big = _field_notes(tmp_path / "upload" / "field-notes.md", 300)
    expected = len(chunk_document(load_file(big)))
    assert expected == 300

    with web_server(settings, tmp_path / "server-1.log") as server:
        outcome: dict[str, Any] = {}
        uploader = threading.Thread(target=_upload, args=(server.url, big, outcome), daemon=True)
        uploader.start()
        source_id = wait_for(lambda: _upload_started(settings, outcome), 300, "the upload to start indexing")
        wait_for(lambda: _chunks_written(settings, source_id) > 0, 600, "the first chunks to be stored")
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=30)
        uploader.join(timeout=60)
    assert "notice" not in outcome, "the upload finished before the kill"

    # What the kill left: a pending entry and part of the document's chunks (orphans until recovery).
    snapshot = Library(copy_library(settings, tmp_path / "audit-1"))
    assert snapshot.stats()["pending"] == 1
    orphans = len(snapshot.collection.get(where={"source_id": source_id})["ids"])
    assert 0 < orphans < expected, f"{orphans} of {expected} chunks: the kill should land midway"

    with web_server(settings, tmp_path / "server-2.log") as server:
        counts, documents = audit_copy(settings, tmp_path / "audit-2")  # no pending entry, no orphan
        assert {sid: e for sid, e in documents.items() if e["origin"] == "curated"} == curated_docs
        assert set(documents) - set(curated_docs) <= {source_id}
        recovered = source_id in documents
        if recovered:  # finished from the copy in uploads/ at start
            assert documents[source_id]["chunks"] == expected
            assert counts["chunks"] == curated_counts["chunks"] + expected
        else:
            assert counts == curated_counts

        notice = Client(server.url, verbose=False).predict([handle_file(str(big))], *LIBRARY_FILTERS,
                                                           None, api_name="/add_files")[0]
        assert "ca-notice-ok" in notice or "already in the library, unchanged" in notice, notice
        counts, documents = audit_copy(settings, tmp_path / "audit-3")
        assert documents[source_id]["chunks"] == expected and documents[source_id]["status"] == "complete"
        assert counts["documents"] == curated_counts["documents"] + 1
        assert counts["chunks"] == counts["stored"] == curated_counts["chunks"] + expected
        uploads = sorted(p.name for p in (settings.data_dir / "uploads").iterdir())
        assert uploads == ["field-notes.md"]
    print(f"\ncrash: killed with {orphans} of {expected} chunks stored; after restart the document was "
          f"{'complete' if recovered else 'absent'}; the second upload said: {re.sub('<[^>]+>', '', notice)}")


# -- 4. eight sessions at once --------------------------------------------------------------------
# Each first question names its case the way the condenser carries into "When was it decided?"; the two
# Ultraman cases are alike on purpose, so a follow-up answered from the other session's case shows up.
SESSIONS = [
    ("Which court decided Li v. Liu?", {"cn-bjic-2023-li-v-liu", "seed-news-li-v-liu", "cn-commentary-li-v-liu"}),
    ("Which court decided Feilin v. Baidu?", {"cn-bjic-2019-feilin-v-baidu"}),
    ("Which court decided the Dreamwriter case?", {"cn-nanshan-2019-dreamwriter"}),
    ("Which court decided the Hangzhou Ultraman LoRA case?", {"cn-hzic-2024-ultraman-lora"}),
    ("Which court decided the Guangzhou Ultraman case?", {"cn-gzic-2024-ultraman"}),
    ("Which court decided Thaler v. Perlmutter?", {"us-thaler-v-perlmutter"}),
    ("Which court decided the Changshu half heart case?", {"cn-changshu-2025-half-heart"}),
    ("Which court decided the Zhangjiagang butterfly chair case?", {"cn-zhangjiagang-2025-butterfly-chair"}),
]
FOLLOW_UP = "When was it decided?"
_CITED = re.compile(r'class="ca-card ca-citation[^"]*".*?<span class="ca-sid">([^<]*)</span>', re.DOTALL)
_RETRIEVED = re.compile(r'class="ca-card ca-retrieved".*?<span class="ca-sid">([^<]*)</span>', re.DOTALL)
_QUESTIONS = re.compile(r'<div class="ca-msg ca-user"><div class="ca-role">You</div><div class="ca-text">([^<]*)</div>')


@dataclass
class Exchange:
    questions: list[str]  # as the session's transcript shows them
    answered: bool  # a verified answer, not a refusal
    cited: list[str]
    retrieved: list[str]
    transcript: str
    seconds: float


def _ask(client: Client, question: str) -> Exchange:
    started = time.monotonic()
    outputs = client.submit(question, "", api_name="/ask").result(timeout=ANSWER_TIMEOUT_S)
    transcript, sources = outputs[1], outputs[2]
    return Exchange([html.unescape(q) for q in _QUESTIONS.findall(transcript)],
                    "ca-answered" in transcript.rsplit('class="ca-turn"', 1)[-1],
                    _CITED.findall(sources), _RETRIEVED.findall(sources), transcript, time.monotonic() - started)


@pytest.mark.slow
def test_eight_concurrent_sessions_are_all_answered_and_kept_apart(library_settings: Settings, library: Library,
                                                                    tmp_path: Path) -> None:
    settings = copy_library(library_settings, tmp_path / "lib")
    results: list[list[Exchange] | BaseException | None] = [None] * len(SESSIONS)

    def session(index: int, url: str) -> None:
        try:
            client = Client(url, verbose=False)  # its own session: its own conversation state
            first = _ask(client, SESSIONS[index][0])
            results[index] = [first, _ask(client, FOLLOW_UP)]
        except BaseException as error:  # reported below, with the session it belongs to
            results[index] = error

    with web_server(settings, tmp_path / "server.log") as server:
        started = time.monotonic()
        threads = [threading.Thread(target=session, args=(i, server.url), daemon=True) for i in range(len(SESSIONS))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=ANSWER_TIMEOUT_S - (time.monotonic() - started))
        wall = time.monotonic() - started
        after = Client(server.url, verbose=False).predict("What is the corporate tax rate in Germany?", "",
                                                          api_name="/ask")
        assert "ca-refusal" in after[1] and server.process.poll() is None, "the server must still answer"

    done = [exchange for result in results if isinstance(result, list) for exchange in result]
    seconds = [exchange.seconds for exchange in done] or [0.0]
    print(f"\nload: {len(SESSIONS)} sessions × 2 questions in {wall:.0f} s; {len(done)} replies, per request "
          f"p50 {statistics.median(seconds):.0f} s, max {max(seconds):.0f} s; "
          f"{sum(e.answered for e in done)} answered with citations, the rest refused")
    for index, ((question, own), result) in enumerate(zip(SESSIONS, results)):
        assert isinstance(result, list), f"session {index}: {result!r}"
        first, follow = result
        assert first.questions == [question] and follow.questions == [question, FOLLOW_UP], follow.questions
        for exchange in result:
            assert "ca-error" not in exchange.transcript, exchange.transcript
        # The follow-up is about this session's case — what it cites, or else what it found first —
        # and never about another session's.
        others = set().union(*(sources for i, (_, sources) in enumerate(SESSIONS) if i != index))
        shown = follow.cited or follow.retrieved[:1]
        assert set(shown) & own and not set(shown) & others, (index, follow.cited, follow.retrieved)


# -- 6. login, loopback and the server's own upload limit -------------------------------------------
@pytest.mark.slow
def test_login_loopback_and_upload_limit_on_the_real_server(library_settings: Settings, library: Library,
                                                            tmp_path: Path) -> None:
    settings = copy_library(library_settings, tmp_path / "lib", max_upload_mb=0.05)
    before, _ = audit_copy(settings, tmp_path / "audit-0")
    with web_server(settings, tmp_path / "server.log", CA_AUTH="tester:s3cret") as server:
        listening = [c.laddr for c in psutil.Process(server.process.pid).net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN]
        assert listening and all(address.ip == "127.0.0.1" for address in listening), listening

        # Without a login: no app config, no API, no queue, no upload; the page is the login form.
        anonymous = httpx.Client(base_url=server.url, timeout=30)
        assert anonymous.get("/config").status_code == 401
        assert anonymous.get("/gradio_api/info").status_code == 401
        join = {"data": ["Who owned the image?", "", [], "default"], "fn_index": 0, "session_hash": "x"}
        assert anonymous.post("/gradio_api/queue/join", json=join).status_code == 401
        assert anonymous.post("/gradio_api/upload", files={"files": ("a.txt", b"text")}).status_code == 401
        assert anonymous.post("/login", data={"username": "tester", "password": "wrong"}).status_code in (400, 401)
        with pytest.raises(Exception, match="credentials were not provided|login"):
            Client(server.url, verbose=False)
        with pytest.raises(ValueError, match="Could not login"):
            Client(server.url, auth=("tester", "wrong"), verbose=False)

        # With it: the chat answers (an out-of-scope question: refused without the model).
        client = Client(server.url, auth=("tester", "s3cret"), verbose=False)
        transcript = client.predict("What is the corporate tax rate in Germany?", "", api_name="/ask")[1]
        assert "ca-refusal" in transcript and "does not cover" in transcript
        transcript = client.predict("Who owns it? " * 200, "", api_name="/ask")[1]
        assert "the question has 2599 characters; the limit is 2000" in transcript

        # An upload over CA_MAX_UPLOAD_MB is refused by the server itself, before the app sees it.
        signed_in = httpx.Client(base_url=server.url, timeout=30)
        assert signed_in.post("/login", data={"username": "tester", "password": "s3cret"}).status_code == 200
        too_big = signed_in.post("/gradio_api/upload", files={"files": ("big.txt", b"word " * 20_000)})
        assert too_big.status_code == 413, too_big.text
        fits = signed_in.post("/gradio_api/upload", files={"files": ("small.txt", b"word " * 2_000)})
        assert fits.status_code == 200, fits.text
    assert audit_copy(settings, tmp_path / "audit-1")[0] == before
    assert not (settings.data_dir / "uploads").exists()
