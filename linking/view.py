"""The merged view of a linked organisation: what every source says about it, value by value.

The view of ``{BASE}/id/org/{id}`` holds

* the cluster's own triples (types, label, ``schema:sameAs`` each record, ``cg:clusterKey``);
* each value a record states about itself (``<record> p o``), restated about the organisation
  (``<org> p o``), with its provenance as an ``rdf:Statement`` (``rdf:subject`` the organisation,
  ``rdf:predicate``, ``rdf:object``, ``prov:wasDerivedFrom`` the record, ``dct:source`` the source
  graph) — one statement per record that says it, so a value several sources agree on shows them
  all;
* the nested nodes of each record's description (its address, registration, coordinates), as they
  are, since the restated values point at them.

Wikidata items contribute their direct claims (``wdt:``) and their labels and descriptions in
English (or without language); their statement nodes and other languages stay on the item's page.
Each record keeps its own page.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from commons_graph.errors import NotFound
from commons_graph.iris import Iris
from commons_graph.namespaces import (
    DCT,
    PROV_WAS_DERIVED_FROM,
    RDF,
    RDF_TYPE,
    RDFS_LABEL,
    SCHEMA_SAME_AS,
    WD,
    WDT,
)
from graph.describe import describe
from graph.store import Snapshot
from linking import graph as lg
from linking.records import linkable_graphs

DCT_SOURCE = NamedNode(DCT + "source")
_LANGUAGES = ("", "en", "en-gb", "mul")


@dataclass(frozen=True)
class Value:
    """One value of the organisation and who states it."""

    predicate: str
    value: NamedNode | Literal | BlankNode
    sources: tuple[tuple[str, str], ...]  # (source name, record IRI)


@dataclass(frozen=True)
class View:
    org: NamedNode
    label: str
    records: tuple[tuple[str, str], ...]  # (source name, record IRI)
    values: tuple[Value, ...]
    triples: tuple[Triple, ...]


def _wanted(record: NamedNode, t: Triple) -> bool:
    """Whether a record's triple is one of the values the view restates."""
    if not record.value.startswith(WD):
        return True
    o = t.object
    if isinstance(o, Literal) and o.language is not None:
        return o.language in _LANGUAGES
    return t.predicate.value.startswith(WDT) or t.predicate.value.startswith(RDF)


def view(snapshot: Snapshot, iris: Iris, ident: str) -> View:
    """The merged view of ``{BASE}/id/org/{ident}``; NotFound if there is no such organisation."""
    org = lg.cluster_iri(iris, ident)
    links_graph = iris.graph(lg.LINKS_SOURCE)
    own = [q.triple for q in snapshot.quads(org, None, None, links_graph)]
    if not own:
        raise NotFound(f"no linked organisation {org.value} (ids come from the link step)")
    label = next((lg.text(t.object) for t in own if t.predicate == RDFS_LABEL), org.value)
    members = sorted(lg.text(t.object) for t in own if t.predicate == SCHEMA_SAME_AS)
    graphs = linkable_graphs(snapshot, iris)
    triples: list[Triple] = list(own)
    said: dict[tuple[str, NamedNode | Literal | BlankNode], list[tuple[str, str]]] = {}
    records: list[tuple[str, str]] = []
    for member in members:
        node = NamedNode(member)
        for graph, source in sorted(graphs.items()):
            described = describe(snapshot, node, NamedNode(graph))
            if not described:
                continue
            records.append((source, member))
            for t in described:
                if t.subject != node:
                    if not member.startswith(WD):
                        triples.append(t)  # nested nodes of our own records
                    continue
                if not _wanted(node, t) or isinstance(t.object, Triple):
                    continue
                said.setdefault((t.predicate.value, t.object), []).append((source, member))
                statement = BlankNode()
                triples += [
                    Triple(org, t.predicate, t.object),
                    Triple(statement, RDF_TYPE, NamedNode(RDF + "Statement")),
                    Triple(statement, NamedNode(RDF + "subject"), org),
                    Triple(statement, NamedNode(RDF + "predicate"), t.predicate),
                    Triple(statement, NamedNode(RDF + "object"), t.object),
                    Triple(statement, PROV_WAS_DERIVED_FROM, node),
                    Triple(statement, DCT_SOURCE, NamedNode(graph)),
                ]
    values = tuple(
        Value(p, o, tuple(sorted(set(by))))
        for (p, o), by in sorted(said.items(), key=lambda kv: (kv[0][0], str(kv[0][1])))
    )
    return View(org, label, tuple(records), values, tuple(dict.fromkeys(triples)))
