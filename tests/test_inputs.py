"""Inputs: paths and http(s) URLs, plain or compressed; the rdf format into a chosen graph."""

from __future__ import annotations

import bz2
import gzip
import http.server
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from commons_graph.errors import BadInput
from commons_graph.iris import Iris
from graph import MemoryStore
from loaders.pipeline import load
from tests.conftest import TEST_BASE

TURTLE = b"""@prefix ex: <http://example.org/ns#> .
ex:a ex:p "one" ; ex:q ex:b .
ex:b ex:p "two" .
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """A loopback HTTP server over tmp_path (tests never leave this machine)."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def graph_size(store: MemoryStore, graph: str) -> int:
    return sum(1 for _ in store.snapshot().quads(graph=NamedNode(graph)))


@pytest.mark.parametrize("compress", [None, "gz", "bz2"])
def test_rdf_from_a_url_plain_or_compressed_into_a_chosen_graph(
    tmp_path: Path, served: str, compress: str | None
) -> None:
    name, data = "data.ttl", TURTLE
    if compress == "gz":
        name, data = "data.ttl.gz", gzip.compress(TURTLE)
    elif compress == "bz2":
        name, data = "data.ttl.bz2", bz2.compress(TURTLE)
    (tmp_path / name).write_bytes(data)
    store = MemoryStore()
    target = "http://example.org/graphs/mine"
    report = load(store, Iris(TEST_BASE), "rdf", f"{served}/{name}", source="mine", graph=target)
    assert (report.loaded, report.quads, report.graph) == (3, 3, target)
    assert report.input == f"{served}/{name}"
    assert graph_size(store, target) == 3


def test_a_url_that_fails_is_one_clear_error(served: str) -> None:
    with pytest.raises(BadInput, match="download failed"):
        load(MemoryStore(), Iris(TEST_BASE), "rdf", f"{served}/missing.ttl", source="x")


def test_rdf_needs_a_source_or_a_graph(tmp_path: Path) -> None:
    path = tmp_path / "data.ttl"
    path.write_bytes(TURTLE)
    with pytest.raises(BadInput, match="--source"):
        load(MemoryStore(), Iris(TEST_BASE), "rdf", str(path))


def test_rdf_syntax_error_says_where_and_keeps_the_previous_version(tmp_path: Path) -> None:
    store = MemoryStore()
    good = tmp_path / "good.ttl"
    good.write_bytes(TURTLE)
    load(store, Iris(TEST_BASE), "rdf", str(good), source="mine")
    bad = tmp_path / "bad.ttl"
    bad.write_bytes(TURTLE + b"ex:c ex:p .\n")
    with pytest.raises(BadInput, match=r"bad\.ttl: not valid .*line 4|bad\.ttl: not valid .*4"):
        load(store, Iris(TEST_BASE), "rdf", str(bad), source="mine")
    assert graph_size(store, f"{TEST_BASE}/graph/mine") == 3


def test_an_unknown_syntax_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.xyz"
    path.write_bytes(TURTLE)
    with pytest.raises(BadInput, match="extension"):
        load(MemoryStore(), Iris(TEST_BASE), "rdf", str(path), source="mine")


def test_a_missing_file_is_one_clear_error() -> None:
    with pytest.raises(BadInput, match="no such file"):
        load(MemoryStore(), Iris(TEST_BASE), "coops-uk", "/nonexistent/file.csv")
