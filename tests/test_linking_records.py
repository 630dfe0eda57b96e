"""Reading records and reconciliation entities in bounded memory, on the glam survey and the real
Wikidata sample: a Wikidata item keeps its label and the keys of all its names (not every label in
every language), the other-names query skips a record's own names row by row (not with a MINUS,
which holds every name of the graph), an entity's indexed names are the first of each folded form,
and the reconciliation index is the same whatever its insert batches, also from a previous file."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, QueryResultsFormat, QuerySolutions

import reconcile.index
from commons_graph.iris import Iris
from commons_graph.namespaces import CG, RDF_TYPE, RDFS, SCHEMA, SKOS
from graph.oxigraph import MemoryStore
from linking import normalise as norm
from linking.records import _PREFIXES, _QUERIES, _table, read_records, record_graphs
from loaders.pipeline import load
from reconcile.entities import Entity, read_entities
from reconcile.index import build
from tests.conftest import TEST_BASE, shared_file

IRIS = Iris(TEST_BASE)
_EVERY_NAME = _PREFIXES + "SELECT ?r ?v WHERE { ?r schema:name|schema:legalName|rdfs:label ?v }"
_OTHER_NAMES_BY_MINUS = (
    _PREFIXES
    + "SELECT ?r ?v WHERE { ?r schema:legalName|rdfs:label ?v MINUS { ?r schema:name ?v } }"
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> MemoryStore:
    rejects = tmp_path_factory.mktemp("rejects")
    survey = shared_file("glam", "open_glam_survey_20251119.csv")
    sample = shared_file("wikidata", "entities-sample.json.gz")
    memory = MemoryStore()
    for fmt, path in (("glam-survey", survey), ("wikidata", sample)):
        load(memory, IRIS, fmt, str(path), rejects_dir=rejects, hooks=False)
    return memory


def _every_name(store: MemoryStore) -> dict[tuple[str, str], set[str]]:
    """{(record IRI, graph): every non-blank name, legal name and label}, read with terms."""
    snapshot = store.snapshot()
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for graph in record_graphs(snapshot, IRIS):
        result = snapshot.query(_EVERY_NAME, default_graph=[NamedNode(graph)])
        assert isinstance(result, QuerySolutions)
        for row in result:
            r, v = row[0], row[1]
            if r is not None and v is not None and v.value.strip():
                found[(r.value, graph)].add(v.value)
    return found


def test_an_item_keeps_its_label_and_the_keys_of_all_its_names(store: MemoryStore) -> None:
    records = read_records(store.snapshot(), IRIS)
    every = _every_name(store)
    items = [r for r in records if not r.organisation]
    organisations = [r for r in records if r.organisation]
    assert len(items) > 800 and len(organisations) > 1000
    assert max(len(every[(r.iri, r.graph)]) for r in items) > 100  # labels in many languages
    for rec in items:
        names = every[(rec.iri, rec.graph)]
        assert rec.names == ([min(names, key=lambda n: (len(n), n))] if names else [])
        assert rec.name_keys == {key for key in map(norm.name_key, names) if key}
        assert sorted(rec.tokens) == sorted({norm.name_tokens(n) for n in names} - {()})
        assert rec.words == {w for n in names for w in norm.name_tokens(n)}
    for rec in organisations:
        names = every[(rec.iri, rec.graph)]
        assert rec.names == sorted(names, key=lambda n: (len(n), n))


def test_other_names_are_the_rows_a_minus_would_give(store: MemoryStore) -> None:
    snapshot = store.snapshot()
    for graph in record_graphs(snapshot, IRIS):
        result = snapshot.query(_OTHER_NAMES_BY_MINUS, default_graph=[NamedNode(graph)])
        assert isinstance(result, QuerySolutions)
        data = result.serialize(format=QueryResultsFormat.TSV)
        assert isinstance(data, bytes)
        by_minus = sorted(line.split("\t") for line in data.decode().split("\n")[1:] if line)
        assert sorted(_table(snapshot, _QUERIES["other-name"], graph)) == by_minus


def test_an_entity_indexes_the_first_best_name_of_each_folded_form() -> None:
    memory, graph = MemoryStore(), f"{TEST_BASE}/graph/test"
    museum = NamedNode(f"{TEST_BASE}/id/test/museum")
    statements = [
        (RDF_TYPE, NamedNode(CG + "Museum")),
        (NamedNode(SCHEMA + "name"), Literal("Museu Teste", language="pt")),
        (NamedNode(SCHEMA + "name"), Literal("Test Museum", language="en")),
        (NamedNode(SCHEMA + "name"), Literal("Тест", language="ru")),  # not an indexed language
        (NamedNode(SCHEMA + "name"), Literal("  ", language="en")),
        (NamedNode(RDFS + "label"), Literal("Test Museum", language="en")),
        (NamedNode(SCHEMA + "legalName"), Literal("Museu Teste, Lda.")),
        (NamedNode(SKOS + "altLabel"), Literal("TEST MUSEUM", language="en-gb")),
        (NamedNode(SKOS + "altLabel"), Literal("Testmuseum", language="de")),
        (NamedNode(SKOS + "altLabel"), Literal("Museu  Teste", language="en")),
    ]
    with memory.write() as writer:
        writer.add(Quad(museum, p, o, NamedNode(graph)) for p, o in statements)
    (entity,) = read_entities(memory.snapshot(), graph, "test")
    # English and untagged first (name, legal name, alternative label), then the others; of one
    # folded form, the best ranked ("Museu  Teste"@en before "Museu Teste"@pt).
    assert entity.names == ["Test Museum", "Museu Teste, Lda.", "Museu  Teste", "Testmuseum"]


def _contents(conn: sqlite3.Connection) -> list[list[tuple[object, ...]]]:
    tables = [
        "SELECT * FROM entity ORDER BY id",
        "SELECT rowid, * FROM ident ORDER BY rowid",
        "SELECT rowid, text, tags FROM names ORDER BY rowid",
        "SELECT * FROM sources ORDER BY source",
        "SELECT * FROM meta ORDER BY key",
        "SELECT term, col, doc, cnt FROM names_vocab ORDER BY term, col",
    ]
    try:
        return [conn.execute(sql).fetchall() for sql in tables]
    finally:
        conn.close()


def test_the_index_is_the_same_in_small_batches_and_from_a_previous_file(
    store: MemoryStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = store.snapshot()
    whole = _contents(build(snapshot, IRIS, tmp_path / "whole.sqlite"))
    assert len(whole[0]) > 1000 and len(whole[1]) > 1000
    monkeypatch.setattr(reconcile.index, "BATCH", 7)
    assert _contents(build(snapshot, IRIS, tmp_path / "batched.sqlite")) == whole

    def unread(*_: object) -> list[Entity]:
        raise AssertionError("an unchanged source is copied from the previous file")

    monkeypatch.setattr(reconcile.index, "read_entities", unread)
    again = build(snapshot, IRIS, tmp_path / "again.sqlite", tmp_path / "whole.sqlite")
    assert _contents(again) == whole
