"""The review-only keys' parts, on names and websites from the shared data; reading the records as
text, and the links graph diff, on the real pyoxigraph store."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions

from commons_graph.iris import Iris
from graph.oxigraph import MemoryStore
from linking import normalise as norm
from linking.records import _QUERIES, Record, _table, lexical, record_graphs
from linking.replace import replace, statements
from linking.similar import IN_AREA, IN_DISTRICT, Words
from loaders.pipeline import load
from tests.conftest import TEST_BASE, shared_file

IRIS = Iris(TEST_BASE)
#: Names of the Co-ops UK 2017 and 2023 files: three pairs of one organisation, and pairs of two
#: that share generic words.
NAMES = [
    "llmington Community Shop Limited",
    "Ilmington Community Shop Limited",
    "Cultivate (Cwm Harry) C.B.C.",
    "Cultivate (CwmHarry) Cyfyngedig",
    "Silkmen Supporters Society Limited",
    "The Silkman Supporters' Society Limited",
    "Hambledon Village Shop Limited",
    "Shackleford Village Shop Limited",
    "Camberley Cricket Club Limited",
    "Camberley Rugby Football Club Limited",
    "Nuneaton Town Supporters' Society Limited",
    "Dundee United Supporters' Society Limited",
]


def _record(number: int, name: str) -> Record:
    return Record(f"{TEST_BASE}/id/x/{number}", "x", f"{TEST_BASE}/graph/x", True, [name])


@pytest.fixture(scope="module")
def words() -> Words:
    """How rare the words are among the names of both Co-ops UK editions."""
    names = []
    for relative, columns in (
        ("coops-uk_open_data_organisations_2017-06.csv", ("Registered Name", "Trading Name")),
        ("coops-uk_sea-standard-essglobal_2023-Q2.csv", ("Name",)),
    ):
        with shared_file("coops", relative).open(encoding="utf-8", newline="") as fh:
            names.extend([row[c] for c in columns if row[c]] for row in csv.DictReader(fh))
    records = [_record(i, "") for i in range(len(names))]
    for rec, its_names in zip(records, names, strict=True):
        rec.names = its_names
    return Words(records)


def _alike(words: Words, a: str, b: str, ignored: frozenset[str] = frozenset()) -> float:
    return words.best(_record(0, a), _record(1, b), ignored)


def test_a_misspelt_or_joined_word_still_matches(words: Words) -> None:
    assert _alike(words, NAMES[0], NAMES[1]) == 1.0
    assert _alike(words, NAMES[2], NAMES[3]) > 0.6  # "cwm harry" is "cwmharry"
    assert _alike(words, NAMES[4], NAMES[5]) == 1.0  # "silkmen" and "silkman"


def test_generic_words_count_for_little(words: Words) -> None:
    assert _alike(words, NAMES[6], NAMES[7]) < IN_AREA  # "village shop"
    assert _alike(words, NAMES[10], NAMES[11]) < 0.3  # "supporters"


def test_the_place_words_of_a_district_count_for_nothing(words: Words) -> None:
    assert _alike(words, NAMES[8], NAMES[9]) > IN_DISTRICT
    assert _alike(words, NAMES[8], NAMES[9], frozenset(["camberley"])) < IN_DISTRICT


def test_postcode_area_and_name_words() -> None:
    assert [norm.postcode_area(c) for c in ("SK116BA", "M600AG", "EC1V2NX")] == ["SK", "M", "EC"]
    assert norm.name_words("The Paddock Housing Co-operative Ltd") == (
        "the",
        "paddock",
        "housing",
        "coop",
        "ltd",
    )


def test_web_pages_and_the_most_specific_platform() -> None:
    assert norm.web_page("http://chibah.org/monkey-puzzle/") == "chibah.org/monkey-puzzle"
    assert norm.web_page("http://www.gowerpower.coop/") is None
    assert norm.web_page("https://www.facebook.com/zerocarbonliverpool") is None  # a web key
    site = "https://sites.google.com/site/carolstreetcooperative"
    assert norm.web_key(site) == "sites.google.com/carolstreetcooperative"


def _q(subject: str, value: str) -> Quad:
    graph = IRIS.graph("links")
    return Quad(
        NamedNode(f"{TEST_BASE}/id/links/{subject}"),
        NamedNode(f"{TEST_BASE}/p"),
        Literal(value),
        graph,
    )


def test_the_links_graph_is_replaced_by_its_changes_only() -> None:
    store, graph = MemoryStore(), IRIS.graph("links")
    first = [_q("a", "1"), _q("a", "2"), _q("b", "line\nbreak"), _q("c", '"quoted"')]
    with store.write() as writer:
        assert replace(writer, graph, first, statements(writer.snapshot(), graph))
    with store.write() as writer:
        assert not replace(writer, graph, first[::-1], statements(writer.snapshot(), graph))
    second = [_q("a", "1"), _q("b", "line\nbreak"), _q("d", "new")]
    with store.write() as writer:
        assert replace(writer, graph, second, statements(writer.snapshot(), graph))
    assert set(store.snapshot().quads(None, None, None, graph)) == set(second)


def test_the_text_of_query_rows_gives_the_values_of_the_terms(tmp_path: Path) -> None:
    store = MemoryStore()
    path = shared_file("glam", "open_glam_survey_20251119.csv")
    load(store, IRIS, "glam-survey", str(path), rejects_dir=tmp_path, hooks=False)
    snapshot = store.snapshot()
    (graph,) = record_graphs(snapshot, IRIS)
    for query in _QUERIES.values():
        result = snapshot.query(query, default_graph=[NamedNode(graph)])
        assert isinstance(result, QuerySolutions)
        terms = [[term.value for term in row] for row in result]
        assert [[lexical(cell) for cell in row] for row in _table(snapshot, query, graph)] == terms
