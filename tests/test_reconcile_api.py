"""/reconcile over the real app and a real on-disk store holding the demo samples: every response
shape validated against the Reconciliation API 0.2 JSON Schemas, the transport (JSONP, CORS, 413,
the error body) and the matching rules that users rely on."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from jsonschema import Draft7Validator
from referencing import Registry
from referencing.jsonschema import DRAFT7
from starlette.testclient import TestClient

from api.app import create_app
from commons_graph.iris import Iris
from commons_graph.namespaces import CG
from commons_graph.references import DEMO_DIR, DEMO_FILES, ensure_references
from commons_graph.settings import Settings
from graph import DiskStore
from loaders.pipeline import load
from reconcile.index import index_file
from tests.conftest import TEST_BASE, shared_file

SCHEMAS = ("reconciliation-schemas", "0.2", "schemas")


@pytest.fixture(scope="module")
def validators() -> dict[str, Draft7Validator]:
    folder = shared_file(*SCHEMAS, "manifest.json").parent
    resources = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")}
    registry: Registry = Registry().with_resources(
        (doc["$id"], DRAFT7.create_resource(doc)) for doc in resources.values() if "$id" in doc
    )
    return {name: Draft7Validator(doc, registry=registry) for name, doc in resources.items()}


def check(validators: dict[str, Draft7Validator], schema: str, document: object) -> None:
    errors = [e.message for e in validators[schema].iter_errors(document)]
    assert not errors, f"{schema}: {errors[:3]}"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("store")
    settings = Settings(store=root, base_url=TEST_BASE, query_workers=1)
    store = DiskStore(root)
    iris = Iris(TEST_BASE)
    ensure_references(store, iris, settings.shared_data)
    for fmt, name, source in DEMO_FILES:
        load(store, iris, fmt, str(DEMO_DIR / name), source=source, rejects_dir=root / "rejects")
    assert index_file(store.snapshot()) is not None and index_file(store.snapshot()).is_file()  # type: ignore[union-attr]
    with TestClient(create_app(settings, store)) as test_client:
        yield test_client
    store.close()


def reconcile(client: TestClient, queries: dict[str, object], method: str = "POST") -> dict:  # type: ignore[type-arg]
    payload = {"queries": json.dumps(queries)}
    response = (
        client.post("/reconcile", data=payload)
        if method == "POST"
        else client.get("/reconcile", params=payload)
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_manifest_is_complete_and_valid(client: TestClient, validators: dict) -> None:  # type: ignore[type-arg]
    manifest = client.get("/reconcile").json()
    check(validators, "manifest", manifest)
    for key in (
        "versions",
        "name",
        "identifierSpace",
        "schemaSpace",
        "defaultTypes",
        "view",
        "preview",
        "suggest",
        "extend",
        "batchSize",
        "documentation",
    ):
        assert key in manifest, key
    assert set(manifest["suggest"]) == {"entity", "type", "property"}
    assert {"propose_properties", "property_settings"} <= set(manifest["extend"])
    docs = client.get("/reconcile/docs")
    assert docs.status_code == 200 and "leads the second" in docs.text


def test_queries_by_post_and_get_validate_and_agree(client: TestClient, validators: dict) -> None:  # type: ignore[type-arg]
    queries = {
        "q0": {"query": "lagoon museum", "type": CG + "Museum", "limit": 3},
        "q1": {"query": "Portwenn Maritime Museum", "properties": [{"pid": "P17", "v": "Q145"}]},
        "q2": {"query": "zzqx wvvy"},
    }
    check(validators, "reconciliation-query-batch", queries)
    by_post, by_get = reconcile(client, queries), reconcile(client, queries, "GET")
    assert by_post == by_get
    check(validators, "reconciliation-result-batch", by_post)
    first = by_post["q0"]["result"][0]
    assert first["id"] == f"{TEST_BASE}/id/glam-survey/museu-da-lagoa" and first["match"] is True
    assert {"id": CG + "Museum", "name": "Museum"} in first["type"]
    assert {f["id"] for f in first["features"]} >= {"name"}
    assert by_post["q2"] == {"result": []}  # searched, nothing found


def test_identifiers_score_100(client: TestClient) -> None:
    result = reconcile(
        client,
        {"q": {"query": "anything", "properties": [{"pid": "cg:wikidata", "v": "Q990000001"}]}},
    )["q"]["result"]
    top = result[0]
    assert top["score"] == 100 and top["id"] == "http://www.wikidata.org/entity/Q990000001"
    assert {"id": "identifier", "value": True} in top["features"]


def test_limit_never_changes_the_ranking(client: TestClient) -> None:
    full = reconcile(client, {"q": {"query": "museum", "limit": 20}})["q"]["result"]
    assert len(full) > 3
    for limit in (1, 2, 3):
        cut = reconcile(client, {"q": {"query": "museum", "limit": limit}})["q"]["result"]
        assert [c["id"] for c in cut] == [c["id"] for c in full[:limit]]


def test_long_names_are_never_dropped(client: TestClient) -> None:
    filler = " ".join(f"word{i}" for i in range(60))
    long_query = f'Lagoon "Museum" AND OR NOT NEAR( * {filler} ^ : museu da lagoa'
    result = reconcile(client, {"q": {"query": long_query}})["q"]["result"]
    assert result and result[0]["id"].endswith("/museu-da-lagoa")


def test_typos_accents_case_and_word_order(client: TestClient) -> None:
    result = reconcile(client, {"q": {"query": "MUSÉUM LAGOOM"}})["q"]["result"]
    assert result[0]["id"].endswith("/museu-da-lagoa")


def test_property_evidence_and_type_filter(client: TestClient) -> None:
    survey = f"{TEST_BASE}/graph/glam-survey"
    result = reconcile(
        client,
        {
            "q": {
                "query": "Lagoon Museum",
                "type": survey,
                "properties": [{"pid": "P17", "v": "DE"}],
            }
        },
    )["q"]["result"]
    assert all(c["id"].startswith(f"{TEST_BASE}/id/glam-survey/") for c in result)
    assert result[0]["match"] is False  # the country contradicts it
    assert {"id": "country", "value": 0.0} in result[0]["features"]


def test_suggest_preview_extend_propose(client: TestClient, validators: dict) -> None:  # type: ignore[type-arg]
    entities = client.get("/reconcile/suggest/entity", params={"prefix": "portwenn mar"}).json()
    check(validators, "suggest-entities-response", entities)
    assert entities["result"] and "Portwenn Maritime Museum" in entities["result"][0]["name"]
    types = client.get("/reconcile/suggest/type", params={"prefix": "arch"}).json()
    check(validators, "suggest-types-response", types)
    assert any(t["id"] == CG + "Archive" for t in types["result"])
    props = client.get("/reconcile/suggest/property", params={"prefix": "post"}).json()
    check(validators, "suggest-properties-response", props)
    assert props["result"]
    target = f"{TEST_BASE}/id/glam-survey/museu-da-lagoa"
    card = client.get("/reconcile/preview", params={"id": target})
    assert card.status_code == 200 and card.headers["content-type"].startswith("text/html")
    assert "Museu da Lagoa" in card.text and "<script" not in card.text
    query = {
        "ids": [target, "http://www.wikidata.org/entity/Q990000001"],
        "properties": [
            {"id": "schema:url"},
            {"id": "P856"},
            {"id": "P31", "settings": {"limit": 1}},
        ],
    }
    check(validators, "data-extension-query", query)
    extended = client.post("/reconcile", data={"extend": json.dumps(query)}).json()
    check(validators, "data-extension-response", extended)
    assert extended["rows"]["http://www.wikidata.org/entity/Q990000001"]["P856"]
    assert len(extended["rows"]["http://www.wikidata.org/entity/Q990000001"]["P31"]) == 1
    proposal = client.get(
        "/reconcile/propose_properties", params={"type": CG + "Museum", "limit": 4}
    ).json()
    check(validators, "data-extension-property-proposal", proposal)
    assert len(proposal["properties"]) == 4


def test_transport_jsonp_cors_413_and_errors(client: TestClient) -> None:
    jsonp = client.get("/reconcile", params={"callback": "cb_1"})
    assert jsonp.text.startswith("/**/cb_1(") and "javascript" in jsonp.headers["content-type"]
    for path in ("/reconcile", "/reconcile/suggest/type?prefix=m", "/wikidata/missing"):
        response = client.get(path, headers={"Origin": "https://openrefine.example"})
        assert response.headers["access-control-allow-origin"] == "*", path
    too_many = {f"q{i}": {"query": "museum"} for i in range(51)}
    response = client.post("/reconcile", data={"queries": json.dumps(too_many)})
    assert response.status_code == 413 and response.json()["error"]["status"] == 413
    for bad in (
        "{not json",
        json.dumps({"q": {"query": 5}}),
        json.dumps({"q": {"query": "x", "properties": [{"pid": "P9999999", "v": "x"}]}}),
    ):
        response = client.post("/reconcile", data={"queries": bad})
        assert response.status_code == 400 and "message" in response.json()["error"], bad
    assert client.get("/reconcile", params={"callback": "alert(1)//"}).status_code == 400
    assert client.get("/reconcile/preview", params={"id": "urn:nothing"}).status_code == 404
