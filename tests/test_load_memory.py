"""Reloads in bounded memory: replacing a graph piecemeal, and an exact change feed written in chunks.

``OxigraphWriter.replace_graph`` removes the previous statements in small transactions (one
``Store.remove_graph`` transaction is held in memory whole), and the change step generates its
activities and state while they are written. These tests force many small chunks and check that
the result is exactly what it must be, on the real store and the real Wikidata sample.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import Literal, NamedNode, Quad

import graph.bulk
import graph.oxigraph
from commons_graph.iris import Iris
from commons_graph.namespaces import AS, RDF_TYPE, SCHEMA_NAME, WIKIBASE_ITEM
from graph.changes import (
    AS_END_TIME,
    AS_OBJECT,
    CG_HASH,
    CG_OBJECT_TYPE,
    DCT_MODIFIED,
    count_by_kind,
    feed_graph,
    state_graph,
    total_activities,
)
from graph.oxigraph import DiskStore
from graph.store import Snapshot
from loaders.pipeline import load
from loaders.provenance import LoadReport
from tests.conftest import shared_file

G = NamedNode("http://example.org/graph/test")
OTHER = NamedNode("http://example.org/graph/other")


def quads(count: int, graph: NamedNode = G, start: int = 0) -> list[Quad]:
    return [
        Quad(NamedNode(f"http://example.org/id/test/{i}"), SCHEMA_NAME, Literal(f"n {i}"), graph)
        for i in range(start, start + count)
    ]


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many bulk loads, many flushes while a graph is cleared."""
    monkeypatch.setattr(graph.bulk, "BULK_CHUNK", 7)
    monkeypatch.setattr(graph.oxigraph, "BULK_CHUNK", 7)
    monkeypatch.setattr(graph.oxigraph, "CLEAR_FLUSH_EVERY", 5)


@pytest.mark.usefixtures("small_chunks")
def test_replacing_a_graph_leaves_exactly_the_new_statements(tmp_path: Path) -> None:
    store = DiskStore(tmp_path / "store")
    with store.write() as writer:
        writer.replace_graph(G, quads(60))
        writer.replace_graph(OTHER, quads(3, OTHER))
    with store.write() as writer:
        assert writer.replace_graph(G, quads(20, start=50)) == 20
    snapshot = store.snapshot()
    assert set(snapshot.quads(graph=G)) == set(quads(20, start=50))
    assert set(snapshot.quads(graph=OTHER)) == set(quads(3, OTHER))
    with store.write() as writer:
        assert writer.replace_graph(G, []) == 0
    assert list(store.snapshot().quads(graph=G)) == []
    assert G in store.snapshot().named_graphs()  # an empty graph is still a graph


@pytest.mark.usefixtures("small_chunks")
def test_a_write_that_fails_after_clearing_publishes_nothing(tmp_path: Path) -> None:
    store = DiskStore(tmp_path / "store")
    with store.write() as writer:
        writer.replace_graph(G, quads(30))
    with pytest.raises(RuntimeError), store.write() as writer:
        writer.replace_graph(G, quads(2, start=100))
        raise RuntimeError("killed half-way")
    assert set(store.snapshot().quads(graph=G)) == set(quads(30))


def _sample_items(count: int) -> list[dict[str, Any]]:
    """The ``count`` smallest items of the shared sample, in dump order."""
    path = shared_file("wikidata", "entities-sample.json.gz")
    with gzip.open(path, "rb") as fh:
        lines = [raw.strip().rstrip(b",") for raw in fh if raw.strip() not in (b"[", b"]", b"")]
    items = [line for line in lines if json.loads(line)["type"] == "item"]
    keep = set(sorted(items, key=len)[:count])
    return [json.loads(line) for line in items if line in keep]


def _dump(path: Path, entities: list[dict[str, Any]]) -> Path:
    body = ",\n".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in entities)
    path.write_text(f"[\n{body}\n]\n", encoding="utf-8")
    return path


def _wd(entity: dict[str, Any]) -> str:
    return f"http://www.wikidata.org/entity/{entity['id']}"


def _activities(snapshot: Snapshot, iris: Iris) -> dict[str, tuple[str, str, set[str]]]:
    """{entity IRI: (kind, end time, object types)} of the feed (each entity changes once here)."""
    feed = feed_graph(iris)
    found: dict[str, tuple[str, str, set[str]]] = {}
    for quad in snapshot.quads(None, AS_OBJECT, None, feed):
        act = quad.subject
        assert isinstance(act, NamedNode)
        kinds = [q.object.value for q in snapshot.quads(act, RDF_TYPE, None, feed)]
        ends = [q.object.value for q in snapshot.quads(act, AS_END_TIME, None, feed)]
        types = {q.object.value for q in snapshot.quads(act, CG_OBJECT_TYPE, None, feed)}
        assert len(kinds) == 1 and len(ends) == 1
        found[quad.object.value] = (kinds[0].removeprefix(AS), ends[0], types)
    return found


