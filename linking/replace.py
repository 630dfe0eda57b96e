"""Replacing the statements of the links graph, writing only the subjects whose statements changed.

Most links survive a re-run, and removing a large graph costs more than reading it. Both sides are
compared as N-Triples lines, which the store writes without holding the GIL (so the old graph can be
read while the new links are computed) and which compare far faster than Python term objects. The
store keeps values in canonical form (an xsd:decimal "0.900" comes back as "0.9"), so the new
statements are written in canonical form too: otherwise they would never compare equal.
"""

from __future__ import annotations

from collections import defaultdict

from pyoxigraph import BlankNode, NamedNode, Quad, QueryTriples, RdfFormat, serialize

from graph.store import Snapshot, Writer

_ALL = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


def statements(snapshot: Snapshot, graph: NamedNode) -> set[bytes]:
    """The statements of ``graph`` as N-Triples lines."""
    result = snapshot.query(_ALL, default_graph=[graph])
    assert isinstance(result, QueryTriples)
    data = result.serialize(format=RdfFormat.N_TRIPLES)
    assert isinstance(data, bytes)
    return _lines(data)


def _lines(data: bytes) -> set[bytes]:
    lines = set(data.split(b"\n"))  # a newline inside a literal is written as \n
    lines.discard(b"")
    return lines


def _subject(line: bytes) -> bytes:
    return line.split(b" ", 1)[0]  # an IRI or a blank node label holds no space


def _node(subject: bytes) -> NamedNode | BlankNode:
    text = subject.decode("utf-8")
    return NamedNode(text[1:-1]) if text.startswith("<") else BlankNode(text.removeprefix("_:"))


def replace(writer: Writer, graph: NamedNode, quads: list[Quad], old: set[bytes]) -> bool:
    """Make ``graph``, whose statements were ``old`` (see :func:`statements`), hold exactly
    ``quads`` (all in ``graph``); whether anything changed."""
    if not old:
        writer.add(quads)
        return bool(quads)
    data = serialize((q.triple for q in quads), format=RdfFormat.N_TRIPLES)
    assert isinstance(data, bytes)
    new = _lines(data)
    if new == old:
        return False
    changed = {_subject(line) for line in new ^ old}
    for subject in changed & {_subject(line) for line in old}:
        writer.retract(_node(subject), graph)
    by_subject: dict[bytes, list[Quad]] = defaultdict(list)
    for q in quads:
        by_subject[str(q.subject).encode("utf-8")].append(q)
    writer.add(q for subject in changed for q in by_subject.get(subject, ()))
    return True
