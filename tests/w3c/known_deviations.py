"""W3C tests that fail through this endpoint because of the engine (pyoxigraph 0.5.13), with reasons.

Each reason says what plain pyoxigraph does in-process, without HTTP; tests/test_engine_deviations.py
reproduces every one of them in a few lines on an in-memory ``pyoxigraph.Store``, so an upgrade that
fixes one makes its reproduction fail, and the entry here must go. These tests are xfail (not strict).

"Oxigraph skips it" marks the tests Oxigraph's own suite skips too (testsuite/tests/sparql.rs). The
lexical ones are not among them because that suite evaluates on an in-memory dataset that keeps
lexical forms, while every pyoxigraph ``Store`` (in memory or on disk) stores numbers by value.
Everything else that once failed here was a runner or endpoint bug and is fixed: the union default
graph overrode a query's own FROM / FROM NAMED (dataset-*), REDUCED tests need the lax cardinality
rule (reduced-*), and literals are compared by value as the suites' README allows (cast-*, date-3).
"""

from __future__ import annotations

D10 = "http://www.w3.org/2001/sw/DataAccess/tests/data-r2/"
D11 = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"
_SKIPPED = " Oxigraph skips it."
_LEXICAL = (
    'the store keeps numbers by value: "01"^^xsd:integer is read back as "1", the same term; '
)

#: Short name -> what pyoxigraph 0.5.13 does (each reproduced in tests/test_engine_deviations.py).
REASONS: dict[str, str] = {
    "distinct": _LEXICAL + 'so DISTINCT merges "01" and "1", which the test keeps apart.',
    "str": _LEXICAL + 'so STR(?v) gives "1" for "01" (str-1 finds it, str-2 does not).' + _SKIPPED,
    "same-term": _LEXICAL + 'so sameTerm("01", "1") is true.',
    "graph-match": _LEXICAL + 'so a pattern with 1 (or "001") also matches "01".',
    "datatype": '"-3"^^xsd:negativeInteger is read back as "-3"^^xsd:integer: the store keeps '
    "derived integer types as xsd:integer.",
    "csv-double": '"1.0E6"^^xsd:double is read back as "1000000"; CSV has no datatype, so the '
    "result is compared character by character.",
    "true-false": "the parser rejects TRUE and False (only lower-case true/false): "
    '"expected ENCODE_FOR_URI". The test is only proposed, not approved.',
    "group-concat-lang": 'GROUP_CONCAT over "1"@en and "2"@en gives "1 2"@en (it keeps a common '
    "language tag); the tests expect a simple literal.",
    "bnode-per-solution": 'BNODE("foo") gives the same blank node (_:foo) in every solution; it '
    "must be a new one for each solution.",
    "graph-scope": "inside GRAPH ?g, ?g counts as bound: GRAPH ?g { FILTER(BOUND(?g)) } has "
    "solutions, an OPTIONAL inside sees ?g, and MINUS { ?b :p :o } inside removes every "
    "solution (its sides share ?g)." + _SKIPPED,
    "graph-join": "GRAPH ?g { VALUES (?g ?t) { (UNDEF ...) } } and GRAPH ?g { SELECT (COUNT(*) "
    "AS ?c) ... } leave ?g unbound instead of joining each named graph." + _SKIPPED,
    "zero-length-path": "on an empty dataset :s :p* ?o and ?s :p? :o have no solution; the "
    "zero-length path must still bind the constant (?o = :s, ?s = :o)." + _SKIPPED,
    "date-timezone": '"2006-08-23Z"^^xsd:date != "2006-08-23"^^xsd:date is true (XSD 1.1 '
    "implicit time zone); under SPARQL's XSD rules it is an error, so the FILTER drops it."
    + _SKIPPED,
}

#: W3C test IRI -> key of :data:`REASONS`.
KNOWN_DEVIATIONS: dict[str, str] = {
    D10 + "distinct/manifest#distinct-1": "distinct",
    D10 + "distinct/manifest#distinct-9": "distinct",
    D10 + "expr-builtin/manifest#dawg-str-1": "str",
    D10 + "expr-builtin/manifest#dawg-str-2": "str",
    D10 + "expr-builtin/manifest#sameTerm-simple": "same-term",
    D10 + "expr-builtin/manifest#sameTerm-eq": "same-term",
    D10 + "expr-builtin/manifest#sameTerm-not-eq": "same-term",
    D10 + "expr-equals/manifest#eq-graph-1": "graph-match",
    D10 + "expr-equals/manifest#eq-graph-2": "graph-match",
    D10 + "open-world/manifest#open-eq-01": "graph-match",
    D11 + "csv-tsv-res/manifest#tsv03": "datatype",
    D11 + "csv-tsv-res/manifest#csv03": "csv-double",
    D10 + "expr-builtin/manifest#case-insensitive-booleans": "true-false",
    D11 + "aggregates/manifest#agg-groupconcat-04": "group-concat-lang",
    D11 + "aggregates/manifest#agg-groupconcat-06": "group-concat-lang",
    D11 + "functions/manifest#bnode01": "bnode-per-solution",
    D10 + "graph/manifest#graph-variable-scope": "graph-scope",
    D10 + "graph/manifest#graph-optional": "graph-scope",
    D11 + "negation/manifest#graph-minus": "graph-scope",
    D11 + "bindings/manifest#graph": "graph-join",
    D11 + "aggregates/manifest#agg-empty-group-count-graph": "graph-join",
    D11 + "property-path/manifest#zero_or_more_set_start": "zero-length-path",
    D11 + "property-path/manifest#zero_or_more_set_end": "zero-length-path",
    D11 + "property-path/manifest#zero_or_one_set_start": "zero-length-path",
    D11 + "property-path/manifest#zero_or_one_set_end": "zero-length-path",
    D10 + "open-world/manifest#date-2": "date-timezone",
}
