"""The links graph, ``{BASE}/graph/links``: its IRIs, the triples the link step writes there, and
the reviewers' decisions read back from it.

* a link node ``{BASE}/id/links/{hash}`` per pair: ``a cg:Link``, two ``cg:linkedRecord``,
  ``cg:confidence`` (an xsd:decimal in canonical form), ``cg:method``, ``cg:evidence`` (the facts found, "; "-separated) and
  ``cg:linkStatus``; plus the plain statement ``owl:sameAs`` (automatic or accepted) or
  ``skos:closeMatch`` (to review) between the two records;
* a cluster ``{BASE}/id/org/{id}`` per organisation: ``a cg:LinkedOrganisation, cg:Organisation``
  (cg:Organisation is equivalent to schema:Organization), ``rdfs:label``, ``schema:name``,
  ``cg:clusterKey``, and ``schema:sameAs`` each record;
* a ``cg:IdentifierConflict`` ``{BASE}/id/links/conflict-{key}-{hash}`` per identifier that several
  records of one source claim;
* a ``cg:LinkDecision`` ``{BASE}/id/links/decision-{hash}`` per reviewer's decision, carried over
  each time the graph is recomputed;
* on the graph's own IRI, ``cg:inputFingerprint``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple

from commons_graph.iris import Iris
from commons_graph.namespaces import (
    CG,
    DCT,
    OWL,
    RDF_TYPE,
    RDFS_COMMENT,
    RDFS_LABEL,
    SCHEMA_NAME,
    SCHEMA_SAME_AS,
    SKOS,
    XSD,
)
from graph.store import Snapshot, Term
from linking.cluster import Cluster
from linking.match import Conflict, Scored

OWL_SAME_AS = NamedNode(OWL + "sameAs")
SKOS_CLOSE_MATCH = NamedNode(SKOS + "closeMatch")
DCT_CREATED = NamedNode(DCT + "created")
XSD_DECIMAL = NamedNode(XSD + "decimal")
XSD_DATETIME = NamedNode(XSD + "dateTime")


def text(term: Term) -> str:
    """The IRI or lexical form of a term (an RDF-star triple term gives its N-Triples form)."""
    return str(term) if isinstance(term, Triple) else term.value


def cg(local: str) -> NamedNode:
    return NamedNode(CG + local)


AUTOMATIC, TO_REVIEW, ACCEPTED, REJECTED = (
    cg("AutomaticLink"),
    cg("LinkToReview"),
    cg("AcceptedLink"),
    cg("RejectedLink"),
)
LINKS_SOURCE = "links"
# the vocabulary terms of the links graph, made once (the link step writes some 150,000 statements)
LINK, LINKED_RECORD, CONFIDENCE, METHOD, EVIDENCE, LINK_STATUS = (
    cg("Link"),
    cg("linkedRecord"),
    cg("confidence"),
    cg("method"),
    cg("evidence"),
    cg("linkStatus"),
)
LINKED_ORGANISATION, ORGANISATION, CLUSTER_KEY = (
    cg("LinkedOrganisation"),
    cg("Organisation"),  # = schema:Organization
    cg("clusterKey"),
)


def pair_hash(a: str, b: str) -> str:
    low, high = sorted((a, b))
    return hashlib.sha1(f"{low} {high}".encode()).hexdigest()[:16]


def link_node(iris: Iris, a: str, b: str) -> NamedNode:
    return NamedNode(f"{iris.base}/id/{LINKS_SOURCE}/{pair_hash(a, b)}")


def decision_node(iris: Iris, a: str, b: str) -> NamedNode:
    return NamedNode(f"{iris.base}/id/{LINKS_SOURCE}/decision-{pair_hash(a, b)}")


def cluster_iri(iris: Iris, ident: str) -> NamedNode:
    return iris.entity("org", ident)


@dataclass(frozen=True)
class Decision:
    a: str
    b: str
    accepted: bool
    created: str  # xsd:dateTime lexical form
    note: str | None = None

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.a, self.b))


def decision_quads(iris: Iris, d: Decision) -> Iterator[Quad]:
    node, g = decision_node(iris, d.a, d.b), iris.graph(LINKS_SOURCE)
    yield Quad(node, RDF_TYPE, cg("LinkDecision"), g)
    for record in sorted((d.a, d.b)):
        yield Quad(node, LINKED_RECORD, NamedNode(record), g)
    yield Quad(node, cg("decision"), ACCEPTED if d.accepted else REJECTED, g)
    yield Quad(node, DCT_CREATED, Literal(d.created, datatype=XSD_DATETIME), g)
    if d.note:
        yield Quad(node, RDFS_COMMENT, Literal(d.note), g)


def _values(snapshot: Snapshot, node: Term, predicate: NamedNode, graph: NamedNode) -> list[str]:
    if not isinstance(node, NamedNode | BlankNode):
        return []
    return sorted(text(q.object) for q in snapshot.quads(node, predicate, None, graph))


def read_decisions(snapshot: Snapshot, iris: Iris) -> dict[frozenset[str], Decision]:
    """The reviewers' decisions in the links graph, by pair (the latest one wins)."""
    graph = iris.graph(LINKS_SOURCE)
    found: dict[frozenset[str], Decision] = {}
    for quad in snapshot.quads(None, RDF_TYPE, cg("LinkDecision"), graph):
        node = quad.subject
        records = _values(snapshot, node, cg("linkedRecord"), graph)
        decision = _values(snapshot, node, cg("decision"), graph)
        created = _values(snapshot, node, DCT_CREATED, graph)
        note = _values(snapshot, node, RDFS_COMMENT, graph)
        if len(records) != 2 or not decision or not created:
            continue
        d = Decision(
            records[0],
            records[1],
            decision[0] == ACCEPTED.value,
            created[0],
            note[0] if note else None,
        )
        if d.pair not in found or found[d.pair].created < d.created:
            found[d.pair] = d
    return found


