"""The records the linker compares, with the features its keys are made of, read from a snapshot.

A record is an entity of a source graph typed with an organisation class of the vocabulary
(``cg:Cooperative``, ``cg:Museum``, …; every subclass of ``cg:Organisation`` except registrars), or
a Wikidata item (``wikibase:Item``). Reference graphs (the vocabularies), the metadata graph and the
links graph are never read. Each feature is one constant query per record class (bound to ?t), so
the store joins records with their values and only what the linker needs crosses into Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import chain

from pyoxigraph import NamedNode, QuerySolution, QuerySolutions, Triple

from commons_graph.iris import Iris
from commons_graph.namespaces import CG, RDF_TYPE, RDFS, SCHEMA, WD, WDT, WIKIBASE_ITEM
from graph.store import Snapshot
from linking import normalise as norm
from loaders.provenance import list_sources
from ontologies import ontology_triples

SUBCLASS_OF = NamedNode(RDFS + "subClassOf")
COMPANIES_HOUSE = CG + "Registrar-CompaniesHouse"
#: The format recorded in the metadata graph for the links graph (never itself linked).
LINKS_FORMAT = "links"
_WKT_POINT = re.compile(r"Point\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)", re.IGNORECASE)


@dataclass
class Record:
    """One record and its features, normalised (see :mod:`linking.normalise`)."""

    iri: str
    source: str
    graph: str
    organisation: bool = False  # typed with an organisation class (Wikidata items are not)
    names: list[str] = field(default_factory=list)
    qids: set[str] = field(default_factory=set)
    registrations: set[tuple[str, str]] = field(default_factory=set)  # (registrar IRI, number)
    cuks_ids: set[str] = field(default_factory=set)
    webs: set[str] = field(default_factory=set)
    postcodes: set[str] = field(default_factory=set)
    geo: tuple[float, float] | None = None  # (latitude, longitude)

    _tokens: list[tuple[str, ...]] | None = field(default=None, repr=False, compare=False)

    @property
    def tokens(self) -> list[tuple[str, ...]]:
        """The distinctive words of each name (computed once)."""
        if self._tokens is None:
            self._tokens = [t for t in map(norm.name_tokens, self.names) if t]
        return self._tokens

    _keys: set[str] | None = field(default=None, repr=False, compare=False)

    @property
    def name_keys(self) -> set[str]:
        """The comparison keys of the names (computed once)."""
        if self._keys is None:
            self._keys = {" ".join(t) for t in self.tokens}
        return self._keys

    @property
    def label(self) -> str:
        return self.names[0] if self.names else self.iri


@cache
def organisation_classes() -> frozenset[str]:
    """cg:Organisation and its subclasses in the vocabulary, except registrars and the link step's
    own clusters."""
    parents: dict[str, set[str]] = {}
    for t in ontology_triples():
        if (
            t.predicate == SUBCLASS_OF
            and isinstance(t.object, NamedNode)
            and isinstance(t.subject, NamedNode)
        ):
            parents.setdefault(t.object.value, set()).add(t.subject.value)
    found, todo = set(), [CG + "Organisation"]
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.add(cls)
            todo.extend(parents.get(cls, ()))
    return frozenset(found - {CG + "Registrar", CG + "LinkedOrganisation"})


def linkable_graphs(snapshot: Snapshot, iris: Iris) -> dict[str, str]:
    """{graph IRI: source name} of the loaded sources, without the reference vocabularies and the
    links graph."""
    return {
        s.graph: s.source
        for s in list_sources(snapshot, iris)
        if s.format not in ("reference", LINKS_FORMAT)
    }


_PREFIXES = """
PREFIX cg: <https://w3id.org/commons-graph/ns#>
PREFIX schema: <http://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
"""
#: feature -> a query of (?g ?r ?v) for the records of the classes in VALUES ?t (see _solutions)
_FEATURES: dict[str, str] = {
    name: _PREFIXES
    + "SELECT ?g ?r ?v WHERE { VALUES ?t { $CLASSES } GRAPH ?g { ?r a ?t ; "
    + path
    + " ?v } }"
    for name, path in {
        "name": "schema:name|schema:legalName|rdfs:label",
        "postcode": "schema:address/schema:postalCode",
    }.items()
}
_REGISTRATION = (
    _PREFIXES
    + """SELECT ?g ?r ?registrar ?v WHERE { VALUES ?t { $CLASSES } GRAPH ?g {
  ?r a ?t ; cg:registration ?reg . ?reg cg:registrar ?registrar ; cg:registeredNumber ?v } }"""
)
_GEO = (
    _PREFIXES
    + """SELECT ?g ?r ?lat ?v WHERE { VALUES ?t { $CLASSES } GRAPH ?g {
  ?r a ?t ; schema:geo ?geo . ?geo schema:latitude ?lat ; schema:longitude ?v } }"""
)


def record_classes() -> list[NamedNode]:
    """The classes whose instances are records: the organisation classes and wikibase:Item."""
    return [*(NamedNode(c) for c in sorted(organisation_classes())), WIKIBASE_ITEM]


def _solutions(snapshot: Snapshot, query: str) -> Iterator[QuerySolution]:
    """The solutions of ``query`` for the record classes.

    The classes are written into its VALUES block as pyoxigraph serialises them (``str`` of a
    NamedNode is its escaped N-Triples form): they come from the vocabulary, never from users, and
    pyoxigraph applies ``substitutions`` only after evaluating the whole pattern, which would cost
    seconds here (every name of every entity)."""
    classes = " ".join(str(cls) for cls in record_classes())
    result = snapshot.query(query.replace("$CLASSES", classes))
    assert isinstance(result, QuerySolutions)
    yield from result


def _find_records(snapshot: Snapshot, graphs: dict[str, str]) -> dict[tuple[str, str], Record]:
    records: dict[tuple[str, str], Record] = {}
    for cls in record_classes():
        for quad in snapshot.quads(None, RDF_TYPE, cls, None):
            r, g = quad.subject, quad.graph_name
            if (
                not isinstance(r, NamedNode)
                or not isinstance(g, NamedNode)
                or g.value not in graphs
            ):
                continue
            if cls == WIKIBASE_ITEM and not r.value.startswith(WD + "Q"):
                continue
            rec = records.setdefault((r.value, g.value), Record(r.value, graphs[g.value], g.value))
            rec.organisation = rec.organisation or cls != WIKIBASE_ITEM
            if r.value.startswith(WD + "Q"):
                rec.qids.add(r.value)
    return records


#: feature -> the predicate of the records' own triples it is read from (by an index scan)
_SCANNED: dict[str, str] = {
    "qid": CG + "wikidata",
    "cuks": CG + "cuksId",
    "url": SCHEMA + "url",
    "website": WDT + "P856",
    "wd-postcode": WDT + "P281",
    "wkt": WDT + "P625",
    "ch": WDT + "P2622",
}


class _Reader:
    """Reads the features of known records, by predicate scans and by queries."""

    def __init__(self, snapshot: Snapshot, records: dict[tuple[str, str], Record]) -> None:
        self.snapshot = snapshot
        self.records = records

    def scanned(self, feature: str) -> Iterator[tuple[Record, str]]:
        for quad in self.snapshot.quads(None, NamedNode(_SCANNED[feature]), None, None):
            s, g, o = quad.subject, quad.graph_name, quad.object
            if isinstance(s, NamedNode) and isinstance(g, NamedNode) and not isinstance(o, Triple):
                rec = self.records.get((s.value, g.value))
                if rec is not None:
                    yield rec, o.value

    def queried(self, query: str, *variables: str) -> Iterator[tuple[Record, list[str]]]:
        for row in _solutions(self.snapshot, query):
            rec = self.records.get((row["r"].value, row["g"].value))
            if rec is not None:
                yield rec, [row[v].value for v in variables]


def read_records(snapshot: Snapshot, iris: Iris) -> list[Record]:
    """Every record of the linkable graphs, in a stable order (by IRI, then graph)."""
    records = _find_records(snapshot, linkable_graphs(snapshot, iris))
    read = _Reader(snapshot, records)
    for rec, (value,) in read.queried(_FEATURES["name"], "v"):
        if value.strip() and value not in rec.names:
            rec.names.append(value)
    for rec, value in read.scanned("qid"):
        if value.startswith(WD + "Q"):
            rec.qids.add(value)
    for rec, value in read.scanned("cuks"):
        rec.cuks_ids.add(value.strip().upper())
    for feature in ("url", "website"):
        for rec, value in read.scanned(feature):
            if (key := norm.web_key(value)) is not None:
                rec.webs.add(key)
    postcodes = read.queried(_FEATURES["postcode"], "v")
    for rec, value in chain(((r, v) for r, (v,) in postcodes), read.scanned("wd-postcode")):
        if (code := norm.postcode(value)) is not None:
            rec.postcodes.add(code)
    registrations = read.queried(_REGISTRATION, "registrar", "v")
    for rec, (registrar, value) in chain(
        registrations, ((r, [COMPANIES_HOUSE, v]) for r, v in read.scanned("ch"))
    ):
        if (number := norm.registered_number(value)) is not None:
            rec.registrations.add((registrar, number))
    for rec, value in read.scanned("wkt"):
        if (match := _WKT_POINT.search(value)) is not None:
            rec.geo = (float(match.group(2)), float(match.group(1)))
    for rec, (lat, lon) in read.queried(_GEO, "lat", "v"):
        try:
            rec.geo = (float(lat), float(lon))
        except ValueError:
            continue
    for rec in records.values():
        rec.names.sort(key=lambda n: (len(n), n))
    return [records[k] for k in sorted(records)]
