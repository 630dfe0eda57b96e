"""Each engine deviation of tests/w3c/known_deviations.py, reproduced on plain pyoxigraph in-process.

No HTTP and no project code: an in-memory ``pyoxigraph.Store`` and the query. Each test asserts what
pyoxigraph 0.5.13 does today; when an upgrade fixes a deviation its test fails here, and the W3C test
it excuses starts passing (a strict xfail failure), so the entry in known_deviations.py must go.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pyoxigraph import Literal, NamedNode, Quad, QueryBoolean, QuerySolutions, Store

from commons_graph.namespaces import XSD
from tests.w3c.known_deviations import KNOWN_DEVIATIONS, REASONS

EX = "http://example/"
P = NamedNode(EX + "p")


def typed(value: str, datatype: str) -> Literal:
    return Literal(value, datatype=NamedNode(XSD + datatype))


def store(*objects: Literal | NamedNode, graph: str | None = None) -> Store:
    """A store with ``ex:s0 ex:p objects[0]``, ``ex:s1 ex:p objects[1]``, …"""
    s = Store()
    g = NamedNode(EX + graph) if graph else None
    for i, obj in enumerate(objects):
        s.add(Quad(NamedNode(f"{EX}s{i}"), P, obj, g))
    return s


def column(s: Store, query: str, name: str) -> list[str | None]:
    result = s.query(query)
    assert isinstance(result, QuerySolutions)
    return [None if row[name] is None else str(row[name]) for row in result]


def ask(s: Store, query: str) -> bool:
    result = s.query(query)
    assert isinstance(result, QueryBoolean)
    return bool(result)


def distinct() -> None:
    s = store(typed("01", "integer"), typed("1", "integer"))
    assert [str(q.object) for q in s] == [f'"1"^^<{XSD}integer>'] * 2
    assert len(column(s, "SELECT DISTINCT ?o { ?s ?p ?o }", "o")) == 1  # W3C: 2


def str_of_number() -> None:
    s = store(typed("01", "integer"))
    assert column(s, "SELECT (STR(?o) AS ?v) { ?s ?p ?o }", "v") == ['"1"']  # W3C: "01"


def same_term() -> None:
    s = store(typed("01", "integer"), typed("1", "integer"))
    assert ask(s, "ASK { ?a ?p ?x . ?b ?p ?y FILTER(?a != ?b && sameTerm(?x, ?y)) }")


def graph_match() -> None:
    s = store(typed("01", "integer"), typed("1.0e0", "double"))
    assert column(s, "SELECT ?s { ?s ?p 1 }", "s") == [f"<{EX}s0>"]  # W3C: none
    assert column(s, "SELECT ?s { ?s ?p 1.0e0 }", "s") == [f"<{EX}s1>"]  # W3C: s1 only as "1.0e0"
    assert str(next(iter(s)).object) != '"1.0e0"'


def datatype() -> None:
    s = store(typed("-3", "negativeInteger"))
    assert [q.object for q in s] == [typed("-3", "integer")]


def csv_double() -> None:
    s = store(typed("1.0E6", "double"))
    assert [q.object.value for q in s] == ["1000000"]


def true_false() -> None:
    with pytest.raises(SyntaxError, match="ENCODE_FOR_URI"):
        Store().query("SELECT (TRUE AS ?t) {}")


def group_concat_lang() -> None:
    query = 'SELECT (GROUP_CONCAT(?o) AS ?g) { VALUES ?o { "1"@en "2"@en } }'
    assert column(Store(), query, "g") == ['"1 2"@en']  # W3C: "1 2"


def bnode_per_solution() -> None:
    query = 'SELECT (BNODE(?s) AS ?b) { VALUES ?s { "foo" "foo" } }'
    first, second = column(Store(), query, "b")
    assert first == second  # W3C: two different blank nodes


def graph_scope() -> None:
    s = store(NamedNode(EX + "o"), graph="g")
    assert column(s, "SELECT ?g { GRAPH ?g { FILTER(BOUND(?g)) } }", "g") == [f"<{EX}g>"]
    minus = "PREFIX : <http://example/> SELECT ?s { GRAPH ?g { ?s :p ?o MINUS { ?b :p :o } } }"
    assert column(s, minus, "s") == []  # W3C: [s0]: the two sides share no variable
    optional = "SELECT ?g { GRAPH ?g { ?s ?p ?o OPTIONAL { ?s ?p ?g } } }"
    assert column(s, optional, "g") == [f"<{EX}g>"]  # W3C: none (inside, ?g is :o)


def graph_join() -> None:
    s = store(NamedNode(EX + "o"), graph="g")
    values = 'SELECT ?g { GRAPH ?g { VALUES (?g ?t) { (UNDEF "foo") } } }'
    assert column(s, values, "g") == [None]  # W3C: [<g>]
    count = "SELECT ?g { GRAPH ?g { SELECT (COUNT(*) AS ?c) { ?s ?p ?x } } }"
    assert column(s, count, "g") == [None]  # W3C: [<g>]


def zero_length_path() -> None:
    star = "PREFIX : <http://example/> SELECT ?o { :s :p* ?o }"
    assert column(Store(), star, "o") == []  # W3C: [:s]
    optional = "PREFIX : <http://example/> SELECT ?s { ?s :p? :o }"
    assert column(Store(), optional, "s") == []  # W3C: [:o]


def date_timezone() -> None:
    s = store(typed("2006-08-23Z", "date"))
    query = """PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        SELECT ?s { ?s ?p ?v FILTER(?v != "2006-08-23"^^xsd:date) }"""
    assert column(s, query, "s") == [f"<{EX}s0>"]  # W3C: none (comparison error)


REPRODUCTIONS: dict[str, Callable[[], None]] = {
    "distinct": distinct,
    "str": str_of_number,
    "same-term": same_term,
    "graph-match": graph_match,
    "datatype": datatype,
    "csv-double": csv_double,
    "true-false": true_false,
    "group-concat-lang": group_concat_lang,
    "bnode-per-solution": bnode_per_solution,
    "graph-scope": graph_scope,
    "graph-join": graph_join,
    "zero-length-path": zero_length_path,
    "date-timezone": date_timezone,
}


def test_every_reason_is_used_and_reproduced() -> None:
    assert set(REPRODUCTIONS) == set(REASONS) == set(KNOWN_DEVIATIONS.values())


@pytest.mark.parametrize("name", sorted(REPRODUCTIONS))
def test_pyoxigraph_still_deviates(name: str) -> None:
    REPRODUCTIONS[name]()
