"""Section "harvest": an aggregator's view — a full harvest through /collections, and the dumps.

All sources of the shared data are loaded into a fresh on-disk store; the API runs in-process
(the real ASGI app through Starlette's TestClient), at concurrency 1:

* **harvest**: ``/collections``, then every page of every data source through
  ``/collections/{source}?limit=1000``, following ``next``. *Cold* is the first harvest of a store
  version (the first page of a source makes the JSON-LD lines dumps of all sources, in the dump
  worker processes); *warm* is the same harvest again (pages are sliced from those dumps);
* **N-Quads dump** and **JSON-LD dump** of all sources (``/dumps/all.nq.gz``, ``.jsonl.gz``):
  *cold* produces the files (once per store version), *warm* streams them again.

The ceiling beside each figure is pyoxigraph serialising the same quads in-process from the same
store (``Store.dump`` of each source graph to N-Quads; to JSON-LD for the JSON-LD dump).

Targets: a harvest of at least 5,000 entities/s, and the N-Quads dump at 200,000 quads/s or more.
"""

from __future__ import annotations

import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, RdfFormat, Store

from api.app import create_app
from bench.common import ALL_DATA, BASE, TMP_ROOT, num, shared, table, title, verdict
from commons_graph.iris import Iris
from commons_graph.settings import Settings
from graph.oxigraph import DiskStore
from loaders.pipeline import load

HARVEST_TARGET = 5_000
NQUADS_TARGET = 200_000


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _rate_row(label: str, count: int, seconds: float, ceiling: float, target: int) -> list[str]:
    """A throughput row: ours, pyoxigraph's (``count`` in ``ceiling`` s), the target, the verdict."""
    rate = count / seconds
    return [label, num(rate), num(count / ceiling), f">= {target:,}", verdict(rate >= target)]


def _data_sources(client: TestClient) -> list[dict[str, str]]:
    """The collections of ``/collections`` that hold data (not the ontology or vocabularies)."""
    listing = client.get("/collections").raise_for_status().json()["items"]
    return [c for c in listing if not c["title"].startswith(("ontology", "vocab-"))]


def _harvest(client: TestClient) -> int:
    """What an aggregator does: read ``/collections``, then every page of every data source."""
    count = 0
    for collection in _data_sources(client):
        url: str | None = f"/collections/{collection['title']}?limit=1000"
        while url:
            response = client.get(url)
            response.raise_for_status()
            page = response.json()
            count += len(page["orderedItems"])
            nxt = page.get("next")
            url = nxt.removeprefix(BASE) if nxt else None
    return count


def _ceiling(store: DiskStore, graphs: list[str], fmt: RdfFormat) -> float:
    snapshot = store.snapshot()
    assert snapshot.path is not None
    engine = Store.read_only(str(snapshot.path))

    def dump() -> None:
        for graph in graphs:
            engine.dump(io.BytesIO(), format=fmt, from_graph=NamedNode(graph))

    return _timed(dump)


def run() -> None:
    title("harvest: /collections, /dumps (concurrency 1) vs pyoxigraph serialising in-process")
    paths = [(fmt, shared(rel), source) for fmt, rel, source in ALL_DATA]
    if any(path is None for _, path, _ in paths):
        return
    with tempfile.TemporaryDirectory(dir=TMP_ROOT) as tmp:
        root = Path(tmp)
        store = DiskStore(root / "store")
        iris = Iris(BASE)
        for fmt, path, source in paths:
            load(store, iris, fmt, str(path), source=source, rejects_dir=root / "rej", hooks=True)
        settings = Settings(
            store=root / "store", base_url=BASE, query_workers=1, dump_dir=root / "dumps-1"
        )
        with TestClient(create_app(settings, store)) as client:
            cold = _timed(lambda: _harvest(client))  # first: nothing is cached yet
            listing = client.get("/collections").json()["items"]
            data = _data_sources(client)
            sources = [c["title"] for c in data]
            entities = sum(int(c["totalItems"]) for c in data)
            graphs = [f"{BASE}/graph/{s}" for s in sources]
            quads = sum(
                1 for g in graphs for _ in store.snapshot().quads(None, None, None, NamedNode(g))
            )
            all_graphs = [f"{BASE}/graph/{c['title']}" for c in listing]
            all_quads = sum(
                1
                for g in all_graphs
                for _ in store.snapshot().quads(None, None, None, NamedNode(g))
            )
            nq_cold = _timed(lambda: client.get("/dumps/all.nq.gz").raise_for_status())
            nq_warm = _timed(lambda: client.get("/dumps/all.nq.gz").raise_for_status())
            warm = _timed(lambda: _harvest(client))
        # the harvest made the JSON-LD dumps: time them on their own, in a fresh dump folder
        settings = settings.model_copy(update={"dump_dir": root / "dumps-2"})
        with TestClient(create_app(settings, store)) as client:
            js_cold = _timed(lambda: client.get("/dumps/all.jsonl.gz").raise_for_status())
            js_warm = _timed(lambda: client.get("/dumps/all.jsonl.gz").raise_for_status())
        ceiling_nq = _ceiling(store, all_graphs, RdfFormat.N_QUADS)
        ceiling_data = _ceiling(store, graphs, RdfFormat.N_QUADS)
        ceiling_js = _ceiling(store, all_graphs, RdfFormat.JSON_LD)
        store.close()
    print(
        f"  {entities:,} entities and {quads:,} quads in {len(sources)} data sources; "
        f"dumps hold all {len(all_graphs)} sources ({all_quads:,} quads)"
    )
    rows = [
        _rate_row("harvest, cold (entities/s)", entities, cold, ceiling_data, HARVEST_TARGET),
        _rate_row("harvest, warm (entities/s)", entities, warm, ceiling_data, HARVEST_TARGET),
        ["N-Quads dump, cold (s)", num(nq_cold, 2), num(ceiling_nq, 2), "-", "-"],
        _rate_row("N-Quads dump, cold (quads/s)", all_quads, nq_cold, ceiling_nq, NQUADS_TARGET),
        _rate_row("N-Quads dump, warm (quads/s)", all_quads, nq_warm, ceiling_nq, NQUADS_TARGET),
        ["JSON-LD dump, cold (s)", num(js_cold, 2), num(ceiling_js, 2), "-", "-"],
        ["JSON-LD dump, warm (s)", num(js_warm, 2), num(ceiling_js, 2), "-", "-"],
    ]
    table(["measure", "commons-graph", "ceiling (pyoxigraph)", "target", "verdict"], rows)
    print("  cold: the first request of a store version; warm: once its dumps exist (pages are")
    print("  sliced from the JSON-LD lines dump; dumps are streamed from their files).")
