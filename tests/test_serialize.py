"""The capped SPARQL JSON writer gives what pyoxigraph's own serialiser gives, cut at the cap."""

from __future__ import annotations

import json

import pytest
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QueryResultsFormat,
    QuerySolutions,
    Store,
)

import api.serialize
from api.evaluate import Spool
from api.serialize import write_solutions

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
QUERY = (
    "SELECT ?s ?o ?missing WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/none> ?missing } }"
)


def _store() -> Store:
    """Every kind of term a SPARQL JSON result carries, and strings that need escaping."""
    objects = [
        NamedNode(EX + "o"),
        BlankNode("b1"),
        Literal("plain"),
        Literal('quotes " and \\ backslash, \n newline, \t tab, \x01 control'),
        Literal("Zürich \u2013 東京 😀"),
        Literal("chat", language="fr"),
        Literal("42", datatype=NamedNode(XSD + "integer")),
        Literal("2024-01-01", datatype=NamedNode(XSD + "date")),
    ]
    store = Store()
    for i in range(400):
        subject = NamedNode(f"{EX}s{i}") if i % 7 else BlankNode(f"n{i}")
        store.add(Quad(subject, NamedNode(EX + "p"), objects[i % len(objects)]))
    return store


def _ours(store: Store, cap: int) -> tuple[object, int, bool]:
    result = store.query(QUERY)
    assert isinstance(result, QuerySolutions)
    spool = Spool()
    rows, truncated = write_solutions(result, "json", cap, spool)
    body, path = spool.finish()
    assert body is not None and path is None
    return json.loads(body), rows, truncated


def _engine(store: Store, cap: int) -> object:
    result = store.query(QUERY)
    assert isinstance(result, QuerySolutions)
    document = json.loads(result.serialize(format=QueryResultsFormat.JSON))
    document["results"]["bindings"] = document["results"]["bindings"][:cap]
    return document


@pytest.mark.parametrize("batch", [1, 100, 64 * 1024])
@pytest.mark.parametrize("cap", [0, 1, 399, 400, 1000])
def test_json_results_match_the_engine(
    monkeypatch: pytest.MonkeyPatch, batch: int, cap: int
) -> None:
    monkeypatch.setattr(api.serialize, "_BATCH_CHARS", batch)  # rows written in several batches
    store = _store()
    document, rows, truncated = _ours(store, cap)
    assert document == _engine(store, cap)
    assert rows == min(cap, 400)
    assert truncated == (cap < 400)
