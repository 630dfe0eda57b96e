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


def test_sparql_keeps_cors_and_the_error_body_ahead_of_the_framework(client: TestClient) -> None:
    """/sparql is served ahead of FastAPI's middleware (api.app.CommonsGraphApp): it still gets
    CORS, its preflight, the one error body, and 405 with Allow."""
    origin = {"Origin": "https://notebook.example"}
    ask = client.get("/sparql", params={"query": "ASK {}"}, headers=origin)
    assert ask.headers["access-control-allow-origin"] == "*"
    assert "commons-graph-truncated" in ask.headers["access-control-expose-headers"].lower()
    preflight = client.options(
        "/sparql",
        headers={**origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "Content-Type"},
    )  # fmt: skip
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    put = client.put("/sparql", content=b"ASK {}")
    assert put.status_code == 405 and put.headers["allow"] == "GET, POST"
    assert put.json()["error"]["title"] == "method not allowed"


def test_sparql_answers_below_a_mount_point(tmp_path: Path) -> None:
    """Behind a proxy that mounts the service at /graph (ASGI ``root_path``), /graph/sparql is
    the endpoint, and the service description names that address."""
    store = DiskStore(tmp_path / "store")
    app = create_app(Settings(store=tmp_path / "store"), store)
    with TestClient(app, root_path="/graph") as client:
        ask = client.get("/graph/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert ask.status_code == 200 and ask.json()["boolean"] is False
        description = client.get("/graph/sparql", headers={"Accept": "text/turtle"}).text
        assert "http://testserver/graph/sparql" in description
    store.close()