def decimal(value: float) -> str:
    """A confidence as an xsd:decimal in canonical form ("0.9", "1"), as the store gives it back:
    written as "0.900", it would differ from the stored statement and be rewritten every run."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def link_quads(iris: Iris, link: Scored, status: NamedNode, note: str | None) -> Iterator[Quad]:
    node, g = link_node(iris, link.a, link.b), iris.graph(LINKS_SOURCE)
    a, b = NamedNode(link.a), NamedNode(link.b)
    yield Quad(node, RDF_TYPE, LINK, g)
    yield Quad(node, LINKED_RECORD, a, g)
    yield Quad(node, LINKED_RECORD, b, g)
    yield Quad(node, CONFIDENCE, Literal(decimal(link.confidence), datatype=XSD_DECIMAL), g)
    yield Quad(node, METHOD, Literal(link.method), g)
    facts = [*link.evidence, note] if note else list(link.evidence)
    yield Quad(node, EVIDENCE, Literal("; ".join(facts)), g)
    yield Quad(node, LINK_STATUS, status, g)
    if status in (AUTOMATIC, ACCEPTED):
        yield Quad(a, OWL_SAME_AS, b, g)
    elif status == TO_REVIEW:
        yield Quad(a, SKOS_CLOSE_MATCH, b, g)


def cluster_quads(iris: Iris, cluster: Cluster) -> Iterator[Quad]:
    node, g = cluster_iri(iris, cluster.id), iris.graph(LINKS_SOURCE)
    yield Quad(node, RDF_TYPE, LINKED_ORGANISATION, g)
    yield Quad(node, RDF_TYPE, ORGANISATION, g)
    label = Literal(cluster.label)
    yield Quad(node, RDFS_LABEL, label, g)
    yield Quad(node, SCHEMA_NAME, label, g)
    yield Quad(node, CLUSTER_KEY, Literal(cluster.key), g)
    for member in cluster.members:
        yield Quad(node, SCHEMA_SAME_AS, NamedNode(member), g)


def conflict_quads(iris: Iris, conflict: Conflict) -> Iterator[Quad]:
    digest = hashlib.sha1(conflict.value.encode()).hexdigest()[:16]
    node = NamedNode(f"{iris.base}/id/{LINKS_SOURCE}/conflict-{conflict.key}-{digest}")
    g = iris.graph(LINKS_SOURCE)
    yield Quad(node, RDF_TYPE, cg("IdentifierConflict"), g)
    value: NamedNode | Literal = (
        NamedNode(conflict.value) if conflict.key == "wikidata" else Literal(conflict.value)
    )
    yield Quad(node, cg("conflictingIdentifier"), value, g)
    yield Quad(node, METHOD, Literal(conflict.key), g)
    for claimant in conflict.claimants:
        yield Quad(node, cg("claimant"), NamedNode(claimant), g)


def fingerprint_quad(iris: Iris, fingerprint: str) -> Quad:
    g = iris.graph(LINKS_SOURCE)
    return Quad(g, cg("inputFingerprint"), Literal(fingerprint), g)


def stored_fingerprint(snapshot: Snapshot, iris: Iris) -> str | None:
    graph = iris.graph(LINKS_SOURCE)
    for quad in snapshot.quads(graph, cg("inputFingerprint"), None, graph):
        return text(quad.object)
    return None


def now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")
