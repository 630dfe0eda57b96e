"""Scripts and notebooks query the endpoint with SPARQLWrapper: the real app under uvicorn on a
loopback port, an on-disk store, and SPARQLWrapper as users call it (no mock on either side)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from pyoxigraph import Literal, NamedNode, Quad
from rdflib import Graph
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, Unauthorized

from api.app import create_app
from commons_graph.settings import Settings
from graph import DiskStore

EX = "http://example.org/"
TOKEN = "s3cret"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("sparqlwrapper") / "store"
    store = DiskStore(root)
    with store.write() as w:
        w.add(
            Quad(
                NamedNode(f"{EX}org/{i}"),
                NamedNode(EX + "name"),
                Literal(f"Co-op {i}"),
                NamedNode(EX + "graph"),
            )
            for i in range(5)
        )
    app = create_app(Settings(store=root, admin_token=TOKEN), store)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/sparql"
    server.should_exit = True
    thread.join(timeout=30)
    store.close()


def _client(endpoint: str, query: str) -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    return client


def test_select_as_json(endpoint: str) -> None:
    client = _client(endpoint, f"SELECT ?name WHERE {{ ?o <{EX}name> ?name }} ORDER BY ?name")
    client.setReturnFormat(JSON)
    data = client.query().convert()
    assert isinstance(data, dict)
    names = [row["name"]["value"] for row in data["results"]["bindings"]]
    assert names == [f"Co-op {i}" for i in range(5)]


def test_ask(endpoint: str) -> None:
    client = _client(endpoint, f"ASK {{ <{EX}org/3> ?p ?o }}")
    client.setReturnFormat(JSON)
    data = client.query().convert()
    assert isinstance(data, dict) and data["boolean"] is True


def test_construct_as_turtle_parses_into_rdflib(endpoint: str) -> None:
    client = _client(endpoint, f"CONSTRUCT {{ ?o <{EX}name> ?n }} WHERE {{ ?o <{EX}name> ?n }}")
    client.setReturnFormat(TURTLE)
    body = client.query().convert()
    assert isinstance(body, bytes)
    assert len(Graph().parse(data=body, format="turtle")) == 5


def test_a_syntax_error_comes_back_as_query_bad_formed_with_the_reason(endpoint: str) -> None:
    client = _client(endpoint, "SELECT ?x WHERE { ?x ")
    client.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed, match="syntax error"):
        client.query()


def test_update_needs_the_token(endpoint: str) -> None:
    update = f'INSERT DATA {{ GRAPH <{EX}graph> {{ <{EX}org/9> <{EX}name> "Co-op 9" }} }}'
    client = _client(endpoint, update)
    client.setMethod(POST)
    with pytest.raises(Unauthorized):
        client.query()
    client.addCustomHttpHeader("Authorization", f"Bearer {TOKEN}")
    client.query()
    check = _client(endpoint, f"ASK {{ <{EX}org/9> ?p ?o }}")
    check.setReturnFormat(JSON)
    data = check.query().convert()
    assert isinstance(data, dict) and data["boolean"] is True
