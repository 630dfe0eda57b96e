"""The records the linker compares, with the features its keys are made of, read from a snapshot.

A record is an entity of a source graph typed with an organisation class of the vocabulary
(``cg:Cooperative``, ``cg:Museum``, …; every subclass of ``cg:Organisation`` except registrars), or
a Wikidata item (``wikibase:Item``). Reference graphs (the vocabularies), the metadata graph and the
links graph are never read. Each feature is one constant query, run on each graph that holds
records; the store evaluates them two at a time and writes their rows as text, which Python reads
far faster than it makes a term object of each value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache

from pyoxigraph import NamedNode, QueryResultsFormat, QuerySolutions

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
_ECHAR = re.compile(r"\\(.)")
_UNESCAPE = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
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
    pages: set[str] = field(default_factory=set)  # web pages that are not a site's home page
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

    _words: frozenset[str] | None = field(default=None, repr=False, compare=False)

    @property
    def words(self) -> frozenset[str]:
        """Every distinctive word of the names (computed once)."""
        if self._words is None:
            self._words = frozenset(w for t in self.tokens for w in t)
        return self._words

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


def record_graphs(snapshot: Snapshot, iris: Iris) -> dict[str, str]:
    """The linkable graphs (see :func:`linkable_graphs`) that hold records."""
    classes = record_classes()
    return {
        graph: source
        for graph, source in linkable_graphs(snapshot, iris).items()
        if any(next(snapshot.quads(None, RDF_TYPE, c, NamedNode(graph)), None) for c in classes)
    }


_PREFIXES = """
PREFIX cg: <https://w3id.org/commons-graph/ns#>
PREFIX schema: <http://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
"""
#: feature -> a constant query of (?r, then the values), run on each graph that holds records (as
#: its default graph: a query that also returned the graph would decode it on every row). Rows of
#: entities that are not records (addresses, Wikipedia articles, …) are dropped in Python:
#: constraining the class in the query costs the store about as much as it saves. A label or legal
#: name that is also a name of the record is left to the store: Wikidata items have each label as
#: both rdfs:label and schema:name.
_QUERIES: dict[str, str] = {
    feature: _PREFIXES + query
    for feature, query in {
        "name": "SELECT ?r ?v WHERE { ?r schema:name ?v }",
        "other-name": """SELECT ?r ?v WHERE {
  ?r schema:legalName|rdfs:label ?v MINUS { ?r schema:name ?v } }""",
        "postcode": "SELECT ?r ?v WHERE { ?r schema:address/schema:postalCode ?v }",
        "registration": """SELECT ?r ?registrar ?v WHERE {
  ?r cg:registration ?reg . ?reg cg:registrar ?registrar ; cg:registeredNumber ?v }""",
        "geo": """SELECT ?r ?lat ?v WHERE {
  ?r schema:geo ?geo . ?geo schema:latitude ?lat ; schema:longitude ?v }""",
        "id": """SELECT ?r ?p ?v WHERE {
  VALUES ?p { cg:wikidata cg:cuksId schema:url wdt:P856 wdt:P281 wdt:P625 wdt:P2622 }
  ?r ?p ?v }""",
    }.items()
}
#: How many of those queries run at once: the store evaluates them without holding the GIL.
READERS = 2


def record_classes() -> list[NamedNode]:
    """The classes whose instances are records: the organisation classes and wikibase:Item."""
    return [*(NamedNode(c) for c in sorted(organisation_classes())), WIKIBASE_ITEM]


def _table(snapshot: Snapshot, query: str, graph: str) -> list[list[str]]:
    """The rows of a query on ``graph`` as SPARQL TSV cells: ``<iri>``, a quoted literal, or a
    number in short form (see :func:`lexical`). The store writes them without holding the GIL;
    splitting the text costs Python far less than making a term object of each value. (Its CSV
    would be simpler to read, but pyoxigraph does not quote IRIs that contain commas.)"""
    result = snapshot.query(query, default_graph=[NamedNode(graph)])
    assert isinstance(result, QuerySolutions)
    data = result.serialize(format=QueryResultsFormat.TSV)
    assert isinstance(data, bytes)
    lines = data.decode("utf-8").split("\n")  # inside a literal, a newline is written as \n
    return [line.split("\t") for line in lines[1:] if line]


def lexical(cell: str) -> str:
    """The IRI or lexical form of a SPARQL TSV cell (as a term's ``.value``)."""
    if cell.startswith("<"):
        return cell[1:-1]
    if cell.startswith('"'):
        text = cell[1 : cell.rindex('"')]  # without @lang or ^^<datatype>
        return _ECHAR.sub(lambda m: _UNESCAPE.get(m[1], m[0]), text) if "\\" in text else text
    return cell  # a number or boolean in short form


def _find_records(snapshot: Snapshot, graphs: dict[str, str]) -> dict[tuple[str, str], Record]:
    """{(IRI, graph): record} of the instances of the record classes in ``graphs``."""
    records: dict[tuple[str, str], Record] = {}
    for cls in record_classes():
        for quad in snapshot.quads(None, RDF_TYPE, cls, None):
            r, g = quad.subject, quad.graph_name
            if (
                not isinstance(g, NamedNode)
                or g.value not in graphs
                or not isinstance(r, NamedNode)
            ):
                continue
            if cls == WIKIBASE_ITEM and not r.value.startswith(WD + "Q"):
                continue
            rec = records.setdefault((r.value, g.value), Record(r.value, graphs[g.value], g.value))
            rec.organisation = rec.organisation or cls != WIKIBASE_ITEM
            if r.value.startswith(WD + "Q"):
                rec.qids.add(r.value)
    return records


def _add_name(rec: Record, value: str) -> None:
    if value.strip() and value not in rec.names:
        rec.names.append(value)


def _add_postcode(rec: Record, value: str) -> None:
    if (code := norm.postcode(value)) is not None:
        rec.postcodes.add(code)


def _add_registration(rec: Record, registrar: str, value: str) -> None:
    if (number := norm.registered_number(value)) is not None:
        rec.registrations.add((registrar, number))


def _add_web(rec: Record, value: str) -> None:
    if (key := norm.web_key(value)) is not None:
        rec.webs.add(key)
    if (page := norm.web_page(value)) is not None:
        rec.pages.add(page)


def _add_wkt(rec: Record, value: str) -> None:
    if (match := _WKT_POINT.search(value)) is not None:
        rec.geo = (float(match.group(2)), float(match.group(1)))


def _add_geo(rec: Record, lat: str, lon: str) -> None:
    try:
        rec.geo = (float(lat), float(lon))
    except ValueError:
        return


#: predicate of the "id" query -> what its value gives the record
_ID_VALUES: dict[str, Callable[[Record, str], None]] = {
    CG + "wikidata": lambda rec, v: rec.qids.add(v) if v.startswith(WD + "Q") else None,
    CG + "cuksId": lambda rec, v: rec.cuks_ids.add(v.strip().upper()),
    SCHEMA + "url": _add_web,
    WDT + "P856": _add_web,
    WDT + "P281": _add_postcode,
    WDT + "P625": _add_wkt,
    WDT + "P2622": lambda rec, v: _add_registration(rec, COMPANIES_HOUSE, v),
}
#: feature -> what one of its rows (TSV cells: the record, then the values) gives the record, in
#: this order: "id" before "geo", since schema:geo wins over a Wikidata P625
_ADD: dict[str, Callable[[Record, list[str]], None]] = {
    "name": lambda rec, row: _add_name(rec, lexical(row[1])),
    "other-name": lambda rec, row: _add_name(rec, lexical(row[1])),
    "id": lambda rec, row: _ID_VALUES[lexical(row[1])](rec, lexical(row[2])),
    "postcode": lambda rec, row: _add_postcode(rec, lexical(row[1])),
    "registration": lambda rec, row: _add_registration(rec, lexical(row[1]), lexical(row[2])),
    "geo": lambda rec, row: _add_geo(rec, lexical(row[1]), lexical(row[2])),
}


def read_records(snapshot: Snapshot, iris: Iris) -> list[Record]:
    """Every record of the linkable graphs, in a stable order (by IRI, then graph)."""
    graphs = record_graphs(snapshot, iris)
    with ThreadPoolExecutor(READERS, thread_name_prefix="link-read") as pool:
        tables = {
            (feature, graph): pool.submit(_table, snapshot, _QUERIES[feature], graph)
            for feature in _ADD
            for graph in sorted(graphs)
        }
        records = _find_records(snapshot, graphs)
        cells: dict[str, dict[str, Record]] = {graph: {} for graph in graphs}  # by "<IRI>"
        for known in records.values():
            cells[known.graph][f"<{known.iri}>"] = known
        for (feature, graph), table in tables.items():  # in the order of _ADD
            add, in_graph = _ADD[feature], cells[graph]
            for row in table.result():
                if (rec := in_graph.get(row[0])) is not None:
                    add(rec, row)
    for rec in records.values():
        rec.names.sort(key=lambda n: (len(n), n))
    return [records[k] for k in sorted(records)]
