"""One Wikibase entity (its canonical JSON) → the triples the Wikidata Query Service holds for it.

The model is https://www.mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format with Wikidata's own
IRIs (``wd:``, ``wdt:``, ``p:``/``ps:``/``pq:``/``pr:``, ``wds:``, ``wdref:``, ``wdno:``), so WDQS
queries run unchanged. Full value nodes (``psv:``/``wdv:``) are not produced. No blank node is
ever produced: "some value" snaks become skolem IRIs under ``/.well-known/genid/``, derived from the
statement or reference they belong to, so reloading the same data gives the same IRIs.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from pyoxigraph import Literal, NamedNode, Quad

from commons_graph.namespaces import (
    PQ,
    PR,
    PROV_WAS_DERIVED_FROM,
    PS,
    RDF_TYPE,
    RDFS_LABEL,
    SCHEMA,
    SCHEMA_ABOUT,
    SCHEMA_NAME,
    SKOS_ALT_LABEL,
    WDREF,
    WDS,
    WDT,
    WIKIBASE,
    P,
)
from loaders import wikidata_values as values
from loaders.wikidata_values import (
    CACHE_LIMIT,
    ENTITIES,
    PLAIN_STRINGS,
    VALUE_TYPES,
    XSD_DATETIME,
    XSD_INTEGER,
    ValueFailure,
    entity,
    entity_value,
)

GENID = "http://www.wikidata.org/.well-known/genid/"

SCHEMA_DESCRIPTION = NamedNode(SCHEMA + "description")
SCHEMA_ARTICLE = NamedNode(SCHEMA + "Article")
SCHEMA_IN_LANGUAGE = NamedNode(SCHEMA + "inLanguage")
SCHEMA_IS_PART_OF = NamedNode(SCHEMA + "isPartOf")
SCHEMA_VERSION = NamedNode(SCHEMA + "version")
SCHEMA_DATE_MODIFIED = NamedNode(SCHEMA + "dateModified")
WB_ITEM = NamedNode(WIKIBASE + "Item")
WB_PROPERTY = NamedNode(WIKIBASE + "Property")
WB_STATEMENT = NamedNode(WIKIBASE + "Statement")
WB_REFERENCE = NamedNode(WIKIBASE + "Reference")
WB_BEST_RANK = NamedNode(WIKIBASE + "BestRank")
WB_RANK = NamedNode(WIKIBASE + "rank")
WB_BADGE = NamedNode(WIKIBASE + "badge")
WB_PROPERTY_TYPE = NamedNode(WIKIBASE + "propertyType")
WB_SITELINKS = NamedNode(WIKIBASE + "sitelinks")
WB_STATEMENTS = NamedNode(WIKIBASE + "statements")
WB_IDENTIFIERS = NamedNode(WIKIBASE + "identifiers")
RANKS = {
    "normal": NamedNode(WIKIBASE + "NormalRank"),
    "preferred": NamedNode(WIKIBASE + "PreferredRank"),
    "deprecated": NamedNode(WIKIBASE + "DeprecatedRank"),
}
#: property entity → its predicates: (wikibase link, namespace under http://www.wikidata.org/prop/)
PROPERTY_LINKS = [
    (NamedNode(WIKIBASE + link), P + ns)
    for link, ns in [
        ("directClaim", "direct/"),
        ("claim", ""),
        ("statementProperty", "statement/"),
        ("statementValue", "statement/value/"),
        ("qualifier", "qualifier/"),
        ("qualifierValue", "qualifier/value/"),
        ("reference", "reference/"),
        ("referenceValue", "reference/value/"),
        ("novalue", "novalue/"),
    ]
]
_MODIFIED = re.compile(r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
ENTITY_ID = re.compile(r"[QP][1-9]\d{0,17}")


class Predicates:
    """The predicates of one property: p:, ps:, pq:, pr:, wdt: and the wdno: class."""

    __slots__ = ("claim", "direct", "novalue", "qualifier", "reference", "statement")

    def __init__(self, pid: str) -> None:
        self.claim = NamedNode(P + pid)
        self.statement = NamedNode(PS + pid)
        self.qualifier = NamedNode(PQ + pid)
        self.reference = NamedNode(PR + pid)
        self.direct = NamedNode(WDT + pid)
        self.novalue = NamedNode(P + "novalue/" + pid)


_predicates: dict[str, Predicates] = {}


def predicates(pid: str) -> Predicates:
    known = _predicates.get(pid)
    if known is None:
        if len(_predicates) > CACHE_LIMIT:
            _predicates.clear()
        known = _predicates[pid] = Predicates(pid)
    return known


def _fail(path: str, error: Exception) -> ValueFailure:
    """Wrap an error raised while mapping the part of the entity at ``path``."""
    if isinstance(error, ValueFailure):
        inner = ".".join(part for part in (path, error.path) if part)
        return ValueFailure(error.reason, inner)
    if isinstance(error, KeyError):
        return ValueFailure(f"missing key {error}", path)
    return ValueFailure(f"unexpected JSON structure: {error}", path)


MAPPING_ERRORS = (ValueFailure, KeyError, TypeError, ValueError, AttributeError, IndexError)


class EntityMapper:
    """Maps one entity; a new instance per entity keeps memory constant."""

    def __init__(self, data: dict[str, Any], graph: NamedNode) -> None:
        self.data = data
        self.graph = graph
        self.triples: list[Quad] = []
        self.references: set[str] = set()
        eid = data.get("id")
        if not isinstance(eid, str) or not ENTITY_ID.fullmatch(eid):
            raise ValueFailure(f"entity id {eid!r} is not an item or property id", "id")
        self.id = eid
        self.node = entity(eid)

    def map(self) -> tuple[list[Quad], str, NamedNode]:
        kind = self.data.get("type")
        expected = "item" if self.id[0] == "Q" else "property"
        if kind != expected:
            raise ValueFailure(f"entity {self.id} has type {kind!r}, expected {expected!r}", "type")
        add = self.triples.append
        add(Quad(self.node, RDF_TYPE, WB_ITEM if kind == "item" else WB_PROPERTY, self.graph))
        if kind == "property":
            self._property()
        self._terms()
        statements = identifiers = 0
        for pid, claims in (self.data.get("claims") or {}).items():
            props = predicates(pid)
            best = "preferred" if any(c.get("rank") == "preferred" for c in claims) else "normal"
            for index, claim in enumerate(claims):
                try:
                    self._statement(props, claim, best)
                except MAPPING_ERRORS as error:
                    raise _fail(f"claims.{pid}[{index}]", error) from None
                statements += 1
                identifiers += claim["mainsnak"].get("datatype") == "external-id"
        if kind == "item":
            add(Quad(self.node, WB_SITELINKS, _integer(self._sitelinks()), self.graph))
        add(Quad(self.node, WB_STATEMENTS, _integer(statements), self.graph))
        add(Quad(self.node, WB_IDENTIFIERS, _integer(identifiers), self.graph))
        self._revision()
        return self.triples, kind, self.node

    def _property(self) -> None:
        datatype = self.data.get("datatype")
        if not isinstance(datatype, str) or not datatype:
            raise ValueFailure(f"property {self.id} has no datatype", "datatype")
        # Wikibase's rule: ucwords(strtr($type, '-', ' ')) without non-word characters
        words = re.split(r"[-\s]+", datatype)
        type_name = re.sub(r"\W+", "", "".join(w[:1].upper() + w[1:] for w in words))
        add = self.triples.append
        add(Quad(self.node, WB_PROPERTY_TYPE, NamedNode(WIKIBASE + type_name), self.graph))
        for link, namespace in PROPERTY_LINKS:
            add(Quad(self.node, link, NamedNode(namespace + self.id), self.graph))

    def _terms(self) -> None:
        add, node, data, tags = self.triples.append, self.node, self.data, values.LANGUAGE_TAGS
        key, code = "labels", ""
        try:
            for code, term in (data.get("labels") or {}).items():  # noqa: B007 (used in except)
                lang = term["language"]
                text = Literal(term["value"], language=tags.get(lang) or values.language(lang))
                add(Quad(node, RDFS_LABEL, text, self.graph))
                add(Quad(node, SCHEMA_NAME, text, self.graph))
            key = "descriptions"
            for code, term in (data.get("descriptions") or {}).items():  # noqa: B007
                lang = term["language"]
                text = Literal(term["value"], language=tags.get(lang) or values.language(lang))
                add(Quad(node, SCHEMA_DESCRIPTION, text, self.graph))
            key = "aliases"
            for code, aliases in (data.get("aliases") or {}).items():  # noqa: B007
                for term in aliases:
                    lang = term["language"]
                    text = Literal(term["value"], language=tags.get(lang) or values.language(lang))
                    add(Quad(node, SKOS_ALT_LABEL, text, self.graph))
        except MAPPING_ERRORS as error:
            raise _fail(f"{key}.{code}", error) from None

    def _sitelinks(self) -> int:
        add, node, sites = self.triples.append, self.node, values.SITES
        site_id, count = "", 0
        try:
            for site_id, link in (self.data.get("sitelinks") or {}).items():
                site = sites.get(site_id) or values.site(site_id)
                title = link["title"]
                url = link.get("url")
                article = NamedNode(url) if url else values.article_iri(site, title)
                add(Quad(article, RDF_TYPE, SCHEMA_ARTICLE, self.graph))
                add(Quad(article, SCHEMA_ABOUT, node, self.graph))
                add(Quad(article, SCHEMA_IN_LANGUAGE, site.language_literal, self.graph))
                add(Quad(article, SCHEMA_IS_PART_OF, site.iri, self.graph))
                add(Quad(article, SCHEMA_NAME, Literal(title, language=site.language), self.graph))
                for badge in link.get("badges") or ():
                    add(Quad(article, WB_BADGE, entity(badge), self.graph))
                count += 1
        except MAPPING_ERRORS as error:
            raise _fail(f"sitelinks.{site_id}", error) from None
        return count

    def _revision(self) -> None:
        revision, modified = self.data.get("lastrevid"), self.data.get("modified")
        if isinstance(revision, int) and not isinstance(revision, bool):
            self.triples.append(Quad(self.node, SCHEMA_VERSION, _integer(revision), self.graph))
        if isinstance(modified, str) and _MODIFIED.fullmatch(modified):
            self.triples.append(
                Quad(
                    self.node,
                    SCHEMA_DATE_MODIFIED,
                    Literal(modified, datatype=XSD_DATETIME),
                    self.graph,
                )
            )

    def _statement(self, props: Predicates, claim: dict[str, Any], best: str) -> None:
        guid = claim["id"]
        if not isinstance(guid, str) or not guid:
            raise ValueFailure("statement has no id", "id")
        node = NamedNode(WDS + guid.replace("$", "-"))
        rank = claim.get("rank", "normal")
        rank_node = RANKS.get(rank)
        if rank_node is None:
            raise ValueFailure(f"unknown rank {rank!r}", "rank")
        add, known = self.triples.append, _predicates
        add(Quad(self.node, props.claim, node, self.graph))
        add(Quad(node, RDF_TYPE, WB_STATEMENT, self.graph))
        add(Quad(node, WB_RANK, rank_node, self.graph))
        mainsnak = claim["mainsnak"]
        try:
            value = self._snak(mainsnak, node, props.statement, guid, "main", 0)
        except MAPPING_ERRORS as error:
            raise _fail("mainsnak", error) from None
        if rank == best:
            add(Quad(node, RDF_TYPE, WB_BEST_RANK, self.graph))
            if value is not None:
                add(Quad(self.node, props.direct, value, self.graph))
            elif mainsnak["snaktype"] == "novalue":
                add(Quad(self.node, RDF_TYPE, props.novalue, self.graph))
        qualifiers = claim.get("qualifiers")
        if qualifiers:
            pid, index = "", 0
            try:
                for pid, snaks in qualifiers.items():
                    qualifier = (known.get(pid) or predicates(pid)).qualifier
                    for index, snak in enumerate(snaks):
                        self._snak(snak, node, qualifier, guid, pid, index)
            except MAPPING_ERRORS as error:
                raise _fail(f"qualifiers.{pid}[{index}]", error) from None
        references = claim.get("references")
        if references:
            for index, reference in enumerate(references):
                try:
                    add(Quad(node, PROV_WAS_DERIVED_FROM, self._reference(reference), self.graph))
                except MAPPING_ERRORS as error:
                    raise _fail(f"references[{index}]", error) from None

    def _reference(self, reference: dict[str, Any]) -> NamedNode:
        digest = reference["hash"]
        if not isinstance(digest, str) or not digest:
            raise ValueFailure("reference has no hash", "hash")
        node = NamedNode(WDREF + digest)
        if digest in self.references:
            return node
        self.references.add(digest)
        self.triples.append(Quad(node, RDF_TYPE, WB_REFERENCE, self.graph))
        pid, index, known = "", 0, _predicates
        try:
            for pid, snaks in reference["snaks"].items():
                predicate = (known.get(pid) or predicates(pid)).reference
                for index, snak in enumerate(snaks):
                    self._snak(snak, node, predicate, digest, pid, index)
        except MAPPING_ERRORS as error:
            raise _fail(f"snaks.{pid}[{index}]", error) from None
        return node

    def _snak(
        self,
        snak: dict[str, Any],
        subject: NamedNode,
        predicate: NamedNode,
        owner: str,
        role: str,
        index: int,
    ) -> NamedNode | Literal | None:
        """Add ``subject predicate value`` for one snak; return the value (None for novalue).

        ``owner``/``role``/``index`` (statement id or reference hash, "main" or the qualifier's
        property, position) seed the skolem IRI of a "some value" snak.
        """
        kind = snak["snaktype"]
        value: NamedNode | Literal
        if kind == "value":
            datavalue = snak["datavalue"]
            raw, value_type = datavalue["value"], datavalue["type"]
            try:
                if value_type == "wikibase-entityid":
                    value = ENTITIES.get(raw.get("id")) or entity_value(raw)
                elif value_type == "string" and snak.get("datatype") in PLAIN_STRINGS:
                    if not isinstance(raw, str):
                        raise ValueFailure(f"string value {raw!r} is not a string")
                    value = Literal(raw)
                else:
                    converter = VALUE_TYPES.get(value_type)
                    if converter is None:
                        raise ValueFailure(f"unsupported value type {value_type!r}")
                    value = converter(raw, snak.get("datatype"))
            except MAPPING_ERRORS as error:
                raise _fail("datavalue", error) from None
        elif kind == "somevalue":
            seed = f"{owner}/{role}/{index}".encode()
            value = NamedNode(GENID + hashlib.md5(seed, usedforsecurity=False).hexdigest())
        elif kind == "novalue":
            self.triples.append(
                Quad(subject, RDF_TYPE, predicates(snak["property"]).novalue, self.graph)
            )
            return None
        else:
            raise ValueFailure(f"unknown snaktype {kind!r}", "snaktype")
        self.triples.append(Quad(subject, predicate, value, self.graph))
        return value


def _integer(number: int) -> Literal:
    return Literal(str(number), datatype=XSD_INTEGER)


def map_entity(data: dict[str, Any], graph: NamedNode) -> tuple[list[Quad], str, NamedNode]:
    """The quads (in ``graph``) of one entity, its kind ("item" or "property") and its IRI.

    Raises :class:`ValueFailure` (with the JSON path of the culprit) when it cannot be mapped.
    """
    if not isinstance(data, dict):
        raise ValueFailure(f"an entity must be a JSON object, not {type(data).__name__}")
    try:
        return EntityMapper(data, graph).map()
    except ValueFailure:
        raise
    except MAPPING_ERRORS as error:
        raise _fail("", error) from None
