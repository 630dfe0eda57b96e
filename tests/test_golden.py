"""Golden mapping cases, morph-kgc style: every ``tests/golden/<format>/<case>/`` holds an input
file (``input.*``), optionally ``case.toml`` (``source = ...``), and ``expected.nq``: the N-Quads
the real mapping must produce, compared as isomorphic datasets. One parametrized test runs them all.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pyoxigraph import CanonicalizationAlgorithm, Dataset, RdfFormat, parse

from commons_graph.iris import Iris
from graph import MemoryStore
from loaders.pipeline import load
from tests.conftest import TEST_BASE

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p for p in GOLDEN.glob("*/*") if (p / "expected.nq").exists())


def _canonical(quads: Dataset) -> set[str]:
    quads.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in quads}


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_golden(case: Path, tmp_path: Path) -> None:
    fmt = case.parent.name
    options = (
        tomllib.loads((case / "case.toml").read_text()) if (case / "case.toml").exists() else {}
    )
    (input_file,) = case.glob("input.*")
    store = MemoryStore()
    report = load(
        store,
        Iris(TEST_BASE),
        fmt,
        str(input_file),
        source=options.get("source"),
        rejects_dir=tmp_path,
    )
    assert report.rejected == options.get("rejected", 0), (tmp_path / "x").parent
    graph = store.snapshot().quads(graph=None)
    got = Dataset(q for q in graph if q.graph_name.value == report.graph)
    expected = Dataset(parse(path=case / "expected.nq", format=RdfFormat.N_QUADS))
    got_c, expected_c = _canonical(got), _canonical(expected)
    missing, extra = sorted(expected_c - got_c), sorted(got_c - expected_c)
    assert not missing and not extra, (
        "missing:\n" + "\n".join(missing) + "\nextra:\n" + "\n".join(extra)
    )
