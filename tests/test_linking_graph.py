"""The links graph: stable cluster IRIs, conflicts, decisions that survive re-linking, the hook."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode, QuerySolutions

from commons_graph.iris import CG, Iris
from commons_graph.namespaces import RDF_TYPE
from commons_graph.references import DEMO_DIR, DEMO_FILES
from graph.oxigraph import DiskStore, MemoryStore
from graph.store import GraphStore
from linking import graph as lg
from linking.replace import statements
from linking.review import decide, links, members, queue
from linking.run import link
from loaders.pipeline import load
from tests.conftest import TEST_BASE, shared_file

IRIS = Iris(TEST_BASE)


def _load(store: GraphStore, files: list[tuple[str, str, str | None]], tmp: Path) -> None:
    for fmt, name, source in files:
        load(store, IRIS, fmt, str(DEMO_DIR / name), source=source, rejects_dir=tmp)


def _clusters(store: GraphStore) -> dict[str, list[str]]:
    return members(store.snapshot(), IRIS)


def test_cluster_iris_do_not_depend_on_load_order_or_reloads(tmp_path: Path) -> None:
    first, second = DiskStore(tmp_path / "a"), MemoryStore()
    _load(first, DEMO_FILES, tmp_path)
    _load(second, DEMO_FILES[::-1], tmp_path)
    clusters = _clusters(first)
    assert clusters == _clusters(second)
    assert any(len(records) > 1 for records in clusters.values())
    assert all(iri.startswith(f"{TEST_BASE}/id/org/") for iri in clusters)
    _load(first, DEMO_FILES, tmp_path)  # the same data again
    link(first, IRIS)  # and an explicit run
    assert _clusters(first) == clusters


def test_clusters_are_the_organisations_of_the_union_default_graph(tmp_path: Path) -> None:
    store = MemoryStore()
    _load(store, DEMO_FILES, tmp_path)
    result = store.snapshot().query(
        "PREFIX cg: <https://w3id.org/commons-graph/ns#> "
        "SELECT (COUNT(?o) AS ?n) WHERE { ?o a cg:Organisation }",
        use_default_graph_as_union=True,
    )
    assert isinstance(result, QuerySolutions)
    assert int(next(iter(result))["n"].value) == len(_clusters(store))


def test_the_hook_skips_loads_that_change_nothing_it_reads(tmp_path: Path) -> None:
    store = MemoryStore()
    _load(store, DEMO_FILES[:1], tmp_path)
    generation = store.snapshot().generation
    assert link(store, IRIS, only_if_changed=True).skipped
    assert store.snapshot().generation == generation
    _load(store, [f for f in DEMO_FILES if "outlets" in f[1]], tmp_path)  # no organisations
    assert link(store, IRIS, only_if_changed=True).skipped


def test_relinking_the_same_data_writes_nothing(tmp_path: Path) -> None:
    store = MemoryStore()
    _load(store, DEMO_FILES, tmp_path)
    graph = IRIS.graph(lg.LINKS_SOURCE)
    before = store.snapshot()
    provenance = set(before.quads(None, None, None, IRIS.meta_graph))
    assert statements(before, graph)
    link(store, IRIS)
    after = store.snapshot()
    assert statements(after, graph) == statements(before, graph)
    assert set(after.quads(None, None, None, IRIS.meta_graph)) == provenance  # not rewritten


def test_decisions_are_kept_when_links_are_recomputed(tmp_path: Path) -> None:
    store = MemoryStore()
    _load(store, DEMO_FILES, tmp_path)
    automatic = links(store.snapshot(), IRIS, lg.AUTOMATIC)
    assert automatic
    target = automatic[0]
    decide(store, IRIS, target.a, target.b, accepted=False, note="two different shops")
    assert not any(target.a in r and target.b in r for r in _clusters(store).values())
    _load(store, DEMO_FILES, tmp_path)
    link(store, IRIS)
    rejected = links(store.snapshot(), IRIS, lg.REJECTED)
    assert [(r.a, r.b) for r in rejected] == [(target.a, target.b)]
    assert not any(target.a in r and target.b in r for r in _clusters(store).values())
    decide(store, IRIS, target.a, target.b, accepted=True)
    assert any(target.a in r and target.b in r for r in _clusters(store).values())


def test_a_decision_names_two_records() -> None:
    from commons_graph.errors import BadInput, NotFound

    store = MemoryStore()
    with pytest.raises(BadInput):
        decide(store, IRIS, "http://example.org/id/x/1", "http://example.org/id/x/1", True)
    with pytest.raises(NotFound, match="not a record"):
        decide(store, IRIS, "http://example.org/id/x/1", "http://example.org/id/x/2", True)


def test_the_nine_shared_survey_qids_are_conflicts(tmp_path: Path) -> None:
    path = shared_file("glam", "open_glam_survey_20251119.csv")
    store = MemoryStore()
    load(store, IRIS, "glam-survey", str(path), rejects_dir=tmp_path)
    snapshot = store.snapshot()
    flagged = {
        q.object.value
        for q in snapshot.quads(
            None, NamedNode(CG + "conflictingIdentifier"), None, IRIS.graph("glam-survey")
        )
    }
    links_graph = IRIS.graph(lg.LINKS_SOURCE)
    conflicts = {
        q.subject for q in snapshot.quads(None, RDF_TYPE, lg.cg("IdentifierConflict"), links_graph)
    }
    qids = {
        q.object.value
        for c in conflicts
        for q in snapshot.quads(c, NamedNode(CG + "conflictingIdentifier"), None, links_graph)
        if q.object.value.startswith("http://www.wikidata.org/entity/Q")
    }
    assert len(flagged) == 9
    assert qids == flagged
    # the claimants are not merged into one organisation
    for c in conflicts:
        claimants = {
            q.object.value for q in snapshot.quads(c, NamedNode(CG + "claimant"), None, links_graph)
        }
        assert not any(claimants <= set(r) for r in members(snapshot, IRIS).values())
    assert queue(snapshot, IRIS) is not None
