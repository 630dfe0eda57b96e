"""The entities the service reconciles against, read from a snapshot with their matching features.

An entity is a record of a loaded (non-reference) source typed with an organisation class of the
vocabulary (co-ops, heritage institutions, …), or a Wikidata item of a source graph. Each feature
is one constant query over all graphs (filtered here by graph), so reading costs a handful of index
scans whatever the number of sources.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from pyoxigraph import Literal, NamedNode

from commons_graph.namespaces import CG, RDF_TYPE, RDFS, SCHEMA, SKOS, WD, WDT, WIKIBASE_ITEM
from graph.store import Snapshot
from linking import normalise as norm
from loaders.mapping_spec import load_table
from reconcile.vocab import (
    ontology_types,
    qid,
    wikidata_equivalents,
)

#: Constituent countries and dependencies whose ISO code is their state's (Wikidata P17 values).
#: Formats of sources that hold no entities of their own.
SKIPPED = frozenset({"reference", "links"})
_UK_NATIONS = {"Q21": "GB", "Q22": "GB", "Q25": "GB", "Q26": "GB"}


@dataclass
class Entity:
    """One entity and its features. Normalised values (see :mod:`linking.normalise`) are what
    matching compares; ``names`` keep their original spelling for display."""

    iri: str
    source: str
    names: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)  # class IRIs, as stated
    description: str = ""
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2 codes
    cities: list[str] = field(default_factory=list)
    postcodes: list[str] = field(default_factory=list)  # norm.postcode forms, or as written
    webs: list[str] = field(default_factory=list)  # norm.web_key forms
    ids: list[tuple[str, str]] = field(default_factory=list)  # (kind, value), see IDENTIFIER_KINDS

    @property
    def label(self) -> str:
        return self.names[0] if self.names else self.iri

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Entity:
        entity = cls(**data)  # type: ignore[arg-type]
        entity.ids = [(k, v) for k, v in entity.ids]
        return entity


#: Identifier kinds: a hit on one of these scores 100.
IDENTIFIER_KINDS = ("qid", "web", "cuks", "registration", "isil")


def country_codes() -> dict[str, str]:
    """{ISO code, Wikidata IRI, QID or folded English name: ISO code}."""
    _, rows = load_table("countries")
    codes: dict[str, str] = {}
    for row in rows:
        iso, item = row["iso2"].upper(), row["wikidata"]
        if not iso:
            continue
        codes[iso] = iso
        codes[norm.fold(row["value"])] = iso
        if item:
            codes[item] = iso
            codes[item.rsplit("/", 1)[-1]] = iso
    for q, iso in _UK_NATIONS.items():
        codes[q] = iso
        codes[WD + q] = iso
    codes.update({"uk": "GB", "united kingdom": "GB", "great britain": "GB"})
    return codes


def registrars() -> dict[str, str]:
    """{registrar IRI, abbreviation or folded label: registrar IRI}."""
    _, rows = load_table("registrars")
    found: dict[str, str] = {}
    for row in rows:
        if row["iri"]:
            for key in (row["iri"], norm.fold(row["value"]), norm.fold(row["label"])):
                found[key] = row["iri"]
    return found


def registration_key(registrar: str, number: str) -> str | None:
    n = norm.registered_number(number)
    return f"{registrar}|{n}" if n else None


#: Name predicates in the order their values become the label (English and untagged first).
_NAME_ORDER = {
    SCHEMA + "name": 0,
    RDFS + "label": 0,
    SCHEMA + "legalName": 1,
    SKOS + "altLabel": 2,
}
#: Languages whose names are indexed (Wikidata items carry labels in hundreds).
_LANGUAGES = frozenset(
    [
        "en",
        "en-gb",
        "en-us",
        "en-ca",
        "cy",
        "ga",
        "gd",
        "fr",
        "de",
        "nl",
        "es",
        "it",
        "pt",
        "pl",
        "cs",
        "da",
        "sv",
        "nb",
        "nn",
        "fi",
        "et",
        "ca",
        "eu",
        "hu",
        "ro",
        "el",
        "lt",
        "lv",
        "sk",
        "sl",
        "hr",
    ]
)
_ADDRESS, _POSTAL, _LOCALITY = SCHEMA + "address", SCHEMA + "postalCode", SCHEMA + "addressLocality"
_REGISTRATION, _REGISTRAR, _NUMBER = CG + "registration", CG + "registrar", CG + "registeredNumber"
_COMPANIES_HOUSE = CG + "Registrar-CompaniesHouse"
#: Predicates whose values are read as they are: {predicate: feature}.
_DIRECT = {
    CG + "wikidata": "qid",
    CG + "cuksId": "cuks",
    SCHEMA + "url": "web",
    WDT + "P856": "web",
    WDT + "P281": "postcode",
    CG + "countryCode": "country",
    CG + "country": "country",
    WDT + "P17": "country",
    WDT + "P791": "isil",
    WDT + "P2622": "ch",
    WDT + "P31": "p31",
}


class _Graph:
    """Reads one graph's quads by predicate."""

    def __init__(self, snapshot: Snapshot, graph: str) -> None:
        self.snapshot, self.graph = snapshot, NamedNode(graph)

    def pairs(self, predicate: str) -> Iterator[tuple[str, NamedNode | Literal]]:
        for q in self.snapshot.quads(None, NamedNode(predicate), None, self.graph):
            o = q.object
            if isinstance(q.subject, NamedNode) and isinstance(o, NamedNode | Literal):
                yield q.subject.value, o

    def links(self, predicate: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for s, o in self.pairs(predicate):
            found.setdefault(s, []).append(o.value)
        return found


def read_entities(snapshot: Snapshot, graph: str, source: str) -> list[Entity]:
    """Every entity of one source graph, in IRI order."""
    g = _Graph(snapshot, graph)
    classes = ontology_types()
    equivalents = wikidata_equivalents()
    found: dict[str, Entity] = {}
    for r, v in g.pairs(RDF_TYPE.value):
        if v.value in classes or (v.value == WIKIBASE_ITEM.value and qid(r)):
            entity = found.setdefault(r, Entity(r, source))
            if v.value in classes:
                entity.types.append(v.value)
            if (q := qid(r)) is not None:
                _add_id(entity, "qid", q)
    if not found:
        return []
    _read_names(g, found)
    for r, v in g.pairs(SCHEMA + "description"):
        described = found.get(r)
        if (
            described is not None
            and isinstance(v, Literal)
            and (v.language or "en").startswith("en")
        ):
            described.description = described.description or v.value
    codes = country_codes()
    for predicate, feature in _DIRECT.items():
        for r, v in g.pairs(predicate):
            if (target := found.get(r)) is not None:
                _feature(target, feature, v.value, codes, equivalents)
    for predicate, feature in ((_POSTAL, "postcode"), (_LOCALITY, "city")):
        _via(g, _ADDRESS, predicate, found, feature, codes, equivalents)
    registrars = g.links(_REGISTRAR)
    numbers = g.links(_NUMBER)
    for r, nodes in g.links(_REGISTRATION).items():
        if (registered := found.get(r)) is not None:
            for node in nodes:
                for registrar in registrars.get(node, ()):
                    for number in numbers.get(node, ()):
                        if key := registration_key(registrar, number):
                            _add_id(registered, "registration", key)
    for entity in found.values():
        for web in entity.webs:
            _add_id(entity, "web", web)
    return [found[k] for k in sorted(found)]


def _via(
    g: _Graph,
    link: str,
    predicate: str,
    found: dict[str, Entity],
    feature: str,
    codes: dict[str, str],
    equivalents: dict[str, str],
) -> None:
    values = g.links(predicate)
    for r, nodes in g.links(link).items():
        if (entity := found.get(r)) is not None:
            for node in nodes:
                for value in values.get(node, ()):
                    _feature(entity, feature, value, codes, equivalents)


def _feature(
    entity: Entity, feature: str, value: str, codes: dict[str, str], equivalents: dict[str, str]
) -> None:
    if feature == "qid":
        if (q := qid(value)) is not None:
            _add_id(entity, "qid", q)
    elif feature == "cuks":
        _add_id(entity, "cuks", value.strip().upper())
    elif feature == "web":
        if (key := norm.web_key(value)) is not None:
            _add(entity.webs, key)
    elif feature == "postcode":
        _add(entity.postcodes, norm.postcode(value) or norm.fold(value))
    elif feature == "city":
        _add(entity.cities, value.strip())
    elif feature == "country":
        if (code := codes.get(value) or codes.get(value.upper())) is not None:
            _add(entity.countries, code)
    elif feature == "isil":
        _add_id(entity, "isil", value.strip().upper())
    elif feature == "ch":
        if key := registration_key(_COMPANIES_HOUSE, value):
            _add_id(entity, "registration", key)
    elif feature == "p31":
        for cls in (value, equivalents.get(value)):
            if cls is not None and cls not in entity.types:
                entity.types.append(cls)


def _read_names(g: _Graph, found: dict[str, Entity]) -> None:
    """Each entity's distinct names (by folded form), English and untagged ones first: of the
    names with one folded form, the first of the best rank. Only those are kept while the names
    are read (a Wikidata item has dozens of labels and aliases in the indexed languages alone)."""
    best: dict[str, dict[str, tuple[int, int, str]]] = {}  # IRI -> {folded: (rank, order, name)}
    order = 0
    last: tuple[str, str] = ("", "")  # the quads come ordered by value: fold each value once
    for predicate, rank in _NAME_ORDER.items():
        for r, v in g.pairs(predicate):
            if r in found and isinstance(v, Literal) and v.value.strip():
                lang = v.language
                if lang is not None and lang not in _LANGUAGES:
                    continue
                english = lang is None or lang.startswith("en")
                name = v.value.strip()
                if name != last[0]:
                    last = (name, norm.fold(name))
                if not (folded := last[1]):
                    continue
                order += 1
                ranked = (rank + (0 if english else 10), order, name)
                names = best.setdefault(r, {})
                if folded not in names or ranked < names[folded]:
                    names[folded] = ranked
    for r, names in best.items():
        found[r].names.extend(name for _, _, name in sorted(names.values()))


def _add(values: list[str], value: str) -> None:
    if value and value not in values:
        values.append(value)


def _add_id(entity: Entity, kind: str, value: str) -> None:
    if value and (kind, value) not in entity.ids:
        entity.ids.append((kind, value))
