"""Provenance of each load, in the metadata graph, with DCAT, PROV and VoID terms.

``{BASE}/graph/{source}`` is described as a ``dcat:Dataset``/``void:Dataset`` whose description is
replaced by each load; each load is a ``prov:Activity`` at ``{BASE}/load/{source}/{stamp}`` that is
kept, so the metadata graph holds the history of loads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions, Variable

from commons_graph import __version__
from commons_graph.iris import Iris
from commons_graph.namespaces import CG, DCAT, DCT, PROV, RDF_TYPE, VOID, XSD
from graph.store import Snapshot


def _n(ns: str, local: str) -> NamedNode:
    return NamedNode(ns + local)


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=_n(XSD, "integer"))


def _time(value: datetime) -> Literal:
    return Literal(value.isoformat(), datatype=_n(XSD, "dateTime"))


@dataclass
class LoadReport:
    """What one load did; printed by the CLI and recorded in the metadata graph."""

    source: str
    format: str
    graph: str
    input: str
    sha256: str
    licence: str | None
    started: datetime
    ended: datetime | None = None
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    quads: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    rejects_path: str | None = None

    @property
    def stamp(self) -> str:
        return self.started.strftime("%Y%m%dT%H%M%S%fZ")


def provenance_quads(iris: Iris, report: LoadReport) -> Iterator[Quad]:
    """The dataset description and the load activity, as quads of the metadata graph."""
    meta = iris.meta_graph
    dataset = NamedNode(report.graph)
    activity = iris.load_activity(report.source, report.stamp)
    used = NamedNode(activity.value + "#input")
    ended = report.ended or report.started

    def q(s: NamedNode, p: NamedNode, o: NamedNode | Literal) -> Quad:
        return Quad(s, p, o, meta)

    for cls in (_n(DCAT, "Dataset"), _n(VOID, "Dataset"), _n(PROV, "Entity")):
        yield q(dataset, RDF_TYPE, cls)
    yield q(dataset, _n(DCT, "identifier"), Literal(report.source))
    yield q(dataset, _n(DCT, "title"), Literal(report.source))
    if report.licence:
        yield q(dataset, _n(DCT, "license"), NamedNode(report.licence))
    yield q(dataset, _n(DCT, "modified"), _time(ended))
    yield q(dataset, _n(VOID, "triples"), _int(report.quads))
    yield q(dataset, _n(VOID, "entities"), _int(report.loaded))
    yield q(dataset, _n(PROV, "wasGeneratedBy"), activity)
    yield q(dataset, _n(CG, "format"), Literal(report.format))

    yield q(activity, RDF_TYPE, _n(PROV, "Activity"))
    yield q(activity, RDF_TYPE, _n(CG, "Load"))
    yield q(activity, _n(PROV, "startedAtTime"), _time(report.started))
    yield q(activity, _n(PROV, "endedAtTime"), _time(ended))
    yield q(activity, _n(PROV, "generated"), dataset)
    yield q(activity, _n(PROV, "used"), used)
    yield q(activity, _n(CG, "loaderVersion"), Literal(f"{report.format} {__version__}"))
    yield q(activity, _n(CG, "recordsRead"), _int(report.read))
    yield q(activity, _n(CG, "recordsLoaded"), _int(report.loaded))
    yield q(activity, _n(CG, "recordsRejected"), _int(report.rejected))
    yield q(activity, _n(VOID, "triples"), _int(report.quads))
    if report.rejects_path:
        yield q(activity, _n(CG, "rejectsFile"), Literal(report.rejects_path))
    for kind, count in sorted(report.kinds.items()):
        node = NamedNode(f"{activity.value}#count-{kind}")
        yield q(activity, _n(CG, "recordCount"), node)
        yield q(node, _n(CG, "kind"), Literal(kind))
        yield q(node, _n(CG, "count"), _int(count))

    yield q(used, RDF_TYPE, _n(PROV, "Entity"))
    yield q(used, _n(DCT, "source"), Literal(report.input))
    yield q(used, _n(CG, "sha256"), Literal(report.sha256))


@dataclass(frozen=True)
class SourceInfo:
    """One loaded source, as the metadata graph describes it."""

    source: str
    graph: str
    format: str
    licence: str | None
    modified: str
    triples: int
    read: int
    loaded: int
    rejected: int
    kinds: dict[str, int]
    input: str


_SOURCES_QUERY = """
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX void: <http://rdfs.org/ns/void#>
PREFIX cg: <https://w3id.org/commons-graph/ns#>
SELECT ?meta ?ds ?id ?format ?licence ?modified ?triples ?read ?loaded ?rejected ?input ?kind ?count
WHERE {
  GRAPH ?meta {
    ?ds a dcat:Dataset ; dct:identifier ?id ; cg:format ?format ; dct:modified ?modified ;
        void:triples ?triples ; prov:wasGeneratedBy ?load .
    OPTIONAL { ?ds dct:license ?licence }
    ?load cg:recordsRead ?read ; cg:recordsLoaded ?loaded ; cg:recordsRejected ?rejected ;
          prov:used/dct:source ?input .
    OPTIONAL { ?load cg:recordCount [ cg:kind ?kind ; cg:count ?count ] }
  }
}
ORDER BY ?id ?kind
"""


def list_sources(snapshot: Snapshot, iris: Iris) -> list[SourceInfo]:
    """Every source with its latest load, read from the metadata graph."""
    found: dict[str, SourceInfo] = {}
    rows = snapshot.query(_SOURCES_QUERY, substitutions={Variable("meta"): iris.meta_graph})
    assert isinstance(rows, QuerySolutions)
    for row in rows:
        name = row["id"].value
        if name not in found:
            licence = row["licence"]
            found[name] = SourceInfo(
                source=name,
                graph=row["ds"].value,
                format=row["format"].value,
                licence=licence.value if licence is not None else None,
                modified=row["modified"].value,
                triples=int(row["triples"].value),
                read=int(row["read"].value),
                loaded=int(row["loaded"].value),
                rejected=int(row["rejected"].value),
                kinds={},
                input=row["input"].value,
            )
        if row["kind"] is not None:
            found[name].kinds[row["kind"].value] = int(row["count"].value)
    return list(found.values())
