"""The change feed: exact activities per reload, tombstones, persistence, and the /changes API."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import NamedNode

from api.app import create_app
from commons_graph.iris import Iris
from commons_graph.namespaces import RDF_TYPE
from commons_graph.settings import Settings
from graph.changes import activities, count_by_kind, feed_graph, total_activities
from graph.oxigraph import DiskStore
from graph.store import Snapshot
from loaders.pipeline import load
from tests.conftest import TEST_BASE

DEMO = Path(__file__).resolve().parents[1] / "demo" / "coops-uk-organisations.csv"


def _rows() -> tuple[list[str], list[list[str]]]:
    with DEMO.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(reader)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _load(store: DiskStore, iris: Iris, path: Path, tmp_path: Path) -> NamedNode:
    report = load(store, iris, "coops-uk", str(path), rejects_dir=tmp_path / "rejects")
    return iris.load_activity(report.source, report.stamp)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[DiskStore]:
    disk = DiskStore(tmp_path / "store")
    yield disk
    disk.close()


def test_three_changed_two_removed_one_added(store: DiskStore, iris: Iris, tmp_path: Path) -> None:
    header, rows = _rows()
    name = header.index("Registered Name")
    first = _load(store, iris, _write(tmp_path / "v1.csv", header, rows[:-1]), tmp_path)
    assert count_by_kind(store.snapshot(), iris, first) == {"Create": len(rows) - 1}

    changed = [list(r) for r in rows[:-1]]
    for row in changed[:3]:
        row[name] += " (renamed)"
    removed = {changed[3][0], changed[4][0]}
    version2 = [*changed[:3], *changed[5:], rows[-1]]
    second = _load(store, iris, _write(tmp_path / "v2.csv", header, version2), tmp_path)
    snapshot = store.snapshot()
    assert count_by_kind(snapshot, iris, second) == {"Update": 3, "Delete": 2, "Create": 1}
    deleted = {
        row["o"].value.rsplit("/", 1)[1]
        for row in snapshot.query(
            "SELECT ?o WHERE { GRAPH ?g { ?a a <https://www.w3.org/ns/activitystreams#Delete> ;"
            " <https://www.w3.org/ns/activitystreams#object> ?o } }",
            use_default_graph_as_union=True,
        )  # type: ignore[union-attr]
    }
    assert deleted == removed

    third = _load(store, iris, tmp_path / "v2.csv", tmp_path)
    assert count_by_kind(store.snapshot(), iris, third) == {}
    assert total_activities(store.snapshot(), iris) == len(rows) - 1 + 6


def test_feed_survives_a_restart_and_pages(iris: Iris, tmp_path: Path) -> None:
    header, rows = _rows()
    disk = DiskStore(tmp_path / "store")
    _load(disk, iris, _write(tmp_path / "v1.csv", header, rows), tmp_path)
    disk.close()
    reopened = DiskStore(tmp_path / "store")
    assert total_activities(reopened.snapshot(), iris) == len(rows)
    assert feed_graph(iris) in reopened.snapshot().named_graphs()

    settings = Settings(store=tmp_path / "store", base_url=TEST_BASE)
    with TestClient(create_app(settings, reopened)) as client:
        feed = client.get("/changes").json()
        assert feed["type"] == "OrderedCollection"
        assert feed["totalItems"] == len(rows)
        page = client.get(feed["last"]["id"].removeprefix(TEST_BASE)).json()
        assert page["type"] == "OrderedCollectionPage"
        items = page["orderedItems"]
        assert {item["type"] for item in items} == {"Create"}
        first = items[0]
        assert first["object"]["id"].startswith(f"{TEST_BASE}/id/coops-uk/")
        assert first["object"]["type"]
        assert first["endTime"].endswith("Z") or "+00:00" in first["endTime"]
    reopened.close()


def test_each_activity_names_its_object_s_classes(
    store: DiskStore, iris: Iris, tmp_path: Path
) -> None:
    # the loader tells the change feed an entity's classes (Mapped.types); a tombstone keeps the
    # classes its entity had, looked up in the version before
    header, rows = _rows()
    _load(store, iris, _write(tmp_path / "v1.csv", header, rows[:-1]), tmp_path)
    before = store.snapshot()
    _load(store, iris, _write(tmp_path / "v2.csv", header, rows[1:]), tmp_path)
    after = store.snapshot()
    graph = iris.graph("coops-uk")

    def classes(snapshot: Snapshot, entity: str) -> tuple[str, ...]:
        found = snapshot.quads(NamedNode(entity), RDF_TYPE, None, graph)
        return tuple(sorted(q.object.value for q in found))

    acts = activities(after, iris, 0, total_activities(after, iris))
    first, second = acts[: len(rows) - 1], acts[len(rows) - 1 :]
    assert [a.kind for a in second] == ["Delete", "Create"]
    for act in [*first, second[0]]:  # the first load's creates, the second's tombstone
        assert act.object_types == classes(before, act.object) != (), act
    assert second[1].object_types == classes(after, second[1].object) != ()
