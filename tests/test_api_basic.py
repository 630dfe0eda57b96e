"""The API's basics through the real app and a real on-disk store: /healthz and /sparql."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad

from api.app import create_app
from commons_graph.settings import Settings
from graph import DiskStore

EX = "http://example.org/"
G1, G2 = NamedNode(EX + "graph/a"), NamedNode(EX + "graph/b")
NAME = NamedNode("https://schema.org/name")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    store = DiskStore(tmp_path / "store")
    with store.write() as w:
        w.add(
            [
                Quad(NamedNode(EX + "s1"), NAME, Literal("Alpha"), G1),
                Quad(NamedNode(EX + "s2"), NAME, Literal("Beta", language="en"), G2),
            ]
        )
    settings = Settings(store=tmp_path / "store", base_url="http://example.org")
    with TestClient(create_app(settings, store)) as client:
        yield client
    store.close()


SELECT = "SELECT ?s ?name WHERE { ?s <https://schema.org/name> ?name } ORDER BY ?name"


def names(body: dict[str, object]) -> list[str]:
    bindings = body["results"]["bindings"]  # type: ignore[index]
    return [b["name"]["value"] for b in bindings]  # type: ignore[index]


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_get_query_sees_the_union_of_all_graphs(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": SELECT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert names(response.json()) == ["Alpha", "Beta"]
    assert response.headers["commons-graph-truncated"] == "false"


def test_post_form_and_direct(client: TestClient) -> None:
    form = client.post("/sparql", data={"query": SELECT})
    direct = client.post(
        "/sparql", content=SELECT, headers={"Content-Type": "application/sparql-query"}
    )
    assert form.status_code == direct.status_code == 200
    assert names(form.json()) == names(direct.json()) == ["Alpha", "Beta"]


def test_graph_gives_provenance(client: TestClient) -> None:
    query = "SELECT ?g WHERE { GRAPH ?g { ?s <https://schema.org/name> 'Alpha' } }"
    body = client.get("/sparql", params={"query": query}).json()
    assert [b["g"]["value"] for b in body["results"]["bindings"]] == [G1.value]


def test_default_graph_uri_restricts_the_dataset(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": SELECT, "default-graph-uri": G2.value})
    assert names(response.json()) == ["Beta"]


def test_from_and_from_named_replace_the_union_default_graph(client: TestClient) -> None:
    own = "SELECT ?name FROM <http://example.org/graph/b> WHERE { ?s ?p ?name }"
    assert names(client.get("/sparql", params={"query": own}).json()) == ["Beta"]
    named_only = "SELECT ?name FROM NAMED <http://example.org/graph/b> WHERE { ?s ?p ?name }"
    assert names(client.get("/sparql", params={"query": named_only}).json()) == []
    in_graph = (
        "SELECT ?name FROM NAMED <http://example.org/graph/b> WHERE { GRAPH ?g { ?s ?p ?name } }"
    )
    assert names(client.get("/sparql", params={"query": in_graph}).json()) == ["Beta"]
    # the protocol's dataset wins over the query's own
    both = client.get("/sparql", params={"query": own, "default-graph-uri": G1.value})
    assert names(both.json()) == ["Alpha"]


def test_syntax_error_is_a_400_in_the_error_body(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * WHERE {"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and "syntax" in error["message"].lower()
