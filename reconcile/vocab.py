"""What the reconciliation service talks about: its types, its matching properties and the
properties it can extend rows with.

Types are the vocabulary's organisation classes (with their Wikidata equivalents, so that a query
typed ``Q33506`` finds the survey's museums too), Wikidata classes (the ``P31`` values of the loaded
items) and one type per loaded source (``{BASE}/graph/{source}``: "everything in that source"), so
that a spreadsheet can be reconciled against one directory only.

Matching properties may be named by the vocabulary's ids (``cg:countryCode``, full IRIs) or by
Wikidata property ids (``P17``, ``P856``, …); each is resolved to one kind of evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from pyoxigraph import Literal, NamedNode

from commons_graph.errors import BadInput
from commons_graph.namespaces import CG, RDF_TYPE, RDFS, SCHEMA, SKOS, WD, WDT
from ontologies import ontology_triples

PREFIXES = {"cg": CG, "schema": SCHEMA, "wdt": WDT, "wd": WD, "rdfs": RDFS, "skos": SKOS}
_PID = re.compile(r"^P[1-9][0-9]*$")
_QID = re.compile(r"^Q[1-9][0-9]*$")


def expand(identifier: str) -> str:
    """A full IRI for ``P17``, ``Q5``, a CURIE of :data:`PREFIXES` or a full IRI."""
    text = identifier.strip()
    if _PID.fullmatch(text):
        return WDT + text
    if _QID.fullmatch(text):
        return WD + text
    prefix, sep, local = text.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return text


def qid(iri: str) -> str | None:
    """``Q42`` for a Wikidata item IRI, else None."""
    if iri.startswith(WD):
        local = iri[len(WD) :]
        return local if _QID.fullmatch(local) else None
    return None


# -- types --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TypeInfo:
    id: str
    name: str
    description: str = ""
    broader: tuple[str, ...] = ()


@cache
def ontology_types() -> dict[str, TypeInfo]:
    """cg:Organisation and its subclasses (except registrars), by IRI."""
    labels: dict[str, str] = {}
    comments: dict[str, str] = {}
    parents: dict[str, list[str]] = {}
    for t in _ontology_triples():
        s, p, o = t[0], t[1], t[2]
        if p == RDFS + "label" and isinstance(o, Literal) and o.language in (None, "en"):
            labels[s] = o.value
        elif p == RDFS + "comment" and isinstance(o, Literal):
            comments[s] = o.value
        elif p == RDFS + "subClassOf" and isinstance(o, NamedNode):
            parents.setdefault(s, []).append(o.value)
    found = {CG + "Organisation"}
    changed = True
    while changed:
        changed = False
        for cls, ups in parents.items():
            if cls not in found and any(u in found for u in ups):
                found.add(cls)
                changed = True
    found.discard(CG + "Registrar")
    return {
        c: TypeInfo(
            c,
            labels.get(c, c),
            comments.get(c, ""),
            tuple(u for u in parents.get(c, ()) if u in found),
        )
        for c in sorted(found)
    }


@cache
def wikidata_equivalents() -> dict[str, str]:
    """{Wikidata class IRI: vocabulary class IRI} from the vocabulary's skos:exactMatch."""
    classes = ontology_types()
    return {
        o.value: s
        for s, p, o in _ontology_triples()
        if p == SKOS + "exactMatch"
        and s in classes
        and isinstance(o, NamedNode)
        and o.value.startswith(WD)
    }


@cache
def _ontology_triples() -> tuple[tuple[str, str, NamedNode | Literal], ...]:
    """(subject IRI, predicate IRI, object) of the vocabulary's triples with a named subject."""
    return tuple(
        (t.subject.value, t.predicate.value, t.object)
        for t in ontology_triples()
        if isinstance(t.subject, NamedNode) and isinstance(t.object, NamedNode | Literal)
    )


def ancestors(cls: str) -> list[str]:
    """``cls`` and its broader vocabulary classes, nearest first."""
    classes = ontology_types()
    cls = wikidata_equivalents().get(cls, cls)
    out: list[str] = []
    todo = [cls]
    while todo:
        c = todo.pop(0)
        if c not in out:
            out.append(c)
            info = classes.get(c)
            todo.extend(info.broader if info else ())
    return out


# -- matching properties ------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """One kind of evidence a query property gives, and the property ids that name it."""

    key: str
    name: str
    description: str
    ids: tuple[str, ...]  # full IRIs; the first is the canonical id


