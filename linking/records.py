"""The records the linker compares, with the features its keys are made of, read from a snapshot.

A record is an entity of a source graph typed with an organisation class of the vocabulary
(``cg:Cooperative``, ``cg:Museum``, …; every subclass of ``cg:Organisation`` except registrars), or
a Wikidata item (``wikibase:Item``). Reference graphs (the vocabularies), the metadata graph and the
links graph are never read. Each feature is one constant query, run on each graph that holds
records; the store evaluates them two at a time and writes their rows as text to temporary files,
which Python then reads row by row: memory stays flat whatever the size of the graphs (a 1 GB
Wikidata dump has millions of label rows).

A Wikidata item has labels in hundreds of languages; linking reads only its label (the shortest
name) and the distinctive words of its names, so that is all it keeps of them (see
:class:`_Names`). An organisation record keeps every name: its cluster's label counts them.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

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
    """One record and its features, normalised (see :mod:`linking.normalise`). Read from a
    snapshot (:func:`read_records`), a record that is not an organisation keeps only its label in
    ``names``, and the keys of all its names in ``name_keys`` (see :class:`_Names`)."""

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
        """The distinctive words of each name (computed once; of a record read with its name keys
        only, from those keys, each the words joined by a space)."""
        if self._tokens is None:
            if self._keys is not None:
                self._tokens = [tuple(key.split(" ")) for key in sorted(self._keys)]
            else:
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
#: both rdfs:label and schema:name. It is a FILTER NOT EXISTS, looked up row by row: a MINUS (or
#: a property path ``schema:legalName|rdfs:label``) would hold every name of the graph in memory,
#: some 700 MB for a 1 GB Wikidata dump.
_QUERIES: dict[str, str] = {
    feature: _PREFIXES + query
    for feature, query in {
        "name": "SELECT ?r ?v WHERE { ?r schema:name ?v }",
        "other-name": """SELECT ?r ?v WHERE {
  { ?r schema:legalName ?v } UNION { ?r rdfs:label ?v }
  FILTER NOT EXISTS { ?r schema:name ?v } }""",
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


def _spool(snapshot: Snapshot, query: str, graph: str, path: Path) -> Path:
    """Write the rows of a query on ``graph`` to ``path`` as SPARQL TSV. The store writes them
    without holding the GIL; splitting the text costs Python far less than making a term object
    of each value. (Its CSV would be simpler to read, but pyoxigraph does not quote IRIs that
    contain commas.)"""
    result = snapshot.query(query, default_graph=[NamedNode(graph)])
    assert isinstance(result, QuerySolutions)
    result.serialize(str(path), format=QueryResultsFormat.TSV)
    return path


def _rows(path: Path) -> Iterator[list[str]]:
    """The rows of a spooled TSV file (see :func:`_spool`), one at a time, as cells: ``<iri>``, a
    quoted literal, or a number in short form (see :func:`lexical`). Inside a literal, a newline
    is written as ``\\n``."""
    with open(path, encoding="utf-8", newline="\n") as fh:
        next(fh, None)  # the header
        for line in fh:
            if line := line.rstrip("\n"):
                yield line.split("\t")


def _table(snapshot: Snapshot, query: str, graph: str) -> Iterator[list[str]]:
    """The rows of a query on ``graph`` as SPARQL TSV cells (see :func:`_rows`), one at a time."""
    with tempfile.TemporaryDirectory(prefix="commons-graph-link-") as folder:
        yield from _rows(_spool(snapshot, query, graph, Path(folder) / "rows.tsv"))


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


class _Names:
    """Collects the names of the records. An organisation record keeps every name. Any other
    record (a Wikidata item) keeps its label (its shortest name) in ``names`` and the distinct keys
    of all its names (:attr:`Record.name_keys`, from which its ``tokens`` come back): linking reads
    nothing else of its names (the keys, the similarity and the blocks use the words, a cluster's
    label the label), and such an item has labels in hundreds of languages, most of them with the
    same words or, in another script, none."""

    def __init__(self) -> None:
        self._shortest: dict[int, str] = {}  # id(record) -> its shortest name so far
        self._keys: dict[int, set[str]] = {}  # id(record) -> the keys of its names
        # The store writes the rows ordered by value: one value in many languages, or of many
        # records, comes in a run of rows, and its key is made once for the run.
        self._last: tuple[str, str | None] = ("", None)

    def row(self, rec: Record, row: list[str]) -> None:
        """Take the name of one row of the "name" or "other-name" query."""
        value = lexical(row[1])
        if not value.strip():
            return
        if rec.organisation:
            if value not in rec.names:
                rec.names.append(value)
            return
        key = id(rec)
        shortest = self._shortest.get(key)
        if shortest is None or (len(value), value) < (len(shortest), shortest):
            self._shortest[key] = value
        if self._last[0] != value:
            self._last = (value, norm.name_key(value))
        if (name_key := self._last[1]) is not None:
            self._keys.setdefault(key, set()).add(name_key)

    def finish(self, records: Iterable[Record]) -> None:
        """Give each record that is not an organisation its label and name keys; sort the names
        of the others (shortest first)."""
        for rec in records:
            if (shortest := self._shortest.pop(id(rec), None)) is not None:
                rec.names = [shortest]
                rec._keys = self._keys.pop(id(rec), set())
            else:  # an organisation, or a record without names
                rec.names.sort(key=_shortest_first)


def _shortest_first(name: str) -> tuple[int, str]:
    return len(name), name


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
#: The features, in the order their rows are read: "id" before "geo", since schema:geo wins over
#: a Wikidata P625.
FEATURES = ("name", "other-name", "id", "postcode", "registration", "geo")
#: feature -> what one of its rows (TSV cells: the record, then the values) gives the record; the
#: names are collected by :class:`_Names`
_ADD: dict[str, Callable[[Record, list[str]], None]] = {
    "id": lambda rec, row: _ID_VALUES[lexical(row[1])](rec, lexical(row[2])),
    "postcode": lambda rec, row: _add_postcode(rec, lexical(row[1])),
    "registration": lambda rec, row: _add_registration(rec, lexical(row[1]), lexical(row[2])),
    "geo": lambda rec, row: _add_geo(rec, lexical(row[1]), lexical(row[2])),
}


def read_records(snapshot: Snapshot, iris: Iris) -> list[Record]:
    """Every record of the linkable graphs, in a stable order (by IRI, then graph)."""
    graphs = record_graphs(snapshot, iris)
    with (
        tempfile.TemporaryDirectory(prefix="commons-graph-link-") as folder,
        ThreadPoolExecutor(READERS, thread_name_prefix="link-read") as pool,
    ):
        spooled = {
            (feature, graph): pool.submit(
                _spool, snapshot, _QUERIES[feature], graph, Path(folder) / f"{number}.tsv"
            )
            for number, (feature, graph) in enumerate(
                (feature, graph) for feature in FEATURES for graph in sorted(graphs)
            )
        }
        names = _Names()
        adders = {"name": names.row, "other-name": names.row, **_ADD}
        records = _find_records(snapshot, graphs)
        cells: dict[str, dict[str, Record]] = {graph: {} for graph in graphs}  # by "<IRI>"
        for known in records.values():
            cells[known.graph][f"<{known.iri}>"] = known
        for (feature, graph), done in spooled.items():  # in the order of FEATURES
            add, in_graph, path = adders[feature], cells[graph], done.result()
            for row in _rows(path):
                if (rec := in_graph.get(row[0])) is not None:
                    add(rec, row)
            path.unlink()
    names.finish(records.values())
    return [records[k] for k in sorted(records)]
