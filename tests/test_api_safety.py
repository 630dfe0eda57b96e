"""The endpoint is safe for the public: SSRF refused, runaway queries killed, caps signalled."""

from __future__ import annotations

import asyncio
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad

from api.app import create_app
from commons_graph.settings import Settings
from graph import DiskStore

EX = "http://example.org/"
G = NamedNode(EX + "graph")


def _store(path: Path, n: int = 300) -> DiskStore:
    store = DiskStore(path)
    with store.write() as w:
        w.add(Quad(NamedNode(f"{EX}s{i}"), NamedNode(EX + "p"), Literal(i), G) for i in range(n))
    return store


def _client(tmp_path: Path, **overrides: object) -> Iterator[TestClient]:
    store = _store(tmp_path / "store")
    settings = Settings(store=tmp_path / "store", **overrides)  # type: ignore[arg-type]
    with TestClient(create_app(settings, store)) as client:
        yield client
    store.close()


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(tmp_path, max_rows=100, admin_token="s3cret", max_body_bytes=10_000)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        _Recorder.hits.append(self.path)
        body = b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_service_to_loopback_makes_no_request(client: TestClient) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{server.server_address[1]}/sparql"
    try:
        queries = [
            f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
            f"PREFIX x: <{target[:-6]}> SELECT * {{ SERVICE SILENT x:sparql {{ ?s ?p ?o }} }}",
            "SELECT * { SERV\\u0049CE <" + target + "> { ?s ?p ?o } }",
            "SELECT * { VALUES ?e { <" + target + "> } SERVICE ?e { ?s ?p ?o } }",
        ]
        for query in queries:
            response = client.get("/sparql", params={"query": query})
            assert response.status_code == 400, query
            assert "not allowed" in response.json()["error"]["message"]
        update = client.post(
            "/sparql",
            data={"update": f"LOAD <{target}>"},
            headers={"Authorization": "Bearer s3cret"},
        )
        assert update.status_code == 400
        time.sleep(0.2)
        assert _Recorder.hits == []
    finally:
        server.shutdown()


def test_capped_result_is_signalled(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 100
    assert response.headers["commons-graph-truncated"] == "true"
    assert response.headers["commons-graph-row-cap"] == "100"
    small = client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 5"})
    assert small.headers["commons-graph-truncated"] == "false"
    sd = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert "rowCap" in sd.text and "100" in sd.text
    construct = client.get(
        "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"}
    )
    assert construct.headers["commons-graph-truncated"] == "true"
    assert len(construct.text.strip().splitlines()) == 100


def test_update_needs_the_token(client: TestClient) -> None:
    update = {"update": "INSERT DATA { <http://e/s> <http://e/p> 1 }"}
    assert client.post("/sparql", data=update).status_code == 401
    wrong = client.post("/sparql", data=update, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    ok = client.post("/sparql", data=update, headers={"Authorization": "Bearer s3cret"})
    assert ok.status_code == 204
    ask = client.get("/sparql", params={"query": "ASK { <http://e/s> <http://e/p> 1 }"})
    assert ask.json()["boolean"] is True


def test_updates_are_off_without_a_configured_token(tmp_path: Path) -> None:
    for client in _client(tmp_path):
        response = client.post("/sparql", data={"update": "CLEAR ALL"})
        assert response.status_code == 403
        assert "off" in response.json()["error"]["message"]


def test_errors_406_413_400_and_cors(client: TestClient) -> None:
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    message = response.json()["error"]["message"]
    assert "application/sparql-results+json" in message and "text/csv" in message
    big = client.post(
        "/sparql", content=b"#" * 20_000, headers={"Content-Type": "application/sparql-query"}
    )
    assert big.status_code == 413
    bad = client.get("/sparql", params={"query": "SELECT * {"})
    assert bad.status_code == 400 and bad.json()["error"]["title"] == "bad request"
    cors = client.get(
        "/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://x.example"}
    )
    assert cors.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in cors.headers
    html = client.get("/sparql", headers={"Accept": "text/html"})
    assert html.status_code == 200 and "<textarea" in html.text
    assert client.get("/static/query.js").status_code == 200


RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"
LOOKUP = "SELECT ?o { <http://example.org/s7> <http://example.org/p> ?o }"


@pytest.mark.slow
def test_runaway_queries_are_stopped_while_lookups_answer(tmp_path: Path) -> None:
    store = _store(tmp_path / "store", n=2000)
    settings = Settings(store=tmp_path / "store", query_timeout=2, query_workers=2)
    app = create_app(settings, store)

    async def scenario(app: FastAPI) -> None:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app), base_url="http://test", timeout=30
            ) as http,
        ):

            async def runaway() -> tuple[int, float]:
                started = time.monotonic()
                response = await http.get("/sparql", params={"query": RUNAWAY})
                return response.status_code, time.monotonic() - started

            tasks = [asyncio.create_task(runaway()) for _ in range(2)]
            await asyncio.sleep(0.3)
            lookups = []
            while not all(t.done() for t in tasks):
                started = time.monotonic()
                response = await http.get("/sparql", params={"query": LOOKUP})
                lookups.append(time.monotonic() - started)
                assert response.status_code == 200
                await asyncio.sleep(0.05)
            for status, elapsed in [t.result() for t in tasks]:
                assert status == 503
                assert elapsed < settings.query_timeout + 2
            print(
                f"runaways {[t.result() for t in tasks]}; lookups n={len(lookups)} max={max(lookups):.3f}s"
            )
            assert lookups and max(lookups) < 0.2, lookups
            # the killed workers were replaced: the pool still answers
            assert (await http.get("/sparql", params={"query": LOOKUP})).status_code == 200

    asyncio.run(scenario(app))
    store.close()
