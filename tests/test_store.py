"""The store's guarantees: atomic replacement, snapshot isolation, survival of ``kill -9``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, QuerySolutions, Triple, Variable

from graph import DiskStore, MemoryStore, open_store
from graph.store import GraphStore, Snapshot

G = NamedNode("http://example.org/graph/s")
P = NamedNode("http://example.org/p")
COUNT = "SELECT ?g ?v (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?v } } GROUP BY ?g ?v"


def version(tag: str, n: int) -> list[Triple]:
    return [Triple(NamedNode(f"http://example.org/id/s/{i}"), P, Literal(tag)) for i in range(n)]


def counts(snapshot: Snapshot) -> dict[str, int]:
    rows = snapshot.query(COUNT, substitutions={Variable("g"): G})
    assert isinstance(rows, QuerySolutions)
    return {r["v"].value: int(r["n"].value) for r in rows}


@pytest.fixture(params=["disk", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> GraphStore:
    return DiskStore(tmp_path / "store") if request.param == "disk" else MemoryStore()


def test_a_snapshot_keeps_its_version(store: GraphStore) -> None:
    with store.write() as w:
        w.replace_graph(G, version("old", 10))
    before = store.snapshot()
    with store.write() as w:
        w.replace_graph(G, version("new", 7))
    assert counts(before) == {"old": 10}
    assert counts(store.snapshot()) == {"new": 7}


def test_a_writer_can_read_the_published_snapshot(store: GraphStore) -> None:
    with store.write() as w:
        w.replace_graph(G, version("old", 3))
    with store.write() as w:
        before = store.snapshot()  # e.g. the change feed compares with the previous version
        w.replace_graph(G, version("new", 2))
        assert counts(before) == {"old": 3}
        assert counts(w.snapshot()) == {"new": 2}
    assert counts(store.snapshot()) == {"new": 2}


def test_a_failed_write_publishes_nothing(store: GraphStore) -> None:
    with store.write() as w:
        w.replace_graph(G, version("old", 10))
    with pytest.raises(RuntimeError), store.write() as w:
        w.replace_graph(G, version("new", 5))
        raise RuntimeError("the loader failed half-way")
    assert counts(store.snapshot()) == {"old": 10}


def test_readers_during_reloads_see_one_version_or_the_other(store: GraphStore) -> None:
    sizes = {"a": 3000, "b": 2000}
    with store.write() as w:
        w.replace_graph(G, version("a", sizes["a"]))
    seen: list[dict[str, int]] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.append(counts(store.snapshot()))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for tag in "babab":
            with store.write() as w:
                w.replace_graph(G, version(tag, sizes[tag]))
            target, deadline = len(seen) + 3, time.monotonic() + 30
            while len(seen) < target and time.monotonic() < deadline:
                time.sleep(0.001)  # let the reader read this version, and more while we write
    finally:
        stop.set()
        reader.join()
    assert len(seen) > 5
    assert {"b": sizes["b"]} in seen
    assert all(c in ({"a": sizes["a"]}, {"b": sizes["b"]}) for c in seen), seen


_SLOW_LOAD = """
import sys
from pathlib import Path
from pyoxigraph import Literal, NamedNode, Triple
from graph import DiskStore

store = DiskStore(Path(sys.argv[1]))
P = NamedNode("http://example.org/p")
def triples():
    for i in range(5_000_000):
        if i == 100_000:
            print("halfway", flush=True)
        yield Triple(NamedNode(f"http://example.org/id/s/{i}"), P, Literal("new"))
with store.write() as w:
    w.replace_graph(NamedNode("http://example.org/graph/s"), triples())
print("finished", flush=True)
"""


def test_kill_9_during_a_load_leaves_the_previous_version(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store = DiskStore(root)
    with store.write() as w:
        w.replace_graph(G, version("old", 1000))
    store.close()
    del store
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_LOAD, str(root)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "halfway"
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    reopened = open_store(root)
    assert counts(reopened.snapshot()) == {"old": 1000}
    with reopened.write() as w:  # and it still takes writes, cleaning up the killed generation
        w.replace_graph(G, version("next", 5))
    assert counts(reopened.snapshot()) == {"next": 5}
