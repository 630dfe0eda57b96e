"""Streaming, capped writers of SPARQL results.

pyoxigraph serialises a whole ``QuerySolutions`` at once, which cannot stop at a row cap, so the
solution writers (SPARQL JSON, XML, CSV, TSV) are written here, one row at a time. Graphs
(CONSTRUCT, DESCRIBE) go through ``pyoxigraph.serialize`` over a capped iterator, and booleans
through ``QueryBoolean.serialize``. Every writer returns ``(rows written, truncated)``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from json.encoder import encode_basestring as _json_str  # the C encoder, no ASCII escapes
from typing import IO, Protocol, cast
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolution,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Triple,
    serialize,
)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"
#: Characters of rows gathered before they are written out.
_BATCH_CHARS = 64 * 1024

TermValue = NamedNode | BlankNode | Literal | Triple


class Sink(Protocol):
    """Where a result is written (a file, a :class:`api.evaluate.Spool`)."""

    def write(self, data: bytes, /) -> int: ...


#: pyoxigraph formats by the keys of :data:`api.negotiation.FORMATS`.
RESULT_FORMATS = {
    "json": QueryResultsFormat.JSON,
    "xml": QueryResultsFormat.XML,
    "csv": QueryResultsFormat.CSV,
    "tsv": QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "rdfxml": RdfFormat.RDF_XML,
    "jsonld": RdfFormat.JSON_LD,
}


def _capped(rows: Iterator[QuerySolution], cap: int, state: list[int]) -> Iterator[QuerySolution]:
    """Yield at most ``cap`` rows; ``state`` becomes [rows yielded, 1 if more were left]."""
    for row in rows:
        if state[0] >= cap:
            state[1] = 1
            return
        state[0] += 1
        yield row


# -- SPARQL JSON -----------------------------------------------------------------------------------
def _json_term(term: TermValue) -> str:
    """One RDF term as SPARQL JSON, built as text: this runs for every value of every row."""
    kind = type(term)
    if kind is NamedNode:
        return '{"type":"uri","value":' + _json_str(cast(NamedNode, term).value) + "}"
    if kind is Literal:
        literal = cast(Literal, term)
        value = '{"type":"literal","value":' + _json_str(literal.value)
        if literal.language:
            value += ',"xml:lang":' + _json_str(literal.language)
            direction = getattr(literal, "direction", None)
            if direction is not None:
                value += ',"its:dir":' + _json_str(str(direction.name).lower())
            return value + "}"
        datatype = literal.datatype.value
        if datatype != XSD_STRING:
            value += ',"datatype":' + _json_str(datatype)
        return value + "}"
    if kind is BlankNode:
        return '{"type":"bnode","value":' + _json_str(cast(BlankNode, term).value) + "}"
    triple = cast(Triple, term)
    return (
        '{"type":"triple","value":{"subject":' + _json_term(triple.subject)
        + ',"predicate":' + _json_term(triple.predicate)
        + ',"object":' + _json_term(triple.object) + "}}"
    )  # fmt: skip


def _write_json(rows: Iterator[QuerySolution], names: list[str], out: Sink) -> None:
    keys = list(enumerate(_json_str(name) + ":" for name in names))
    out.write(b'{"head":{"vars":[' + ",".join(map(_json_str, names)).encode() + b"]},")
    out.write(b'"results":{"bindings":[')
    lines: list[str] = []
    size = 0
    sep = b""  # before the next batch: nothing, then a comma
    for row in rows:
        line = "{" + ",".join(
            key + _json_term(value) for i, key in keys if (value := row[i]) is not None
        ) + "}"  # fmt: skip
        lines.append(line)
        size += len(line)
        if size > _BATCH_CHARS:
            out.write(sep + ",".join(lines).encode())
            lines, size, sep = [], 0, b","
    if lines:
        out.write(sep + ",".join(lines).encode())
    out.write(b"]}}")


# -- SPARQL XML ------------------------------------------------------------------------------------
def _xml_term(term: TermValue) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
            )
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _write_xml(rows: Iterator[QuerySolution], names: list[str], out: Sink) -> None:
    head = "".join(f"<variable name={quoteattr(n)}/>" for n in names)
    out.write(
        b'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
        + f"<head>{head}</head><results>".encode()
    )
    for row in rows:
        parts = ["<result>"]
        for name in names:
            value = row[name]
            if value is not None:
                parts.append(f"<binding name={quoteattr(name)}>{_xml_term(value)}</binding>")
        parts.append("</result>\n")
        out.write("".join(parts).encode())
    out.write(b"</results></sparql>\n")


# -- CSV and TSV -----------------------------------------------------------------------------------
def _csv_term(term: TermValue | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, NamedNode | Literal):
        return term.value
    return str(term)


def _write_csv(rows: Iterator[QuerySolution], names: list[str], out: Sink) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([_csv_term(row[name]) for name in names])
        if text.tell() > 65536:
            out.write(text.getvalue().encode())
            text.seek(0)
            text.truncate()
    out.write(text.getvalue().encode())


def _tsv_term(term: TermValue | None) -> str:
    return "" if term is None else str(term)


def _write_tsv(rows: Iterator[QuerySolution], names: list[str], out: Sink) -> None:
    out.write(("\t".join(f"?{n}" for n in names) + "\n").encode())
    for row in rows:
        out.write(("\t".join(_tsv_term(row[name]) for name in names) + "\n").encode())


_SOLUTION_WRITERS: dict[str, Callable[[Iterator[QuerySolution], list[str], Sink], None]] = {
    "json": _write_json,
    "xml": _write_xml,
    "csv": _write_csv,
    "tsv": _write_tsv,
}


def write_solutions(solutions: QuerySolutions, key: str, cap: int, out: Sink) -> tuple[int, bool]:
    """Write at most ``cap`` solutions in format ``key``; return (rows, truncated)."""
    state = [0, 0]
    names = [v.value for v in solutions.variables]
    _SOLUTION_WRITERS[key](_capped(iter(solutions), cap, state), names, out)
    return state[0], bool(state[1])


def write_boolean(result: QueryBoolean, key: str, out: Sink) -> tuple[int, bool]:
    data = result.serialize(format=RESULT_FORMATS[key])
    assert data is not None  # no output given: the bytes are returned
    out.write(data)
    return 1, False


def write_triples(triples: QueryTriples, key: str, cap: int, out: Sink) -> tuple[int, bool]:
    """Write at most ``cap`` triples in RDF format ``key``; return (triples, truncated)."""
    state = [0, 0]

    def capped() -> Iterator[Triple]:
        for triple in triples:
            if state[0] >= cap:
                state[1] = 1
                return
            state[0] += 1
            yield triple

    serialize(capped(), cast(IO[bytes], out), GRAPH_FORMATS[key])
    return state[0], bool(state[1])
