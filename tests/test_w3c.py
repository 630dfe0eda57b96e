"""The W3C SPARQL suites (../shared/data/w3c-tests), run through the HTTP app, not the library.

One app and one on-disk store serve the whole run (see tests/w3c/runner.py). Known engine
deviations are listed with their reasons in tests/w3c/known_deviations.py and are strict xfail: a
listed test that passes fails the run, so the list stays exact.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from commons_graph.settings import Settings
from graph import DiskStore
from tests.conftest import SHARED
from tests.w3c.known_deviations import KNOWN_DEVIATIONS, REASONS
from tests.w3c.manifest import Case, load_cases
from tests.w3c.runner import ADMIN_TOKEN, Harness

ROOT = SHARED / "w3c-tests"
KINDS = {
    "QueryEvaluationTest": "run_query_case",
    "CSVResultFormatTest": "run_query_case",
    "PositiveSyntaxTest11": "run_syntax_case",
    "NegativeSyntaxTest11": "run_syntax_case",
    "ProtocolTest": "run_protocol_case",
    "ServiceDescriptionTest": "run_service_description_case",
}


def _cases() -> list[Case]:
    if not (ROOT / "manifest-present.ttl").exists():
        return []
    return [
        c for c in load_cases(ROOT / "manifest-present.ttl", ROOT) if c.kind in KINDS and c.approved
    ]


CASES = _cases()


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    root: Path = tmp_path_factory.mktemp("w3c") / "store"
    store = DiskStore(root, keep=2)
    settings = Settings(store=root, admin_token=ADMIN_TOKEN, query_timeout=20, max_rows=100_000)
    with TestClient(create_app(settings, store), base_url="http://www.example") as client:
        yield Harness(client, store, settings, ROOT)
    store.close()


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.id.split("/tests/", 1)[-1] for c in CASES])
def test_w3c(case: Case, harness: Harness, request: pytest.FixtureRequest) -> None:
    if case.id in KNOWN_DEVIATIONS:
        reason = f"pyoxigraph 0.5.13: {REASONS[KNOWN_DEVIATIONS[case.id]]}"
        request.node.add_marker(pytest.mark.xfail(reason=reason, strict=True))
    getattr(harness, KINDS[case.kind])(case)
