"""The change feed: Create, Update and Delete activities, kept in the graph itself.

A load step (registered in :data:`loaders.hooks.LOAD_STEPS`) hashes every record of a load
(:meth:`loaders.base.Mapped.digest`: the sorted N-Quads of its statements) and compares each
entity's hash with the one stored by the previous load of the same source:

* a new entity gets a ``Create``, a changed one an ``Update``, an unchanged one nothing;
* an entity of the previous version that the new one lacks gets a ``Delete`` (a tombstone).

Everything is written inside the load's own write, so the feed and the new version of the source
are published together (or not at all), survive restarts, and can be queried with SPARQL:

* ``{BASE}/graph/changes`` holds the activities, with Activity Streams 2.0 terms::

      <{BASE}/changes/activity/42> a as:Update ; as:object <entity> ; as:endTime "…"^^xsd:dateTime ;
          cg:objectType <class> ; cg:sequence 42 ; prov:wasInformedBy <{BASE}/load/{source}/{time}> .
      <{BASE}/changes> a as:OrderedCollection ; as:totalItems 43 .

  Activities are numbered from 0 in the order they happened (within one load: deletes, updates,
  creates, each by IRI), so page ``n`` of the feed is a fixed range of numbers.
* ``{BASE}/graph/changes/{source}`` holds each current entity's hash and last change:
  ``<entity> cg:contentHash "…" ; dct:modified "…"^^xsd:dateTime``.

Records whose entity is not set (``Mapped.entity``) count for their first statement's subject.
Loader-made blank nodes would change the hash on every load; the loaders use IRIs instead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain

from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions, Variable

from commons_graph.iris import Iris
from commons_graph.namespaces import AS, CG, DCT, PROV, RDF_TYPE, XSD
from graph.store import Snapshot, Term, Writer
from loaders.base import Mapped
from loaders.provenance import LoadReport

DCT_MODIFIED = NamedNode(DCT + "modified")
AS_OBJECT = NamedNode(AS + "object")
AS_END_TIME = NamedNode(AS + "endTime")
AS_TOTAL = NamedNode(AS + "totalItems")
CG_HASH = NamedNode(CG + "contentHash")
CG_OBJECT_TYPE = NamedNode(CG + "objectType")
CG_SEQUENCE = NamedNode(CG + "sequence")
PROV_INFORMED_BY = NamedNode(PROV + "wasInformedBy")
KINDS = ("Delete", "Update", "Create")


def feed_graph(iris: Iris) -> NamedNode:
    return NamedNode(f"{iris.base}/graph/changes")


def state_graph(iris: Iris, source: str) -> NamedNode:
    return NamedNode(f"{iris.base}/graph/changes/{source}")


def feed_iri(iris: Iris) -> NamedNode:
    return NamedNode(f"{iris.base}/changes")


def activity_iri(iris: Iris, sequence: int) -> NamedNode:
    return NamedNode(f"{iris.base}/changes/activity/{sequence}")


XSD_INTEGER = NamedNode(XSD + "integer")
XSD_DATE_TIME = NamedNode(XSD + "dateTime")


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=XSD_INTEGER)


def _time(value: datetime) -> Literal:
    return Literal(value.isoformat(), datatype=XSD_DATE_TIME)


class ChangeStep:
    """The load step: hashes records as they stream by, then writes the activities.

    It keeps one digest per entity, keyed by the IRI's string (a term object costs more); the
    statements of the activities and of the state graph are made while they are written, a chunk
    at a time (made all at once, those of 35,000 entities took 400 MB)."""

    def __init__(self, iris: Iris) -> None:
        self.iris = iris
        self.digests: dict[str, bytes] = {}
        #: {entity IRI: its classes} as the loader typed it (``Mapped.types``), so the activities
        #: need not look them up in the graph being written (its many unmerged table files make a
        #: lookup slow: 1,720 took 130 ms)
        self.types: dict[str, tuple[NamedNode, ...]] = {}

    def record(self, record: Mapped) -> None:
        entity = record.entity
        if entity is None:
            first = record.triples[0].subject if record.triples else None
            if not isinstance(first, NamedNode):
                return
            entity = first
        digest = record.digest()
        previous = self.digests.get(entity.value)
        if previous is not None:  # two records of one entity: one digest of both
            digest = hashlib.sha256(b"".join(sorted((previous, digest)))).digest()
        self.digests[entity.value] = digest
        if record.types is not None:
            known = self.types.get(entity.value, ())
            self.types[entity.value] = known + tuple(t for t in record.types if t not in known)

    def finish(self, writer: Writer, before: Snapshot, report: LoadReport) -> None:
        state = state_graph(self.iris, report.source)
        old = stored_hashes(before, state)
        new = self.digests
        when = _time(report.ended or datetime.now(UTC))
        changes = [
            *(("Delete", e) for e in sorted(old.keys() - new.keys())),
            *(("Update", e) for e in sorted(new.keys() & old.keys()) if new[e].hex() != old[e]),
            *(("Create", e) for e in sorted(new.keys() - old.keys())),
        ]
        start = total_activities(before, self.iris)
        feed = feed_graph(self.iris)
        modified = stored_modified(before, state)
        for kind, entity in changes:
            if kind != "Delete":
                modified[entity] = when
        activities = self._activities(changes, start, when, before, writer.snapshot(), report)
        writer.retract(feed_iri(self.iris), feed)
        writer.replace_graph(state, ())  # emptied; its new statements come with the activities
        writer.add(  # one bulk load: each costs some 10 ms however few its statements
            chain(
                activities,
                [
                    Quad(feed_iri(self.iris), RDF_TYPE, NamedNode(AS + "OrderedCollection"), feed),
                    Quad(feed_iri(self.iris), AS_TOTAL, _int(start + len(changes)), feed),
                ],
                _state_quads(new, modified, state),
            )
        )

    def _activities(
        self,
        changes: list[tuple[str, str]],
        start: int,
        when: Literal,
        before: Snapshot,
        after: Snapshot,
        report: LoadReport,
    ) -> Iterator[Quad]:
        """The activities of ``changes``, numbered from ``start``, made as they are written."""
        source_graph = NamedNode(report.graph)
        load = self.iris.load_activity(report.source, report.stamp)
        feed = feed_graph(self.iris)
        kinds = {kind: NamedNode(AS + kind) for kind in KINDS}
        for offset, (kind, iri) in enumerate(changes):
            act = activity_iri(self.iris, start + offset)
            entity = NamedNode(iri)
            yield Quad(act, RDF_TYPE, kinds[kind], feed)
            yield Quad(act, AS_OBJECT, entity, feed)
            yield Quad(act, AS_END_TIME, when, feed)
            yield Quad(act, CG_SEQUENCE, _int(start + offset), feed)
            yield Quad(act, PROV_INFORMED_BY, load, feed)
            classes: Iterable[Term]
            if kind != "Delete" and iri in self.types:
                classes = self.types[iri]
            else:  # a tombstone keeps the classes of the version before
                typed_in = before if kind == "Delete" else after
                classes = (q.object for q in typed_in.quads(entity, RDF_TYPE, None, source_graph))
            for cls in classes:
                yield Quad(act, CG_OBJECT_TYPE, cls, feed)


def _state_quads(
    hashes: dict[str, bytes], modified: dict[str, Literal], graph: NamedNode
) -> Iterator[Quad]:
    for iri, digest in hashes.items():
        entity = NamedNode(iri)
        yield Quad(entity, CG_HASH, Literal(digest.hex()), graph)
        stamp = modified.get(iri)
        if stamp is not None:
            yield Quad(entity, DCT_MODIFIED, stamp, graph)


def stored_hashes(snapshot: Snapshot, state: NamedNode) -> dict[str, str]:
    """{entity IRI: hex digest} of the state graph."""
    return {
        quad.subject.value: quad.object.value
        for quad in snapshot.quads(None, CG_HASH, None, state)
        if isinstance(quad.subject, NamedNode) and isinstance(quad.object, Literal)
    }


def stored_modified(snapshot: Snapshot, state: NamedNode) -> dict[str, Literal]:
    """{entity IRI: last change} of the state graph."""
    return {
        quad.subject.value: quad.object
        for quad in snapshot.quads(None, DCT_MODIFIED, None, state)
        if isinstance(quad.subject, NamedNode) and isinstance(quad.object, Literal)
    }


def total_activities(snapshot: Snapshot, iris: Iris) -> int:
    """How many activities the feed holds (activities are numbered 0 … total - 1)."""
    for quad in snapshot.quads(feed_iri(iris), AS_TOTAL, None, feed_graph(iris)):
        return int(quad.object.value)  # type: ignore[union-attr]
    return 0


def last_modified(snapshot: Snapshot, iris: Iris, source: str, entity: NamedNode) -> str | None:
    """When ``entity`` last changed, as the feed recorded it (None if the feed has no record)."""
    for quad in snapshot.quads(entity, DCT_MODIFIED, None, state_graph(iris, source)):
        return quad.object.value  # type: ignore[union-attr]
    return None


@dataclass(frozen=True)
class Activity:
    sequence: int
    kind: str
    object: str
    object_types: tuple[str, ...]
    end_time: str


def activities(snapshot: Snapshot, iris: Iris, start: int, stop: int) -> list[Activity]:
    """Activities ``start`` … ``stop - 1``, in order."""
    feed = feed_graph(iris)
    found: list[Activity] = []
    for sequence in range(start, stop):
        act = activity_iri(iris, sequence)
        kind = obj = end = ""
        types: list[str] = []
        for quad in snapshot.quads(act, None, None, feed):
            predicate, value = quad.predicate, quad.object
            if predicate == RDF_TYPE and isinstance(value, NamedNode):
                kind = value.value.removeprefix(AS)
            elif predicate == AS_OBJECT:
                obj = value.value  # type: ignore[union-attr]
            elif predicate == AS_END_TIME:
                end = value.value  # type: ignore[union-attr]
            elif predicate == CG_OBJECT_TYPE:
                types.append(value.value)  # type: ignore[union-attr]
        if obj:
            found.append(Activity(sequence, kind, obj, tuple(sorted(types)), end))
    return found


_COUNT_BY_KIND = """
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?kind (COUNT(?act) AS ?n) ?load ?feed
WHERE { GRAPH ?feed { ?act a ?kind ; prov:wasInformedBy ?load } }
GROUP BY ?kind ?load ?feed
"""


def count_by_kind(snapshot: Snapshot, iris: Iris, load: NamedNode) -> dict[str, int]:
    """How many activities of each kind one load made."""
    rows = snapshot.query(
        _COUNT_BY_KIND,
        substitutions={Variable("load"): load, Variable("feed"): feed_graph(iris)},
    )
    assert isinstance(rows, QuerySolutions)
    return {row["kind"].value.removeprefix(AS): int(row["n"].value) for row in rows}
