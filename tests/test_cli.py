"""The ``commons-graph`` command on the real data, as a user runs it (a subprocess per command)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, QuerySolutions, Variable

from graph import open_store
from tests.conftest import TEST_BASE, shared_file

ROOT = Path(__file__).resolve().parents[1]


def cli(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COMMONS_GRAPH_STORE": str(store), "COMMONS_GRAPH_BASE_URL": TEST_BASE}
    return subprocess.run(
        [sys.executable, "-m", "commons_graph.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=store.parent,
        timeout=180,
    )


REAL = [
    ("coops-uk", ("coops", "coops-uk_open_data_organisations_2017-06.csv"), "coops-uk"),
    ("coops-uk", ("coops", "coops-uk_open_data_outlets_2017-06.csv"), "coops-uk-outlets"),
    ("essglobal-csv", ("coops", "coops-uk_sea-standard-essglobal_2023-Q2.csv"), "coops-uk-2023"),
    ("glam-survey", ("glam", "open_glam_survey_20251119.csv"), "glam-survey"),
    ("wikidata", ("wikidata", "entities-sample.json.gz"), "wikidata"),
]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    store = tmp_path_factory.mktemp("cli") / "store"
    for fmt, parts, source in REAL:
        done = cli(store, "load", fmt, str(shared_file(*parts)), "--source", source, "--quiet")
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr
    sources = cli(store, "sources")
    assert sources.returncode == 0, sources.stderr
    return store, sources.stdout


@pytest.mark.parametrize(
    "expected",
    [
        "coops-uk [coops-uk] 8,371 organisation",
        "coops-uk-2023 [essglobal-csv] 7,387 organisation",
        "coops-uk-outlets [coops-uk] 6,291 outlet",
        "glam-survey [glam-survey] 9 identifier-conflict, 1,720 institution, 1,844 platform",
        "wikidata [wikidata] 826 item, 6 property",
        "licence  http://opendatacommons.org/licenses/by/1-0/",
        "licence  http://creativecommons.org/publicdomain/zero/1.0/",
        "licence  http://creativecommons.org/licenses/by/3.0/",
    ],
)
def test_sources_reports_the_real_counts(loaded: tuple[Path, str], expected: str) -> None:
    assert expected in loaded[1]


# pyoxigraph substitutes only projected variables, hence ?g ?klass ?prefix in SELECT/GROUP BY.
ENTITY_QUERY = """
SELECT ?g ?klass ?prefix (COUNT(DISTINCT ?s) AS ?n) WHERE {
  GRAPH ?g { ?s a ?klass . FILTER(STRSTARTS(STR(?s), ?prefix) && !CONTAINS(STR(?s), "#")) }
} GROUP BY ?g ?klass ?prefix
"""


@pytest.mark.parametrize(
    ("source", "klass", "count"),
    [
        ("coops-uk", "https://w3id.org/commons-graph/ns#Cooperative", 8371),
        ("coops-uk-2023", "https://w3id.org/commons-graph/ns#Cooperative", 7387),
        ("glam-survey", "https://w3id.org/commons-graph/ns#HeritageInstitution", 1720),
        ("wikidata", "http://wikiba.se/ontology#Item", 826),
    ],
)
def test_each_record_is_one_entity_in_its_source_graph(
    loaded: tuple[Path, str], source: str, klass: str, count: int
) -> None:
    snapshot = open_store(loaded[0]).snapshot()
    prefix = (
        "http://www.wikidata.org/entity/Q" if source == "wikidata" else f"{TEST_BASE}/id/{source}/"
    )
    rows = snapshot.query(
        ENTITY_QUERY,
        substitutions={
            Variable("g"): NamedNode(f"{TEST_BASE}/graph/{source}"),
            Variable("klass"): NamedNode(klass),
            Variable("prefix"): Literal(prefix),
        },
    )
    assert isinstance(rows, QuerySolutions)
    assert [int(r["n"].value) for r in rows] == [count]


def test_unusable_input_is_one_message_and_changes_nothing(
    loaded: tuple[Path, str], tmp_path: Path
) -> None:
    store = loaded[0]
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("a,b\n1,2\n", encoding="utf-8")
    done = cli(store, "load", "glam-survey", str(wrong), "--quiet")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "columns" in done.stderr and "wrong.csv" in done.stderr
    assert "1,720 institution" in cli(store, "sources").stdout
