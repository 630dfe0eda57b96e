"""/catalog (a DCAT 3 catalogue, JSON-LD) and /.well-known/void (VoID, Turtle or JSON-LD).

Each source is one ``dcat:Dataset`` (title, licence, publisher, source, ``dct:modified``, triple
and entity counts) with its dumps as ``dcat:Distribution``s and the SPARQL endpoint as the
``dcat:DataService`` that serves it. The catalogue is built from the metadata graph
(:func:`loaders.provenance.list_sources`) and compacted with the published context.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from api.jsonld import compactor
from api.linked_data import LinkedData, LinkedDataDep, etag_of, not_modified
from api.negotiation import negotiate
from api.routers.dumps import MEDIA, dump_url
from commons_graph.namespaces import DCAT, DCT, FOAF, RDF_TYPE, VOID, XSD
from graph.store import Snapshot

router = APIRouter(tags=["linked data"])

PUBLISHER = "Commons Graph"


def _n(ns: str, local: str) -> NamedNode:
    return NamedNode(ns + local)


def _int(value: int) -> Literal:
    return Literal(str(value), datatype=_n(XSD, "integer"))


def catalogue_triples(ld: LinkedData, snapshot: Snapshot) -> tuple[NamedNode, list[Triple]]:
    """The DCAT 3 catalogue and VoID descriptions of every source, as triples."""
    base = ld.settings.base_url
    catalog = NamedNode(f"{base}/catalog")
    service = NamedNode(f"{base}/sparql")
    publisher = NamedNode(f"{base}/catalog#publisher")
    out = [
        Triple(catalog, RDF_TYPE, _n(DCAT, "Catalog")),
        Triple(catalog, _n(DCT, "title"), Literal("Commons Graph", language="en")),
        Triple(catalog, _n(DCT, "publisher"), publisher),
        Triple(publisher, RDF_TYPE, _n(FOAF, "Agent")),
        Triple(publisher, _n(FOAF, "name"), Literal(PUBLISHER)),
        Triple(service, RDF_TYPE, _n(DCAT, "DataService")),
        Triple(service, _n(DCT, "title"), Literal("SPARQL 1.1 endpoint", language="en")),
        Triple(service, _n(DCAT, "endpointURL"), service),
        Triple(
            service, _n(DCT, "conformsTo"), NamedNode("https://www.w3.org/TR/sparql11-protocol/")
        ),
    ]
    for name, info in sorted(ld.sources(snapshot).items()):
        dataset = NamedNode(info.graph)
        out += [
            Triple(catalog, _n(DCAT, "dataset"), dataset),
            Triple(service, _n(DCAT, "servesDataset"), dataset),
            Triple(dataset, RDF_TYPE, _n(DCAT, "Dataset")),
            Triple(dataset, RDF_TYPE, _n(VOID, "Dataset")),
            Triple(dataset, _n(DCT, "identifier"), Literal(name)),
            Triple(dataset, _n(DCT, "title"), Literal(name)),
            Triple(dataset, _n(DCT, "publisher"), publisher),
            Triple(dataset, _n(DCT, "source"), Literal(info.input)),
            Triple(
                dataset, _n(DCT, "modified"), Literal(info.modified, datatype=_n(XSD, "dateTime"))
            ),
            Triple(dataset, _n(VOID, "triples"), _int(info.triples)),
            Triple(dataset, _n(VOID, "entities"), _int(info.loaded)),
            Triple(dataset, _n(VOID, "sparqlEndpoint"), service),
            Triple(dataset, _n(DCAT, "landingPage"), NamedNode(f"{base}/collections/{name}")),
        ]
        if info.licence:
            out.append(Triple(dataset, _n(DCT, "license"), NamedNode(info.licence)))
        for kind, media in MEDIA.items():
            url = NamedNode(dump_url(ld, name, kind))
            dist = NamedNode(f"{info.graph}#dump-{kind}")
            out += [
                Triple(dataset, _n(DCAT, "distribution"), dist),
                Triple(dataset, _n(VOID, "dataDump"), url),
                Triple(dist, RDF_TYPE, _n(DCAT, "Distribution")),
                Triple(dist, _n(DCAT, "downloadURL"), url),
                Triple(
                    dist,
                    _n(DCAT, "mediaType"),
                    NamedNode(f"https://www.iana.org/assignments/media-types/{media}"),
                ),
                Triple(
                    dist,
                    _n(DCAT, "compressFormat"),
                    NamedNode("https://www.iana.org/assignments/media-types/application/gzip"),
                ),
            ]
            if info.licence:
                out.append(Triple(dist, _n(DCT, "license"), NamedNode(info.licence)))
    # after the datasets, so that the JSON-LD embeds them under the catalogue, not the service
    out.append(Triple(catalog, _n(DCAT, "service"), service))
    return catalog, out


def _jsonld(ld: LinkedData, root: NamedNode, triples: list[Triple]) -> bytes:
    body: dict[str, Any] = compactor().frame(triples, root)
    return orjson.dumps({"@context": ld.context_url, **body})


@router.get("/catalog")
def catalog(request: Request, ld: LinkedDataDep) -> Response:
    """The DCAT 3 catalogue, as JSON-LD."""
    root, triples = catalogue_triples(ld, ld.store.snapshot())
    body = _jsonld(ld, root, triples)
    etag = etag_of(body)
    return not_modified(request, etag, None) or Response(
        body, media_type="application/ld+json", headers={"ETag": etag}
    )


@router.get("/.well-known/void")
def void(request: Request, ld: LinkedDataDep) -> Response:
    """The VoID description (RFC 5785 well-known location), as Turtle or JSON-LD."""
    fmt = negotiate(request.headers.get("accept"), request.query_params.get("format"), ("graph",))
    root, triples = catalogue_triples(ld, ld.store.snapshot())
    if fmt.key == "jsonld":
        body = _jsonld(ld, root, triples)
    else:
        prefixes = {name: ns for ns, name in compactor().prefixes.items()}
        if fmt.key == "ntriples":
            data = serialize(triples, format=RdfFormat.N_TRIPLES)
        else:
            kind = RdfFormat.RDF_XML if fmt.key == "rdfxml" else RdfFormat.TURTLE
            data = serialize(triples, format=kind, prefixes=prefixes)
        assert data is not None
        body = data
    etag = etag_of(fmt.key, body)
    return not_modified(request, etag, None) or Response(
        body, media_type=fmt.content_type, headers={"ETag": etag, "Vary": "Accept"}
    )
