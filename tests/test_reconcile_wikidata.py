"""/wikidata/missing and /wikidata/quickstatements on invented records: a survey institution that
names a Wikidata item which lacks its country, Commons category and Europeana entity, and whose
website and class differ."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from commons_graph.iris import Iris
from commons_graph.references import DEMO_DIR
from commons_graph.settings import Settings
from graph import DiskStore
from loaders.pipeline import load
from tests.conftest import TEST_BASE

QID = "Q990000777"


def _item(qid: str, claims: dict[str, tuple[str, object]]) -> dict[str, object]:
    def statement(pid: str, datatype: str, value: object) -> dict[str, object]:
        kind = {"wikibase-item": "wikibase-entityid", "url": "string"}[datatype]
        return {
            "mainsnak": {
                "snaktype": "value",
                "property": pid,
                "datatype": datatype,
                "datavalue": {"value": value, "type": kind},
            },
            "type": "statement",
            "id": f"{qid}$1-{pid}",
            "rank": "normal",
        }

    return {
        "type": "item",
        "id": qid,
        "labels": {"en": {"language": "en", "value": "Test Museum"}},
        "claims": {pid: [statement(pid, dt, v)] for pid, (dt, v) in claims.items()},
    }


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("wd")
    with open(DEMO_DIR / "glam-survey.csv", encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    row = dict.fromkeys(header, "")
    row.update(
        institution_name="Museu Teste",
        institution_name_english="Test Museum",
        pretty_url="https://survey.glamelab.org/institutions/museu-teste",
        country="Portugal",
        institution_type="Museum",
        institution_website="https://museuteste.example.pt/",
        institution_wikidata=f"https://www.wikidata.org/wiki/{QID}",
        open_data_volume_name0="Wikimedia Commons",
        open_data_volume_url0="https://commons.wikimedia.org/wiki/Category:Museu_Teste",
        open_data_volume_name1="Europeana",
        open_data_volume_url1="https://www.europeana.eu/en/collections/organisation/1482250000099-museu-teste?page=1",
    )
    survey = root / "survey.csv"
    with open(survey, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerow(row)
    item = _item(
        QID,
        {
            "P31": (
                "wikibase-item",
                {"entity-type": "item", "numeric-id": 207694, "id": "Q207694"},
            ),
            "P856": ("url", "https://other.example.org/"),
        },
    )
    entities = root / "wikidata.json"
    entities.write_text(json.dumps([item]), encoding="utf-8")
    store, iris = DiskStore(root / "store"), Iris(TEST_BASE)
    load(store, iris, "glam-survey", str(survey), rejects_dir=root / "rejects")
    load(store, iris, "wikidata", str(entities), rejects_dir=root / "rejects")
    settings = Settings(store=root / "store", base_url=TEST_BASE, query_workers=1)
    with TestClient(create_app(settings, store)) as test_client:
        yield test_client
    store.close()


def test_missing_lists_gaps_and_mismatches(client: TestClient) -> None:
    body = client.get("/wikidata/missing").json()
    found = {(s["property"], s["kind"]): s for s in body["statements"]}
    record = f"{TEST_BASE}/id/glam-survey/museu-teste"
    assert found[("P17", "missing")]["value"] == "Q45"
    assert found[("P373", "missing")]["value"] == '"Museu Teste"'
    assert found[("P7704", "missing")]["value"] == '"organization/1482250000099"'
    assert found[("P856", "mismatch")]["wikidata"] == ['"https://other.example.org/"']
    assert found[("P31", "mismatch")]["value"] == "Q33506"
    assert all(s["item"] == QID and s["record"] == record for s in body["statements"])
    assert body["count"] == len(body["statements"]) == body["missing"] + body["mismatches"]


def test_quickstatements_are_v1_lines_with_references(client: TestClient) -> None:
    response = client.get("/wikidata/quickstatements")
    assert response.headers["content-type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert len(lines) == 3  # the missing statements only; mismatches are for people to review
    for line in lines:
        fields = line.split("\t")
        assert fields[0] == QID and fields[3] == "S854" and fields[5] == "S813"
        assert fields[4] == f'"{TEST_BASE}/id/glam-survey/museu-teste"'
        assert fields[6].startswith("+") and fields[6].endswith("T00:00:00Z/11")
    only = client.get("/wikidata/quickstatements", params={"property": "P17"}).text.splitlines()
    assert only == [lines[0]] and only[0].split("\t")[1:3] == ["P17", "Q45"]
    assert client.get("/wikidata/quickstatements", params={"source": "wikidata"}).text == ""


def test_bad_filters_are_refused(client: TestClient) -> None:
    for params in ({"property": "P999"}, {"source": "nowhere"}):
        response = client.get("/wikidata/missing", params=params)
        assert response.status_code == 400 and response.json()["error"]["message"]
