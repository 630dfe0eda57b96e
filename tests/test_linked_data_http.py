"""Linked Data over HTTP on the demo samples: formats, 404s, paging (also across a reload),
caching (304), dumps, the catalogue and VoID."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat, parse

import graph.oxigraph
from api.app import create_app
from commons_graph.iris import Iris
from commons_graph.settings import Settings
from graph.oxigraph import DiskStore
from loaders.pipeline import load
from tests.conftest import TEST_BASE

DEMO = Path(__file__).resolve().parents[1] / "demo"
ORGS = DEMO / "coops-uk-organisations.csv"


@pytest.fixture
def served(tmp_path: Path, iris: Iris) -> Iterator[tuple[TestClient, DiskStore]]:
    store = DiskStore(tmp_path / "store")
    for fmt, name in (("coops-uk", ORGS), ("glam-survey", DEMO / "glam-survey.csv")):
        load(store, iris, fmt, str(name), rejects_dir=tmp_path / "rejects")
    load(store, iris, "wikidata", str(DEMO / "wikidata.json"), rejects_dir=tmp_path / "rejects")
    settings = Settings(store=tmp_path / "store", base_url=TEST_BASE, query_workers=1)
    with TestClient(create_app(settings, store)) as client:
        yield client, store
    store.close()


def _local(url: str) -> str:
    return url.removeprefix(TEST_BASE)


def _first_id(client: TestClient, source: str) -> str:
    page = client.get(f"/collections/{source}?limit=1").json()
    return str(page["orderedItems"][0]["id"])


def test_entity_formats_by_suffix_and_accept(served: tuple[TestClient, DiskStore]) -> None:
    client, _ = served
    path = _local(_first_id(client, "coops-uk"))
    as_jsonld = client.get(path, headers={"Accept": "application/ld+json"})
    assert as_jsonld.headers["content-type"].startswith("application/ld+json")
    assert as_jsonld.json()["@context"] == f"{TEST_BASE}/context.jsonld"
    assert client.get(path + ".jsonld").json() == as_jsonld.json()
    turtle = client.get(path + ".ttl")
    assert turtle.headers["content-type"].startswith("text/turtle")
    nt = client.get(path, headers={"Accept": "application/n-triples"})
    assert {str(t) for t in parse(turtle.content, format=RdfFormat.TURTLE)} == {
        str(t) for t in parse(nt.content, format=RdfFormat.N_TRIPLES)
    }
    page = client.get(path, headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    assert "Provenance" in page.text and "opendatacommons.org" in page.text
    assert 'rel="alternate"' in as_jsonld.headers["link"]


def test_unknown_ids_are_404_in_the_error_body(served: tuple[TestClient, DiskStore]) -> None:
    client, _ = served
    missing = client.get("/id/coops-uk/NO-SUCH-ID")
    assert missing.status_code == 404
    assert missing.json()["error"]["status"] == 404
    html = client.get("/id/coops-uk/NO-SUCH-ID.html")
    assert html.status_code == 404 and "NO-SUCH-ID" in html.text
    assert client.get("/id/no-such-source/R1").status_code == 404
    assert client.get("/wikidata/Q99999999999").status_code == 404
    assert client.get("/wikidata/banana").status_code == 404


def test_wikidata_items_and_the_vocabulary_dereference(
    served: tuple[TestClient, DiskStore],
) -> None:
    client, _ = served
    item = _first_id(client, "wikidata").rsplit("/", 1)[1]
    assert client.get(f"/wikidata/{item}.ttl").status_code == 200
    assert client.get(f"/wikidata/{item}", headers={"Accept": "text/html"}).status_code == 200
    ontology = client.get("/ns", headers={"Accept": "application/ld+json"}).json()
    assert ontology["@context"]["cg"] == "https://w3id.org/commons-graph/ns#"
    assert client.get("/ns.ttl").headers["content-type"].startswith("text/turtle")
    assert 'id="Cooperative"' in client.get("/ns", headers={"Accept": "text/html"}).text
    assert client.get("/context.jsonld").json()["@context"]["cg"].startswith("https://w3id.org")


def _harvest(client: TestClient, source: str, limit: int, stop_after: int = 0) -> list[str]:
    ids: list[str] = []
    url: str | None = f"/collections/{source}?limit={limit}"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        page = response.json()
        ids += [item["id"] for item in page["orderedItems"]]
        nxt = page.get("next")
        if nxt:
            assert response.headers["link"] == f'<{nxt}>; rel="next"'
        url = _local(nxt) if nxt else None
        pages += 1
        if stop_after and pages == stop_after:
            return [*ids, url or ""]
    return ids


def test_paging_covers_every_entity_once(served: tuple[TestClient, DiskStore]) -> None:
    client, _ = served
    whole = client.get("/collections/coops-uk?limit=1000").json()
    assert "next" not in whole
    everything = [item["id"] for item in whole["orderedItems"]]
    assert everything == sorted(everything) and whole["totalItems"] == len(everything)
    for limit in (1, 3, 7):
        assert _harvest(client, "coops-uk", limit) == everything
    assert client.get("/collections/coops-uk?limit=100000").status_code == 400
    assert client.get("/collections/coops-uk?cursor=not-a-cursor").status_code == 400


def test_a_reload_during_a_harvest_neither_skips_nor_repeats(
    served: tuple[TestClient, DiskStore], tmp_path: Path, iris: Iris
) -> None:
    client, store = served
    before = _harvest(client, "coops-uk", 1000)
    *started, resume = _harvest(client, "coops-uk", 4, stop_after=2)
    with ORGS.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    smaller = tmp_path / "smaller.csv"
    with smaller.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows([rows[0], *rows[6:]])  # drop 5 rows
    load(store, iris, "coops-uk", str(smaller), rejects_dir=tmp_path / "rejects")
    rest: list[str] = []
    url: str | None = resume
    while url:
        page = client.get(url).json()
        rest += [item["id"] for item in page["orderedItems"]]
        url = _local(page["next"]) if page.get("next") else None
    assert started + rest == before  # the version the harvest started on, whole
    after = _harvest(client, "coops-uk", 4)
    assert len(after) == len(before) - 5 and set(after) < set(before)


def test_an_expired_cursor_is_410_naming_the_new_version(
    served: tuple[TestClient, DiskStore],
    tmp_path: Path,
    iris: Iris,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, store = served
    monkeypatch.setattr(graph.oxigraph, "GRACE_SECONDS", 0.0)
    *_, resume = _harvest(client, "coops-uk", 2, stop_after=1)
    for _ in range(store.keep + 1):
        load(store, iris, "coops-uk", str(ORGS), rejects_dir=tmp_path / "rejects")
    gone = client.get(resume)
    assert gone.status_code == 410
    assert store.snapshot().generation in gone.json()["error"]["message"]


def test_304_paths(served: tuple[TestClient, DiskStore]) -> None:
    client, _ = served
    entity = _local(_first_id(client, "coops-uk"))
    second_page = _local(client.get("/collections/coops-uk?limit=2").json()["next"])
    for path in (
        entity,
        entity + ".ttl",
        "/collections/coops-uk?limit=2",
        second_page,
        "/changes",
        "/changes/page/0",
        "/dumps/coops-uk.nq.gz",
        "/dumps/all.jsonl.gz",
        "/catalog",
        "/context.jsonld",
    ):
        first = client.get(path)
        assert first.status_code == 200, path
        etag = first.headers["etag"]
        again = client.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"", path
        assert again.headers["etag"] == etag
        assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
        modified = first.headers.get("last-modified")
        if modified:
            assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
            old = "Mon, 01 Jan 2001 00:00:00 GMT"
            assert client.get(path, headers={"If-Modified-Since": old}).status_code == 200
    # a representation has its own tag
    assert client.get(entity).headers["etag"] != client.get(entity + ".jsonld").headers["etag"]


def test_dumps_are_complete_and_name_their_licence(served: tuple[TestClient, DiskStore]) -> None:
    client, store = served
    listing = client.get("/dumps").json()["dumps"]
    names = {d["title"] for d in listing}
    assert {"coops-uk", "glam-survey", "wikidata", "all"} <= names
    response = client.get("/dumps/coops-uk.nq.gz")
    assert 'rel="license"' in response.headers["link"]
    text = gzip.decompress(response.content)
    assert text.startswith(b"# coops-uk: licence http://opendatacommons.org/licenses/by/1-0/")
    dumped = {str(q) for q in parse(text, format=RdfFormat.N_QUADS)}
    graph = Iris(TEST_BASE).graph("coops-uk")
    assert dumped == {str(q) for q in store.snapshot().quads(None, None, None, graph)}
    lines = gzip.decompress(client.get("/dumps/all.jsonl.gz").content).splitlines()
    harvested = sum(client.get(f"/collections/{n}").json()["totalItems"] for n in names - {"all"})
    assert len(lines) == harvested
    assert all(orjson.loads(line)["@context"] for line in lines)
    # the all-sources N-Quads is the per-source dumps one after the other
    whole = gzip.GzipFile(fileobj=io.BytesIO(client.get("/dumps/all.nq.gz").content)).read()
    assert text in whole
    assert client.get("/dumps/nothing.zip").status_code == 404


def test_catalogue_and_void(served: tuple[TestClient, DiskStore]) -> None:
    client, _ = served
    catalog = client.get("/catalog")
    assert catalog.headers["content-type"].startswith("application/ld+json")
    data = catalog.json()
    assert data["type"] == "dcat:Catalog"
    coops = next(d for d in data["dcat:dataset"] if d["id"].endswith("/graph/coops-uk"))
    assert coops["license"] == "http://opendatacommons.org/licenses/by/1-0/"
    assert coops["triples"] and coops["modified"] and coops["publisher"] and coops["dct:source"]
    assert len(coops["distribution"]) == 2
    void = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert b"void:sparqlEndpoint" in void.content
