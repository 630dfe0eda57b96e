"""Compare results the way the W3C harness does.

Solutions are multisets (a sequence only where the expected result records its order with
``rs:index``) compared up to a renaming of blank nodes; graphs are compared by isomorphism (RDF
canonicalization); booleans by value. Expected results come as SPARQL XML/JSON/TSV, CSV, or an RDF
result set (``rs:``) graph.

Literals of the same datatype are equal when their values are equal, as the suites' README allows
("equal literal nodes that are compared by value; test runners may convert lexical form to
canonical form"): "1.0E0"^^xsd:double = "1"^^xsd:double, "0"^^xsd:boolean = "false"^^xsd:boolean,
"2006-08-23+00:00"^^xsd:date = "2006-08-23Z"^^xsd:date. The datatype itself must match, and CSV
(which has no datatypes) is compared character by character.

Tests marked ``mf:resultCardinality mf:LaxCardinality`` (REDUCED) pass when each expected solution
occurs at least once and at most as often as expected.
"""

from __future__ import annotations

import csv
import io
import math
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pyoxigraph import (
    BlankNode,
    CanonicalizationAlgorithm,
    Dataset,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    RdfFormat,
    Store,
    Triple,
    parse,
    parse_query_results,
)

RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "nonPositiveInteger",
    "negativeInteger", "positiveInteger", "unsignedLong", "unsignedInt", "unsignedShort",
    "unsignedByte",
}  # fmt: skip
_ZERO_ZONE = re.compile(r"(?:[+-]00:00|Z)$")
Row = dict[str, object]

RESULT_FORMATS = {
    ".srx": QueryResultsFormat.XML,
    ".srj": QueryResultsFormat.JSON,
    ".tsv": QueryResultsFormat.TSV,
}
RDF_FORMATS = {".ttl": RdfFormat.TURTLE, ".rdf": RdfFormat.RDF_XML, ".nt": RdfFormat.N_TRIPLES}


def parse_results(data: bytes, fmt: QueryResultsFormat) -> bool | list[Row]:
    result = parse_query_results(data, fmt)
    if isinstance(result, QueryBoolean):
        return bool(result)
    names = [v.value for v in result.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in result]


def result_set_graph(path: Path, base: str) -> bool | list[Row] | None:
    """A DAWG ``rs:ResultSet`` in RDF, or None if the file is a plain graph."""
    store = Store()
    store.load(path=str(path), format=RDF_FORMATS[path.suffix], base_iri=base)
    sets = list(
        store.quads_for_pattern(
            None,
            NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            NamedNode(RS + "ResultSet"),
        )
    )
    if not sets:
        return None
    rs = sets[0].subject
    for q in store.quads_for_pattern(rs, NamedNode(RS + "boolean"), None):
        return q.object.value == "true"  # type: ignore[union-attr]
    indexed: list[tuple[int, Row]] = []
    for q in store.quads_for_pattern(rs, NamedNode(RS + "solution"), None):
        row: Row = {}
        index = 0
        for b in store.quads_for_pattern(q.object, None, None):  # type: ignore[arg-type]
            if b.predicate.value == RS + "index":
                index = int(b.object.value)  # type: ignore[union-attr]
            elif b.predicate.value == RS + "binding":
                var = next(
                    store.quads_for_pattern(b.object, NamedNode(RS + "variable"), None)
                ).object  # type: ignore[arg-type]
                val = next(store.quads_for_pattern(b.object, NamedNode(RS + "value"), None)).object  # type: ignore[arg-type]
                row[var.value] = val  # type: ignore[union-attr]
        indexed.append((index, row))
    indexed.sort(key=lambda pair: pair[0])
    return [row for _, row in indexed]


def _value(term: Literal) -> object:
    """The value of an XSD literal whose canonical form the store may have produced, else None."""
    if not term.datatype.value.startswith(XSD) or term.language:
        return None
    kind, text = term.datatype.value[len(XSD) :], term.value.strip()
    try:
        if kind in INTEGERS:
            return int(text)
        if kind == "decimal":
            return Decimal(text)
        if kind in {"double", "float"}:
            number = float(text)  # accepts INF, -INF and NaN too
            return "NaN" if math.isnan(number) else number
    except (ValueError, InvalidOperation):
        return None
    if kind == "boolean":
        return {"true": True, "1": True, "false": False, "0": False}.get(text)
    if kind in {"date", "dateTime", "time"}:
        return _ZERO_ZONE.sub("Z", text)
    return None


