"""Round trip on the real data: for EVERY entity of every source in the shared data, its compact
JSON-LD, expanded and turned into RDF by pyld (a standard JSON-LD processor, with the published
context), is the same graph as the Turtle of the same entity.

All ~24,600 entities go through the same functions the API uses (describe + compact JSON-LD +
Turtle serialisation), checked by pyld in two worker processes; a sample per source also goes
through HTTP (``.jsonld`` and ``.ttl``).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from pyld import jsonld
from pyoxigraph import NamedNode, RdfFormat, parse, serialize
from rdflib import Graph
from rdflib.compare import isomorphic

from api.app import create_app
from api.dump_files import write_jsonl
from api.jsonld import compactor
from commons_graph.iris import Iris
from commons_graph.settings import Settings
from graph.describe import GraphScan, describe, entities
from graph.oxigraph import DiskStore
from loaders.pipeline import load
from ontologies import context
from tests.conftest import TEST_BASE, shared_file

CONTEXT_URL = f"{TEST_BASE}/context.jsonld"
SOURCES = [
    ("coops-uk", ("coops", "coops-uk_open_data_organisations_2017-06.csv"), None),
    ("coops-uk", ("coops", "coops-uk_open_data_outlets_2017-06.csv"), None),
    ("essglobal-csv", ("coops", "coops-uk_sea-standard-essglobal_2023-Q2.csv"), "coops-uk-2023"),
    ("glam-survey", ("glam", "open_glam_survey_20251119.csv"), None),
    ("wikidata", ("wikidata", "entities-sample.json.gz"), None),
]
NAMES = ["coops-uk", "coops-uk-outlets", "coops-uk-2023", "glam-survey", "wikidata"]


def _loader(url: str, options: object = None) -> dict[str, Any]:
    if url != CONTEXT_URL:
        raise ValueError(f"the test reaches no network: {url}")
    return {"contextUrl": None, "documentUrl": url, "document": context()}


def _check(batch: list[tuple[str, bytes, bytes]]) -> list[str]:
    """Entities of ``batch`` (IRI, JSON-LD, Turtle) whose two forms are not the same graph."""
    jsonld.set_document_loader(_loader)
    bad = []
    for iri, doc, turtle in batch:
        nquads = jsonld.to_rdf(orjson.loads(doc), {"format": "application/n-quads", "base": iri})
        got = {str(q.triple) for q in parse(nquads.encode(), format=RdfFormat.N_QUADS)}
        want = {str(t) for t in parse(turtle, format=RdfFormat.TURTLE)}
        if got != want and not (
            "_:" in nquads
            and isomorphic(Graph().parse(data=nquads, format="nquads"), Graph().parse(data=turtle))
        ):
            bad.append(iri)
    return bad


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DiskStore]:
    root = tmp_path_factory.mktemp("roundtrip")
    disk = DiskStore(root / "store")
    iris = Iris(TEST_BASE)
    for fmt, parts, source in SOURCES:
        load(disk, iris, fmt, str(shared_file(*parts)), source=source, rejects_dir=root / "rej")
    yield disk
    disk.close()


@pytest.mark.slow
def test_every_entity_round_trips_through_pyld(store: DiskStore) -> None:
    snapshot = store.snapshot()
    iris = Iris(TEST_BASE)
    prefixes = {name: ns for ns, name in compactor().prefixes.items()}
    work: list[tuple[str, bytes, bytes]] = []
    counts = {}
    for name in NAMES:
        graph = iris.graph(name)
        found = entities(snapshot, graph)
        counts[name] = len(found)
        for entity in found:
            triples = describe(snapshot, entity, graph)
            doc = orjson.dumps(compactor().document(triples, entity, CONTEXT_URL))
            turtle = serialize(triples, format=RdfFormat.TURTLE, prefixes=prefixes)
            assert turtle is not None
            work.append((entity.value, doc, turtle))
    assert counts["coops-uk"] == 8371 and counts["coops-uk-2023"] == 7387
    assert counts["coops-uk-outlets"] == 6291 and counts["wikidata"] == 832
    assert counts["glam-survey"] == 1720 + 9  # institutions and identifier-conflict nodes
    batches = [work[i : i + 500] for i in range(0, len(work), 500)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        bad = [iri for result in pool.map(_check, batches) for iri in result]
    assert bad == [], f"{len(bad)} of {len(work)} entities differ, e.g. {bad[:5]}"


@pytest.mark.slow
def test_pages_and_dumps_describe_every_entity_as_its_own_document_does(store: DiskStore) -> None:
    """Pages and dumps describe a whole source with one scan (GraphScan), which also lists its
    entities; /id/… describes one entity with lookups (describe), and entities() lists them with
    queries. Both give the same entities, and the same triples for every entity."""
    snapshot = store.snapshot()
    iris = Iris(TEST_BASE)
    for name in NAMES:
        graph = iris.graph(name)
        found = entities(snapshot, graph)
        scan = GraphScan(snapshot, graph)
        assert scan.entities() == found, name
        differ = [
            entity.value
            for entity in found
            if sorted(map(str, scan.describe(entity)))
            != sorted(map(str, describe(snapshot, entity, graph)))
        ]
        assert differ == [], f"{name}: {len(differ)} of {len(found)} differ, e.g. {differ[:3]}"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["glam-survey", "wikidata"])
def test_a_dump_made_with_lookups_equals_one_made_from_a_scan(
    store: DiskStore, tmp_path: Path, name: str
) -> None:
    """A graph too large to hold in memory (over SCAN_TRIPLES) is dumped entity by entity with
    lookups; the files are the same, byte for byte, as those from one scan."""
    snapshot, graph = store.snapshot(), Iris(TEST_BASE).graph(name).value
    made = {}
    for scan in (True, False):
        target = tmp_path / f"{scan}" / f"{name}.jsonl.gz"
        target.parent.mkdir()
        write_jsonl(snapshot, graph, target, b'{"@context":"x",', scan=scan)
        plain = target.with_suffix("")
        made[scan] = (plain.read_bytes(), plain.with_name(plain.name + ".ids").read_bytes())
    assert made[True][0].count(b"\n") > 800
    assert made[True] == made[False]


@pytest.mark.slow
def test_a_sample_round_trips_over_http(store: DiskStore, tmp_path: Path) -> None:
    settings = Settings(store=store.root, base_url=TEST_BASE, query_workers=1)
    iris = Iris(TEST_BASE)
    work = []
    with TestClient(create_app(settings, store)) as client:
        for name in NAMES:
            found = entities(store.snapshot(), iris.graph(name))
            for entity in found[:: max(1, len(found) // 15)]:
                path = entity.value.removeprefix(TEST_BASE)
                if entity.value.startswith("http://www.wikidata.org/entity/"):
                    path = "/wikidata/" + entity.value.rsplit("/", 1)[1]
                doc = client.get(path + ".jsonld")
                turtle = client.get(path + ".ttl")
                assert doc.status_code == turtle.status_code == 200, path
                work.append((entity.value, doc.content, turtle.content))
        assert client.get("/context.jsonld").json() == context()
    assert len(work) > 70
    assert _check(work) == []
    assert all(NamedNode(iri) for iri, _, _ in work)
