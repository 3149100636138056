"""The library on a real Chroma server (`chroma run` from the installed chromadb package).

What a team deployment relies on: ingesting through the server gives the same search results
as the embedded store, every command reaches the server through CA_CHROMA_HOST/CA_CHROMA_PORT,
a stopped server is reported in one line naming its address, and a restarted one is used again
by the same process with nothing re-ingested.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from local_servers import LocalServer, chroma_server, free_port

from assistant.cli import main
from assistant.config import RetrievalSettings, Settings, get_settings
from assistant.index import Library, LibraryUnavailable
from assistant.retrieval import HybridRetriever, SearchFilters

QUERIES: list[tuple[str, SearchFilters]] = [
    ("Who owned the image in the Beijing Internet Court's Stable Diffusion case, and why?", SearchFilters()),
    ("Can a work without a human author be registered with the US Copyright Office?", SearchFilters()),
    ("computer-generated works author section 9(3)", SearchFilters()),
    ("奥特曼 图片 平台 侵权 责任", SearchFilters()),
    ("Is training on copyrighted works allowed for machine learning?", SearchFilters(jurisdiction="JP")),
    ("Who is the author of an AI-generated image?", SearchFilters(jurisdiction="CN")),
]


def ranking(library: Library, query: str, filters: SearchFilters) -> list[tuple[str, str]]:
    """What a user sees of a search: (source id, locator), best first."""
    result = HybridRetriever(library=library, settings=RetrievalSettings(k=8)).run(query, filters=filters)
    return [(p.source_id, p.locator) for p in result.passages]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    folder = tmp_path_factory.mktemp("chroma-server")
    server = chroma_server(folder / "db", free_port(), folder / "chroma.log")
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def server_settings(server: LocalServer, tmp_path_factory: pytest.TempPathFactory, model_dir: Path) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("server-data"), model_dir=model_dir,
                    chroma_host="127.0.0.1", chroma_port=server.port)


@pytest.fixture(scope="module")
def server_library(server_settings: Settings) -> Library:
    library = Library(server_settings)
    report = library.ingest()
    assert not report.rejected, report.rejected
    return library


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `copyright-assistant` in this process, configured only through the environment."""

    def run(settings: Settings, *args: str) -> tuple[int, str, str]:
        for name, value in (("CA_DATA_DIR", settings.data_dir), ("CA_MODEL_DIR", settings.model_dir),
                            ("CA_CHROMA_HOST", settings.chroma_host), ("CA_CHROMA_PORT", settings.chroma_port)):
            monkeypatch.setenv(name, str(value))
        get_settings.cache_clear()
        try:
            status = main(list(args))
        finally:
            get_settings.cache_clear()
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_the_curated_corpus_is_ingested_into_the_server(server_library: Library, library: Library) -> None:
    port = server_library.settings.chroma_port
    stats = server_library.stats()
    assert stats["store"] == f"chroma server 127.0.0.1:{port}"
    assert (stats["documents"], stats["chunks"]) == (library.stats()["documents"], library.stats()["chunks"])
    assert server_library.collection.count() == library.collection.count() == stats["chunks"]
    assert not (server_library.settings.chroma_dir).exists(), "nothing may go to an embedded store"
    assert server_library.manifest.path.name == f"manifest-127.0.0.1-{port}-library.json"


def test_search_results_match_the_embedded_store(server_library: Library, library: Library) -> None:
    documents = server_library.documents()
    for query, filters in QUERIES:
        served = ranking(server_library, query, filters)
        assert served, query
        assert served == ranking(library, query, filters), query
        if filters.jurisdiction:
            assert {documents[source]["meta"]["jurisdiction"] for source, _ in served} == {filters.jurisdiction}


def test_the_command_line_searches_the_server(server_library: Library, cli: Callable[..., tuple[int, str, str]]) -> None:
    query = QUERIES[0][0]
    status, out, err = cli(server_library.settings, "search", query, "--k", "8", "--json")
    assert status == 0, err
    passages = json.loads(out)["passages"]
    assert [(p["source_id"], p["locator"]) for p in passages] == ranking(server_library, query, SearchFilters())


def test_a_restarted_server_is_used_again_without_reingesting(
    server: LocalServer, server_library: Library, cli: Callable[..., tuple[int, str, str]]
) -> None:
    settings = server_library.settings
    address = f"127.0.0.1:{settings.chroma_port}"
    before = {query: ranking(server_library, query, filters) for query, filters in QUERIES[:4]}
    server.stop()
    try:
        with pytest.raises(LibraryUnavailable, match=address):
            ranking(server_library, *QUERIES[0])  # a process that was already connected
        status, _, err = cli(settings, "search", QUERIES[0][0])  # a command that connects afresh
        assert status == 1 and err.count("\n") == 1, err
        assert err.startswith(f"copyright-assistant: error: cannot reach the Chroma server at {address}")
    finally:
        server.start()  # same port, same path
    after = {query: ranking(server_library, query, filters) for query, filters in QUERIES[:4]}
    assert after == before
    again = server_library.ingest()
    assert not again.added and not again.replaced and again.chunks_written == 0
    assert server_library.collection.count() == server_library.stats()["chunks"]
