"""Dereferenceable IRIs: entities, Wikidata items, the vocabulary and the JSON-LD context.

* ``/id/{source}/{key}`` — an entity's description (:mod:`graph.describe`), by content
  negotiation or with a ``.jsonld``, ``.ttl``, ``.nt``, ``.rdf`` or ``.html`` suffix;
* ``/wikidata/Q…`` — a Wikidata item loaded into the graph, in the same formats;
* ``/ns`` (and ``/ns.ttl``, ``/ns.jsonld``, ``/ns.html``) — the vocabulary. Its namespace
  ``https://w3id.org/commons-graph/ns#`` does not depend on BASE; the w3id.org redirect points at
  this path of the deployment. The JSON-LD form carries the context as its ``@context``, so the
  namespace also serves as the context document;
* ``/context.jsonld`` — the JSON-LD context alone.

Unknown ids get a 404 in the project's error body (as an HTML page when HTML was asked for).
"""

from __future__ import annotations

import hashlib
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from pyoxigraph import NamedNode, QuerySolutions, RdfFormat, Triple, Variable, serialize

from api.jsonld import compactor
from api.ld_html import Linker, Related, entity_page, error_page, vocabulary_page
from api.linked_data import (
    LinkedData,
    LinkedDataDep,
    etag_of,
    http_date,
    not_modified,
    validators,
)
from api.negotiation import Format, negotiate
from commons_graph.errors import CommonsGraphError, NotFound
from commons_graph.iris import CG, WD
from graph.changes import last_modified
from graph.describe import describe
from graph.store import Snapshot
from ontologies import context, ontology_triples

router = APIRouter(tags=["linked data"])

SUFFIXES = {"jsonld": "jsonld", "ttl": "ttl", "nt": "nt", "rdf": "rdf", "html": "html"}
_RDF_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "rdfxml": RdfFormat.RDF_XML,
}
FormatParam = Annotated[
    str | None, Query(alias="format", description="jsonld, ttl, nt, rdf or html")
]

_RELATED = """
PREFIX cg: <https://w3id.org/commons-graph/ns#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?other ?g ?e WHERE {
  {
    GRAPH ?home { ?e cg:cuksId ?id } GRAPH ?g { ?other cg:cuksId ?id }
  } UNION {
    GRAPH ?home { ?e cg:wikidata ?w } GRAPH ?g { ?other cg:wikidata ?w }
  } UNION {
    GRAPH ?g { ?e cg:wikidata ?other }
  } UNION {
    GRAPH ?g { ?other cg:wikidata ?e }
  } UNION {
    GRAPH ?g { ?e owl:sameAs|schema:sameAs|skos:exactMatch|cg:outletOf ?other }
  } UNION {
    GRAPH ?g { ?other owl:sameAs|schema:sameAs|skos:exactMatch|cg:outletOf ?e }
  }
  FILTER(?other != ?e && isIRI(?other))
}
ORDER BY ?other
LIMIT 200
"""


def split_suffix(key: str) -> tuple[str, str | None]:
    """``("R1", "ttl")`` for ``"R1.ttl"``; ``(key, None)`` without a known suffix."""
    stem, dot, suffix = key.rpartition(".")
    if dot and stem and suffix in SUFFIXES:
        return stem, SUFFIXES[suffix]
    return key, None


def choose(request: Request, suffix: str | None, fmt: str | None) -> Format:
    return negotiate(request.headers.get("accept"), suffix or fmt, ("graph", "html"))


def related(snapshot: Snapshot, ld: LinkedData, entity: NamedNode) -> list[Related]:
    rows = snapshot.query(_RELATED, substitutions={Variable("e"): entity})
    assert isinstance(rows, QuerySolutions)
    found = []
    for row in rows:
        iri = row["other"].value
        graph = row["g"]
        source = ld.iris.source_of_graph(graph) if isinstance(graph, NamedNode) else None
        where = "Wikidata" if iri.startswith(WD) else (source or "")
        found.append(Related(iri, where))
    return found


def represent(
    request: Request,
    ld: LinkedData,
    snapshot: Snapshot,
    entity: NamedNode,
    graph: NamedNode,
    source: str,
    fmt: Format,
) -> Response:
    """The response for ``entity`` described in ``graph``, with validators and 304s."""
    triples = describe(snapshot, entity, graph)
    if not triples:
        raise NotFound(f"{entity.value} is not described in source {source!r}")
    lines = sorted(str(t) for t in triples)
    etag = etag_of(
        fmt.key, ld.settings.base_url, hashlib.sha256("\n".join(lines).encode()).digest()
    )
    info = ld.sources(snapshot).get(source)
    stamp = last_modified(snapshot, ld.iris, source, entity) or (info.modified if info else None)
    modified = http_date(stamp)
    cached = not_modified(request, etag, modified)
    if cached is not None:
        return cached
    headers = {**validators(etag, modified), "Vary": "Accept", "Link": _alternates(request)}
    if fmt.key == "jsonld":
        doc = compactor().document(triples, entity, ld.context_url)
        return Response(orjson.dumps(doc), media_type=fmt.content_type, headers=headers)
    if fmt.key == "html":
        linker = Linker(ld.settings.base_url)
        formats = [(name, f"{_stem_path(request)}.{name}") for name in ("jsonld", "ttl", "nt")]
        body = entity_page(entity, triples, info, related(snapshot, ld, entity), linker, formats)
        return HTMLResponse(body, headers=headers)
    return Response(_rdf(triples, fmt), media_type=fmt.content_type, headers=headers)


