"""Shared fixtures. Real parts only: the real pyoxigraph store, the real ASGI app, real data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from commons_graph.iris import Iris
from commons_graph.settings import Settings

SHARED = Path(
    os.environ.get(
        "COMMONS_GRAPH_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
    )
)
TEST_BASE = "http://example.org"


def shared_file(*parts: str) -> Path:
    """A file of ../shared/data. Missing data skips the test, except under CI=true where it fails."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared data missing under CI: {path}")
        pytest.skip(f"shared data not present: {path}")
    return path


@pytest.fixture
def iris() -> Iris:
    return Iris(TEST_BASE)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(store=tmp_path / "store", base_url=TEST_BASE, shared_data=SHARED)