def _state(snapshot: Snapshot, iris: Iris) -> dict[str, tuple[str, str]]:
    """{entity IRI: (hash, modified)} of the change step's state graph."""
    state = state_graph(iris, "wikidata")
    hashes = {q.subject.value: q.object.value for q in snapshot.quads(None, CG_HASH, None, state)}
    stamps = {
        q.subject.value: q.object.value for q in snapshot.quads(None, DCT_MODIFIED, None, state)
    }
    assert hashes.keys() == stamps.keys()
    assert len(list(snapshot.quads(None, None, None, state))) == 2 * len(hashes)
    return {iri: (hashes[iri], stamps[iri]) for iri in hashes}


def _ended(report: LoadReport) -> str:
    """The load's end time as the store writes it back: xsd:dateTime is kept by value and written
    canonically, UTC as ``Z`` and no trailing zeros in the fraction (``.706450`` is ``.70645``)."""
    assert report.ended is not None
    whole, _, fraction = report.ended.isoformat().removesuffix("+00:00").partition(".")
    fraction = fraction.rstrip("0")
    return f"{whole}.{fraction}Z" if fraction else f"{whole}Z"


def test_a_wikidata_reload_writes_the_exact_changes(
    iris: Iris, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(graph.bulk, "BULK_CHUNK", 500)  # a few thousand statements a load
    monkeypatch.setattr(graph.oxigraph, "BULK_CHUNK", 50)  # 134 activities: several chunks
    monkeypatch.setattr(graph.oxigraph, "CLEAR_FLUSH_EVERY", 1_000)
    items = _sample_items(140)  # more than two batches: mapped by the worker processes
    first, rest = items[:130], items[130:]
    store = DiskStore(tmp_path / "store")
    options: dict[str, object] = {"workers": 2}

    def run(name: str, entities: list[dict[str, Any]], into: DiskStore = store) -> LoadReport:
        path = _dump(tmp_path / name, entities)
        return load(into, iris, "wikidata", str(path), rejects_dir=tmp_path, options=options)

    one = run("v1.json", first)
    assert count_by_kind(store.snapshot(), iris, iris.load_activity("wikidata", one.stamp)) == {
        "Create": 130
    }
    state_one = _state(store.snapshot(), iris)
    assert set(state_one) == {_wd(e) for e in first}
    assert {stamp for _, stamp in state_one.values()} == {_ended(one)}

    changed = json.loads(json.dumps(first[5]))
    changed["labels"]["en"] = {"language": "en", "value": "A label changed between two loads"}
    removed = [first[0], first[77]]
    second = [changed, *(e for e in first if e not in (first[5], *removed)), rest[0]]
    two = run("v2.json", second)
    snapshot = store.snapshot()
    load_two = iris.load_activity("wikidata", two.stamp)
    assert count_by_kind(snapshot, iris, load_two) == {"Delete": 2, "Update": 1, "Create": 1}
    activities = {
        iri: act for iri, act in _activities(snapshot, iris).items() if act[1] == _ended(two)
    }
    item = {WIKIBASE_ITEM.value}
    assert activities == {
        _wd(removed[0]): ("Delete", _ended(two), item),  # a tombstone keeps its type
        _wd(removed[1]): ("Delete", _ended(two), item),
        _wd(changed): ("Update", _ended(two), item),
        _wd(rest[0]): ("Create", _ended(two), item),
    }
    assert total_activities(snapshot, iris) == 134

    state_two = _state(snapshot, iris)
    assert set(state_two) == {_wd(e) for e in second}
    for iri, (digest, stamp) in state_two.items():
        if iri in (_wd(changed), _wd(rest[0])):
            assert stamp == _ended(two)
            assert digest != state_one.get(iri, ("", ""))[0]
        else:
            assert (digest, stamp) == state_one[iri]

    source = iris.graph("wikidata")
    fresh = DiskStore(tmp_path / "fresh")
    run("v2.json", second, fresh)  # the old version is all gone: as if loaded into a new store
    assert set(snapshot.quads(graph=source)) == set(fresh.snapshot().quads(graph=source))
    assert not list(snapshot.quads(NamedNode(_wd(removed[0])), None, None, source))
    names = {q.object.value for q in snapshot.quads(NamedNode(_wd(changed)), None, None, source)}
    assert "A label changed between two loads" in names

    three = run("v3.json", second)
    load_three = iris.load_activity("wikidata", three.stamp)
    assert count_by_kind(store.snapshot(), iris, load_three) == {}
    assert _state(store.snapshot(), iris) == state_two