def _match(a: object, b: object, mapping: dict[str, str]) -> bool:
    if isinstance(a, BlankNode) and isinstance(b, BlankNode):
        known = mapping.get(a.value)
        if known is None:
            if b.value in mapping.values():
                return False
            mapping[a.value] = b.value
            return True
        return known == b.value
    if isinstance(a, Literal) and isinstance(b, Literal) and a.datatype == b.datatype:
        if a == b:
            return True
        value = _value(a)
        return value is not None and value == _value(b)
    if isinstance(a, Triple) and isinstance(b, Triple):
        return all(
            _match(x, y, mapping)
            for x, y in zip(
                (a.subject, a.predicate, a.object), (b.subject, b.predicate, b.object), strict=True
            )
        )
    return a == b


def _row_match(a: Row, b: Row, mapping: dict[str, str]) -> dict[str, str] | None:
    if a.keys() != b.keys():
        return None
    trial = dict(mapping)
    return trial if all(_match(a[k], b[k], trial) for k in a) else None


def solutions_equal(
    actual: list[Row], expected: list[Row], ordered: bool, lax: bool = False
) -> bool:
    """Equal up to blank node renaming; ``lax`` is the REDUCED rule (see the module docstring)."""
    if len(actual) != len(expected) and not (lax and len(actual) < len(expected)):
        return False
    if ordered:
        mapping: dict[str, str] | None = {}
        for a, e in zip(actual, expected, strict=True):
            mapping = _row_match(a, e, mapping or {}) if mapping is not None else None
            if mapping is None:
                return False
        return True

    def covered(used: list[bool], mapping: dict[str, str]) -> bool:
        """Every expected row left over equals one of the actual rows (only REDUCED leaves any)."""
        return all(
            used[j] or any(_row_match(a, e, mapping) is not None for a in actual)
            for j, e in enumerate(expected)
        )

    def search(i: int, used: list[bool], mapping: dict[str, str]) -> bool:
        if i == len(actual):
            return covered(used, mapping)
        for j, e in enumerate(expected):
            if not used[j] and (m := _row_match(actual[i], e, mapping)) is not None:
                used[j] = True
                if search(i + 1, used, m):
                    return True
                used[j] = False
        return False

    return search(0, [False] * len(expected), {})


def graphs_equal(actual: list[Triple], expected: list[Triple]) -> bool:
    def canonical(triples: list[Triple]) -> set[Quad]:
        ds = Dataset([Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples])
        ds.canonicalize(CanonicalizationAlgorithm.UNSTABLE)
        return set(ds)

    return len(set(actual)) == len(set(expected)) and canonical(actual) == canonical(expected)


def parse_graph(data: bytes | Path, fmt: RdfFormat, base: str | None = None) -> list[Triple]:
    return [
        q.triple
        for q in parse(
            data if isinstance(data, bytes) else None,
            fmt,
            path=None if isinstance(data, bytes) else str(data),
            base_iri=base,
        )
    ]


def csv_equal(actual: str, expected: str) -> bool:
    """CSV results: same header, same rows as a multiset up to blank node labels."""
    a_rows = list(csv.reader(io.StringIO(actual)))
    e_rows = list(csv.reader(io.StringIO(expected)))
    if not a_rows or not e_rows or sorted(a_rows[0]) != sorted(e_rows[0]):
        return False

    def rows(raw: list[list[str]]) -> list[Row]:
        header = raw[0]
        out: list[Row] = []
        for r in raw[1:]:
            if r:
                out.append(
                    {
                        h: (BlankNode(v[2:]) if v.startswith("_:") else Literal(v))
                        for h, v in zip(header, r, strict=True)
                    }
                )
        return out

    return solutions_equal(rows(a_rows), rows(e_rows), ordered=False)
