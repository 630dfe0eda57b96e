"""Records serialised as N-Quads: the writer's bytes path and ``Mapped.digest``."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    RdfFormat,
    Triple,
    serialize,
)

import graph.bulk
from commons_graph.namespaces import SCHEMA_NAME
from graph.oxigraph import DiskStore
from loaders.base import Mapped

G = NamedNode("http://example.org/graph/test")
OTHER = NamedNode("http://example.org/graph/other")
NAME = SCHEMA_NAME


def quads(count: int, graph: NamedNode | DefaultGraph = G, start: int = 0) -> list[Quad]:
    return [
        Quad(NamedNode(f"http://example.org/id/test/{i}"), NAME, Literal(f"name {i}"), graph)
        for i in range(start, start + count)
    ]


def nquads(statements: list[Quad]) -> bytes:
    data = serialize(statements, format=RdfFormat.N_QUADS)
    assert data is not None
    return data


def test_a_chunk_of_nquads_lands_in_the_graph_and_counts(tmp_path: Path) -> None:
    store = DiskStore(tmp_path / "store")
    some = quads(5)
    as_triple = Triple(some[4].subject, some[4].predicate, some[4].object)
    with store.write() as writer:
        written = writer.replace_graph(G, [nquads(some[:3]), some[3], as_triple])
    assert written == 5
    assert set(store.snapshot().quads(graph=G)) == set(some)
    assert G in store.snapshot().named_graphs()


def test_chunks_beyond_a_bulk_chunk_are_all_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graph.bulk, "BULK_CHUNK", 10)  # many background bulk loads
    store = DiskStore(tmp_path / "store")
    chunks = [nquads(quads(3, start=3 * i)) for i in range(40)]
    with store.write() as writer:
        assert writer.replace_graph(G, [*chunks, *quads(25, start=1000)]) == 145
    assert len(list(store.snapshot().quads(graph=G))) == 145


@pytest.mark.parametrize(
    "chunk",
    [
        nquads(quads(2) + quads(1, OTHER)),  # a statement of another graph
        nquads(quads(1, DefaultGraph())),  # a statement of the default graph
        nquads(quads(2))[:-1],  # not one statement per line
    ],
    ids=["other-graph", "default-graph", "no-final-newline"],
)
def test_bytes_not_all_in_the_graph_are_refused_and_nothing_is_published(
    tmp_path: Path, chunk: bytes
) -> None:
    store = DiskStore(tmp_path / "store")
    with store.write() as writer:
        writer.replace_graph(G, quads(2))
    before = store.snapshot().generation
    refused = pytest.raises(ValueError, match="one statement per line, each in that graph")
    with refused, store.write() as writer:
        writer.replace_graph(G, [nquads(quads(1, start=50)), chunk])
    assert store.snapshot().generation == before
    assert set(store.snapshot().quads()) == set(quads(2))


def test_digest_depends_on_the_statements_only() -> None:
    some = quads(4)
    as_bytes = Mapped((), kind="item", nquads=nquads(some))
    as_quads = Mapped(list(reversed(some)), kind="item")
    assert as_bytes.digest() == as_quads.digest()
    assert Mapped(some[:3], kind="item").digest() != as_quads.digest()
    assert len(as_quads.digest()) == 32


@pytest.mark.parametrize("count", [3, 2_500], ids=["a-transaction", "bulk-loads"])
def test_added_quads_of_several_graphs_all_land(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int
) -> None:
    # few statements go in a plain transaction, more through the background bulk loads
    monkeypatch.setattr(graph.bulk, "BULK_CHUNK", 1_000)
    store = DiskStore(tmp_path / "store")
    added = quads(count) + quads(count, OTHER, start=count)
    with store.write() as writer:
        writer.add(added)
    assert set(store.snapshot().quads()) == set(added)


def test_a_triple_added_with_no_graph_is_refused_and_nothing_is_published(tmp_path: Path) -> None:
    store = DiskStore(tmp_path / "store")
    before = store.snapshot().generation
    some = quads(1_500)
    stray = Triple(some[0].subject, some[0].predicate, some[0].object)
    refused = pytest.raises(ValueError, match="a triple was written with no graph")
    with refused, store.write() as writer:
        writer.add([*some, stray])  # type: ignore[list-item]
    assert store.snapshot().generation == before


def test_a_blank_node_stays_one_node_across_bulk_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graph.bulk, "BULK_CHUNK", 10)  # the two mentions fall in different loads
    node = BlankNode()
    statements = [
        Quad(node, NAME, Literal("first"), G),
        *quads(25),
        Quad(NamedNode("http://example.org/id/test/x"), NAME, node, G),
    ]
    store = DiskStore(tmp_path / "store")
    with store.write() as writer:
        assert writer.replace_graph(G, statements) == 27
    stored = set(store.snapshot().quads(graph=G))
    assert stored == set(statements)  # the same blank node, with its own id
