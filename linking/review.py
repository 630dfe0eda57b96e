"""Reading the links graph back: the review queue, a decision, the clusters and their members.

The review queue lists the links with status ``cg:LinkToReview`` (most confident first), each with
both records side by side: what each source says about its name, place, website and
registration. A decision is stored in the links graph as a ``cg:LinkDecision``; the link step is
then run again, so the decision takes effect (and it is carried over by every later run).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyoxigraph import BlankNode, NamedNode, QuerySolutions, Variable

from commons_graph.errors import BadInput, NotFound
from commons_graph.iris import CG, Iris
from commons_graph.namespaces import SCHEMA
from graph.store import GraphStore, Snapshot, Term
from linking import graph as lg
from linking.records import linkable_graphs
from linking.run import LinkReport, link

_LINKS = """
PREFIX cg: <https://w3id.org/commons-graph/ns#>
SELECT ?g ?status ?link ?a ?b ?confidence ?method ?evidence WHERE { GRAPH ?g {
  ?link a cg:Link ; cg:linkStatus ?status ; cg:confidence ?confidence ; cg:method ?method ;
        cg:linkedRecord ?a , ?b .
  OPTIONAL { ?link cg:evidence ?evidence }
  FILTER(STR(?a) < STR(?b))
} }
"""
_MEMBERS = """
PREFIX cg: <https://w3id.org/commons-graph/ns#>
PREFIX schema: <http://schema.org/>
SELECT ?g ?org ?record WHERE { GRAPH ?g { ?org a cg:LinkedOrganisation ; schema:sameAs ?record } }
"""
#: What the queue shows of each record: (label, predicate path from the record).
_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("name", (SCHEMA + "name",)),
    ("legal name", (SCHEMA + "legalName",)),
    ("street", (SCHEMA + "address", SCHEMA + "streetAddress")),
    ("locality", (SCHEMA + "address", SCHEMA + "addressLocality")),
    ("postcode", (SCHEMA + "address", SCHEMA + "postalCode")),
    ("website", (SCHEMA + "url",)),
    ("registered number", (CG + "registration", CG + "registeredNumber")),
)


@dataclass(frozen=True)
class RecordView:
    """One record as the review queue shows it."""

    iri: str
    source: str
    fields: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkRow:
    link: str
    a: str
    b: str
    confidence: float
    method: str
    evidence: str
    status: str  # the local name of the status: AutomaticLink, LinkToReview, ...


def links(snapshot: Snapshot, iris: Iris, status: NamedNode | None = None) -> list[LinkRow]:
    """The links of the links graph (of one status), most confident first, then by IRI."""
    result = snapshot.query(_LINKS, substitutions={Variable("g"): iris.graph(lg.LINKS_SOURCE)})
    assert isinstance(result, QuerySolutions)
    rows = [
        LinkRow(
            link=row["link"].value,
            a=row["a"].value,
            b=row["b"].value,
            confidence=float(row["confidence"].value),
            method=row["method"].value,
            evidence=row["evidence"].value if row["evidence"] is not None else "",
            status=row["status"].value.removeprefix(CG),
        )
        for row in result
        if status is None or row["status"] == status
    ]
    rows.sort(key=lambda r: (-r.confidence, r.a, r.b))
    return rows


def queue(snapshot: Snapshot, iris: Iris) -> list[LinkRow]:
    return links(snapshot, iris, lg.TO_REVIEW)


def members(snapshot: Snapshot, iris: Iris) -> dict[str, list[str]]:
    """{cluster IRI: record IRIs}."""
    result = snapshot.query(_MEMBERS, substitutions={Variable("g"): iris.graph(lg.LINKS_SOURCE)})
    assert isinstance(result, QuerySolutions)
    found: dict[str, list[str]] = {}
    for row in result:
        found.setdefault(row["org"].value, []).append(row["record"].value)
    return {k: sorted(v) for k, v in found.items()}


def record_view(snapshot: Snapshot, iris: Iris, iri: str) -> RecordView:
    """The fields of a record (from whichever linkable graph holds it)."""
    node = NamedNode(iri)
    graphs = linkable_graphs(snapshot, iris)
    for graph, source in sorted(graphs.items()):
        g = NamedNode(graph)
        if next(snapshot.quads(node, None, None, g), None) is None:
            continue
        fields: dict[str, list[str]] = {}
        for label, path in _FIELDS:
            values = sorted({lg.text(v) for v in _follow(snapshot, node, path, g)})
            if values:
                fields[label] = values
        return RecordView(iri, source, fields)
    return RecordView(iri, "", {})


def _follow(
    snapshot: Snapshot, start: NamedNode, path: tuple[str, ...], graph: NamedNode
) -> list[Term]:
    """The values reached from ``start`` along ``path`` in ``graph``."""
    nodes: list[Term] = [start]
    for step in path:
        nodes = [
            q.object
            for n in nodes
            if isinstance(n, NamedNode | BlankNode)
            for q in snapshot.quads(n, NamedNode(step), None, graph)
        ]
    return nodes


def is_record(snapshot: Snapshot, iris: Iris, iri: str) -> bool:
    node = NamedNode(iri)
    return any(
        next(snapshot.quads(node, None, None, NamedNode(g)), None) is not None
        for g in linkable_graphs(snapshot, iris)
    )


def decide(
    store: GraphStore, iris: Iris, a: str, b: str, accepted: bool, note: str | None = None
) -> LinkReport:
    """Store a reviewer's decision about records ``a`` and ``b`` and run the link step."""
    if a == b:
        raise BadInput("a decision needs two different records (a and b are the same IRI)")
    snapshot = store.snapshot()
    for iri in (a, b):
        if not is_record(snapshot, iris, iri):
            raise NotFound(f"{iri} is not a record of any loaded source")
    decision = lg.Decision(a, b, accepted, lg.now(), note or None)
    with store.write() as writer:
        graph = iris.graph(lg.LINKS_SOURCE)
        node = lg.decision_node(iris, a, b)
        writer.retract(node, graph)
        writer.add(lg.decision_quads(iris, decision))
    return link(store, iris)