def _rdf(triples: list[Triple], fmt: Format) -> bytes:
    prefixes = {name: ns for ns, name in compactor().prefixes.items()}
    rdf_format = _RDF_FORMATS[fmt.key]
    if rdf_format is RdfFormat.N_TRIPLES:
        data = serialize(triples, format=rdf_format)
    else:
        data = serialize(triples, format=rdf_format, prefixes=prefixes)
    assert data is not None
    return data


def _stem_path(request: Request) -> str:
    """The request's path without its format suffix."""
    head, _, last = request.url.path.rpartition("/")
    return f"{head}/{split_suffix(last)[0]}"


def _alternates(request: Request) -> str:
    stem = _stem_path(request)
    return ", ".join(
        f'<{stem}.{suffix}>; rel="alternate"; type="{media}"'
        for suffix, media in (
            ("jsonld", "application/ld+json"),
            ("ttl", "text/turtle"),
            ("nt", "application/n-triples"),
            ("html", "text/html"),
        )
    )


def _html_errors(fmt: Format | None, err: CommonsGraphError) -> Response:
    if fmt is not None and fmt.key == "html":
        return HTMLResponse(error_page(err), status_code=err.status)
    raise err


@router.get("/id/{source}/{key:path}")
def entity(
    source: str, key: str, request: Request, ld: LinkedDataDep, format: FormatParam = None
) -> Response:
    """An entity of a source, e.g. ``/id/coops-uk/R000006`` or ``/id/coops-uk/R000006.jsonld``."""
    snapshot = ld.store.snapshot()
    fmt: Format | None = None
    try:
        info = ld.source(snapshot, source)
        graph = NamedNode(info.graph)
        stem, suffix = split_suffix(key)
        if suffix is not None and next(
            snapshot.quads(ld.iris.entity(source, key), None, None, graph), None
        ):
            stem, suffix = key, None  # the suffix is part of the key
        fmt = choose(request, suffix, format)
        return represent(request, ld, snapshot, ld.iris.entity(source, stem), graph, source, fmt)
    except NotFound as err:
        if fmt is None:
            fmt = _quiet_choice(request, key, format)
        return _html_errors(fmt, err)


def _quiet_choice(request: Request, key: str, format: str | None) -> Format | None:
    try:
        return choose(request, split_suffix(key)[1], format)
    except CommonsGraphError:
        return None


@router.get("/wikidata/{qid}")
def wikidata_item(
    qid: str, request: Request, ld: LinkedDataDep, format: FormatParam = None
) -> Response:
    """A Wikidata item (or property) as loaded into the graph: ``/wikidata/Q42`` or ``.jsonld``."""
    stem, suffix = split_suffix(qid)
    fmt = _quiet_choice(request, qid, format)
    try:
        if not (stem[:1] in "QPL" and stem[1:].isdigit()):
            raise NotFound(f"{stem!r} is not a Wikidata id (Q…, P… or L… followed by digits)")
        fmt = choose(request, suffix, format)
        snapshot = ld.store.snapshot()
        item = NamedNode(WD + stem)
        for info in ld.sources(snapshot).values():
            graph = NamedNode(info.graph)
            if next(snapshot.quads(item, None, None, graph), None) is not None:
                return represent(request, ld, snapshot, item, graph, info.source, fmt)
        raise NotFound(f"Wikidata item {stem} is not in the graph")
    except NotFound as err:
        return _html_errors(fmt, err)


@router.get("/context.jsonld")
def context_document(request: Request) -> Response:
    body = orjson.dumps(context())
    etag = etag_of(body)
    cached = not_modified(request, etag, None)
    return cached or Response(body, media_type="application/ld+json", headers={"ETag": etag})


@router.get("/ns")
@router.get("/ns.{suffix}")
def vocabulary(
    request: Request, ld: LinkedDataDep, suffix: str | None = None, format: FormatParam = None
) -> Response:
    """The vocabulary at its namespace (``https://w3id.org/commons-graph/ns#`` redirects here)."""
    if suffix is not None and suffix not in SUFFIXES:
        raise NotFound(f"/ns.{suffix}: use /ns.ttl, /ns.jsonld, /ns.nt, /ns.rdf or /ns.html")
    fmt = choose(request, SUFFIXES.get(suffix or ""), format)
    triples = ontology_triples()
    etag = etag_of(fmt.key, "ns", *sorted(str(t) for t in triples))
    cached = not_modified(request, etag, None)
    if cached is not None:
        return cached
    headers = {"ETag": etag, "Vary": "Accept"}
    if fmt.key == "jsonld":
        ontology = NamedNode(CG.rstrip("#"))
        body = compactor().frame(triples, ontology, embed=False)
        doc = {"@context": context()["@context"], **body}
        return Response(orjson.dumps(doc), media_type=fmt.content_type, headers=headers)
    if fmt.key == "html":
        return HTMLResponse(
            vocabulary_page(triples, CG, Linker(ld.settings.base_url)), headers=headers
        )
    return Response(_rdf(triples, fmt), media_type=fmt.content_type, headers=headers)