EVIDENCE: tuple[Evidence, ...] = (
    Evidence(
        "country",
        "country",
        "ISO 3166 code, Wikidata item or English name of the country",
        (CG + "countryCode", CG + "country", WDT + "P17", WDT + "P297", SCHEMA + "addressCountry"),
    ),
    Evidence(
        "city",
        "city / locality",
        "the town or city of the address",
        (SCHEMA + "addressLocality", WDT + "P131", WDT + "P159"),
    ),
    Evidence("postcode", "postcode", "the postal code", (SCHEMA + "postalCode", WDT + "P281")),
    Evidence(
        "website",
        "official website",
        "the website (compared by host)",
        (SCHEMA + "url", WDT + "P856"),
    ),
    Evidence("qid", "Wikidata item", "a Wikidata QID (an identifier)", (CG + "wikidata",)),
    Evidence(
        "cuks",
        "Co-operatives UK id",
        "the Co-ops UK organisation id (an identifier)",
        (CG + "cuksId",),
    ),
    Evidence(
        "registrar",
        "registrar",
        "the registrar (FCA, Companies House, …); with a registered number, an identifier",
        (CG + "registrar",),
    ),
    Evidence(
        "number",
        "registered number",
        "the number a registrar gave; with a registrar (or P2622), an identifier",
        (CG + "registeredNumber", WDT + "P2622"),
    ),
    Evidence(
        "isil", "ISIL", "the International Standard Identifier for Libraries", (WDT + "P791",)
    ),
)
_EVIDENCE_BY_IRI = {iri: e for e in EVIDENCE for iri in e.ids}
#: Short names accepted too: ``country``, ``postcode``, …
_EVIDENCE_BY_KEY = {e.key: e for e in EVIDENCE}
COMPANIES_HOUSE_PID = WDT + "P2622"


def evidence_for(pid: str) -> tuple[Evidence, str]:
    """The evidence a query property names, and the property's full IRI; 400 if unknown."""
    iri = expand(pid)
    found = _EVIDENCE_BY_IRI.get(iri) or _EVIDENCE_BY_KEY.get(pid.strip().lower())
    if found is None:
        known = ", ".join(sorted({e.key for e in EVIDENCE} | {"P17", "P131", "P281", "P856"}))
        raise BadInput(
            f"query property {pid!r} cannot be used for matching; use one of {known}, "
            "or a full IRI of these (see /reconcile/suggest/property)"
        )
    return found, iri


# -- extension properties -----------------------------------------------------------------------


@dataclass(frozen=True)
class ExtendProperty:
    id: str  # the id users see: a CURIE or a Wikidata pid
    name: str
    path: tuple[str, ...]  # predicate IRIs from the entity to the value
    description: str = ""


EXTEND_PROPERTIES: tuple[ExtendProperty, ...] = (
    ExtendProperty("schema:name", "name", (SCHEMA + "name",)),
    ExtendProperty("schema:legalName", "legal name", (SCHEMA + "legalName",)),
    ExtendProperty("schema:url", "website", (SCHEMA + "url",)),
    ExtendProperty("cg:wikidata", "Wikidata item", (CG + "wikidata",)),
    ExtendProperty("cg:cuksId", "Co-operatives UK id", (CG + "cuksId",)),
    ExtendProperty("cg:countryCode", "country code", (CG + "countryCode",)),
    ExtendProperty("cg:country", "country", (CG + "country",)),
    ExtendProperty("schema:postalCode", "postcode", (SCHEMA + "address", SCHEMA + "postalCode")),
    ExtendProperty(
        "schema:addressLocality", "city", (SCHEMA + "address", SCHEMA + "addressLocality")
    ),
    ExtendProperty(
        "schema:streetAddress", "street address", (SCHEMA + "address", SCHEMA + "streetAddress")
    ),
    ExtendProperty(
        "cg:registeredNumber", "registered number", (CG + "registration", CG + "registeredNumber")
    ),
    ExtendProperty("cg:registrar", "registrar", (CG + "registration", CG + "registrar")),
    ExtendProperty("cg:legalForm", "legal form", (CG + "legalForm",)),
    ExtendProperty("cg:sector", "sector", (CG + "sector",)),
    ExtendProperty("cg:institutionType", "institution type", (CG + "institutionType",)),
    ExtendProperty("schema:latitude", "latitude", (SCHEMA + "geo", SCHEMA + "latitude")),
    ExtendProperty("schema:longitude", "longitude", (SCHEMA + "geo", SCHEMA + "longitude")),
    ExtendProperty("rdf:type", "type", (RDF_TYPE.value,)),
    ExtendProperty("P31", "instance of (Wikidata)", (WDT + "P31",)),
    ExtendProperty("P17", "country (Wikidata)", (WDT + "P17",)),
    ExtendProperty("P856", "official website (Wikidata)", (WDT + "P856",)),
    ExtendProperty("P625", "coordinates (Wikidata)", (WDT + "P625",)),
    ExtendProperty("P131", "located in (Wikidata)", (WDT + "P131",)),
    ExtendProperty("P281", "postal code (Wikidata)", (WDT + "P281",)),
    ExtendProperty("P373", "Commons category (Wikidata)", (WDT + "P373",)),
    ExtendProperty("P791", "ISIL (Wikidata)", (WDT + "P791",)),
    ExtendProperty("P7704", "Europeana entity (Wikidata)", (WDT + "P7704",)),
)
_EXTEND_BY_ID = {p.id: p for p in EXTEND_PROPERTIES}


def extend_property(pid: str) -> ExtendProperty:
    """The property to fetch for ``pid``: a listed one, any Wikidata pid, or any full IRI."""
    text = pid.strip()
    if text in _EXTEND_BY_ID:
        return _EXTEND_BY_ID[text]
    iri = expand(text)
    if not iri.startswith(("http://", "https://")):
        raise BadInput(
            f"extend property {pid!r} is neither a Wikidata pid, a CURIE "
            f"({', '.join(PREFIXES)}) nor a full IRI"
        )
    for p in EXTEND_PROPERTIES:
        if p.path == (iri,):
            return p
    return ExtendProperty(text, text, (iri,))
