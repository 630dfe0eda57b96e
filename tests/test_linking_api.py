"""The review queue and the linked organisations over HTTP (the real app on a real store)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.jsonld import compactor
from commons_graph.iris import Iris
from commons_graph.references import DEMO_DIR, DEMO_FILES
from commons_graph.settings import Settings
from graph.oxigraph import MemoryStore
from linking.review import members, queue
from loaders.pipeline import load
from tests.conftest import SHARED, TEST_BASE

TOKEN = "s3cret-token"
IRIS = Iris(TEST_BASE)


def _unsure_record(tmp_path: Path) -> Path:
    """An invented standard-CSV record at the address of a demo co-op, under another name: the
    link step can only put the pair up for review."""
    with (DEMO_DIR / "sse-standard.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        row = next(reader)
        fields = reader.fieldnames
    assert fields is not None
    row.update({"Identifier": "X1", "Name": "Quayside Traders Limited", "Website": ""})
    row.update({"Companies House Number": "", "Twitter": "", "Facebook": ""})
    path = tmp_path / "unsure.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fields)
        writer.writeheader()
        writer.writerow(row)
    return path


@pytest.fixture
def store(tmp_path: Path) -> MemoryStore:
    store = MemoryStore()
    for fmt, name, source in DEMO_FILES:
        load(store, IRIS, fmt, str(DEMO_DIR / name), source=source, rejects_dir=tmp_path)
    load(store, IRIS, "essglobal-csv", str(_unsure_record(tmp_path)), source="extra")
    return store


@pytest.fixture
def client(store: MemoryStore) -> Iterator[TestClient]:
    settings = Settings(base_url=TEST_BASE, shared_data=SHARED, admin_token=TOKEN)
    with TestClient(create_app(settings, store)) as client:
        yield client


def _pending(store: MemoryStore) -> tuple[str, str]:
    rows = queue(store.snapshot(), IRIS)
    assert rows, "the demo data should leave something to review"
    return rows[0].a, rows[0].b


def test_review_queue_as_json_csv_and_html(client: TestClient, store: MemoryStore) -> None:
    a, b = _pending(store)
    data = client.get("/links/review", headers={"Accept": "application/json"}).json()
    assert data["total"] == len(queue(store.snapshot(), IRIS))
    first = data["items"][0]
    assert (first["a"]["id"], first["b"]["id"]) == (a, b)
    assert first["a"]["source"] and first["b"]["source"] and 0 < first["confidence"] < 0.9
    response = client.get("/links/review?format=csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert (rows[0]["a id"], rows[0]["b id"]) == (a, b)
    page = client.get("/links/review", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html") and a in page.text
    refused = client.get("/links/review", headers={"Accept": "application/xml"})
    assert refused.status_code == 406 and "error" in refused.json()


def test_decisions_need_the_admin_token(client: TestClient, store: MemoryStore) -> None:
    a, b = _pending(store)
    body = {"a": a, "b": b, "decision": "accept"}
    assert client.post("/links/review", json=body).status_code == 401
    wrong = client.post("/links/review", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    bad = client.post(
        "/links/review",
        json={**body, "decision": "maybe"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert bad.status_code == 400 and "accept" in bad.json()["error"]["message"]
    ok = client.post("/links/review", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200, ok.text
    assert any(a in r and b in r for r in members(store.snapshot(), IRIS).values())
    assert (a, b) not in [(r.a, r.b) for r in queue(store.snapshot(), IRIS)]


def test_decisions_are_off_without_a_configured_token(store: MemoryStore) -> None:
    settings = Settings(base_url=TEST_BASE, shared_data=SHARED)
    a, b = _pending(store)
    with TestClient(create_app(settings, store)) as client:
        sent = client.post(
            "/links/review",
            data={"a": a, "b": b, "decision": "reject"},
            headers={"Authorization": "Bearer anything"},
        )
    assert sent.status_code == 403


def test_organisation_page_merges_the_records_with_provenance(
    client: TestClient, store: MemoryStore
) -> None:
    clusters = members(store.snapshot(), IRIS)
    org, records = max(clusters.items(), key=lambda kv: (len(kv[1]), kv[0]))
    assert len(records) > 1
    path = org.removeprefix(TEST_BASE)
    doc = client.get(path, headers={"Accept": "application/ld+json"})
    assert doc.status_code == 200, doc.text
    text = doc.text
    assert all(compactor().compact_iri(record) in text for record in records)
    assert "wasDerivedFrom" in text
    turtle = client.get(path, headers={"Accept": "text/turtle"}).text
    assert "rdf:Statement" in turtle or "22-rdf-syntax-ns#Statement" in turtle
    html = client.get(path, headers={"Accept": "text/html"}).text
    assert "What the sources say" in html
    missing = client.get("/id/org/nothing-here", headers={"Accept": "application/ld+json"})
    assert missing.status_code == 404 and "error" in missing.json()
