"""Accuracy on the real shared data, through the API, with identifiers used only to score
(see :mod:`reconcile.accuracy`): precision of ``match: true`` at least 0.98 and recall@1 at least
0.9, for Co-ops UK 2017 trading names against the 2023 directory and for altered survey names."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from commons_graph.iris import Iris
from commons_graph.settings import Settings
from graph import DiskStore
from loaders.pipeline import load
from reconcile import accuracy
from reconcile.index import build_file
from reconcile.service import BATCH_SIZE
from tests.conftest import TEST_BASE, shared_file

pytestmark = pytest.mark.slow
IRIS = Iris(TEST_BASE)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("accuracy")
    store = DiskStore(root / "store")
    for fmt, parts, source in (
        ("coops-uk", ("coops", "coops-uk_open_data_organisations_2017-06.csv"), None),
        (
            "essglobal-csv",
            ("coops", "coops-uk_sea-standard-essglobal_2023-Q2.csv"),
            "coops-uk-2023",
        ),
        ("glam-survey", ("glam", "open_glam_survey_20251119.csv"), None),
    ):
        path = str(shared_file(*parts))
        load(store, IRIS, fmt, path, source=source, rejects_dir=root / "rejects", hooks=False)
    build_file(store.snapshot(), IRIS)
    settings = Settings(store=root / "store", base_url=TEST_BASE, query_workers=1)
    with TestClient(create_app(settings, store)) as test_client:
        yield test_client
    store.close()


def api_answerer(client: TestClient) -> accuracy.Answerer:
    def answer(batch: dict[str, accuracy.Query]) -> dict[str, tuple[str | None, bool]]:
        response = client.post("/reconcile", data={"queries": json.dumps(batch)})
        assert response.status_code == 200, response.text
        out: dict[str, tuple[str | None, bool]] = {}
        for key, value in response.json().items():
            result = value["result"]
            out[key] = (result[0]["id"], result[0]["match"]) if result else (None, False)
        return out

    return answer


def test_coops_2017_trading_names_against_2023(client: TestClient) -> None:
    cases = accuracy.coops_cases(
        shared_file("coops", "coops-uk_open_data_organisations_2017-06.csv"),
        shared_file("coops", "coops-uk_sea-standard-essglobal_2023-Q2.csv"),
        IRIS,
    )
    assert str(sum(1 for c in cases if c.expected)) == "5540"
    assert all("cuks" not in json.dumps(c.query).lower() for c in cases)  # ids only score
    report = accuracy.evaluate(cases, api_answerer(client), BATCH_SIZE)
    assert report.precision >= 0.98, report
    assert report.recall_at_1 >= 0.9, report


def test_altered_survey_names(client: TestClient) -> None:
    cases = accuracy.glam_cases(shared_file("glam", "open_glam_survey_20251119.csv"), IRIS)
    assert len(cases) == 1720 and cases == accuracy.glam_cases(
        shared_file("glam", "open_glam_survey_20251119.csv"), IRIS
    )  # seeded: every run asks the same
    report = accuracy.evaluate(cases, api_answerer(client), BATCH_SIZE)
    assert report.precision >= 0.98, report
    assert report.recall_at_1 >= 0.9, report
