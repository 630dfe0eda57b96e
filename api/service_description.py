"""The SPARQL 1.1 Service Description of /sparql, for a GET without a query from an RDF client.

Besides ``sd:endpoint``, the languages, result formats and features, it states the endpoint's
limits with the project vocabulary: ``cg:rowCap`` (results are cut after this many rows, and the
response then carries ``Commons-Graph-Truncated: true``), ``cg:queryTimeout`` (seconds) and
``cg:maxRequestBytes``. The default graph is the union of all graphs (``sd:UnionDefaultGraph``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from api.negotiation import FORMATS
from commons_graph.namespaces import CG, RDF_TYPE, RDFS_COMMENT, XSD
from commons_graph.settings import Settings

SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "rdfxml": "RDF_XML",
    "jsonld": "JSON-LD",
}
_RDF_FORMATS = {
    "turtle": RdfFormat.TURTLE,
    "ntriples": RdfFormat.N_TRIPLES,
    "rdfxml": RdfFormat.RDF_XML,
    "jsonld": RdfFormat.JSON_LD,
}


def _sd(name: str) -> NamedNode:
    return NamedNode(SD + name)


def description(endpoint: str, settings: Settings) -> Iterator[Triple]:
    """The triples of the service description of ``endpoint``."""
    service = BlankNode()
    dataset = BlankNode()
    default_graph = BlankNode()
    yield Triple(service, RDF_TYPE, _sd("Service"))
    yield Triple(service, _sd("endpoint"), NamedNode(endpoint))
    yield Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query"))
    if settings.admin_token:
        yield Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Update"))
    for fmt in FORMATS:
        if fmt.key in _FORMAT_IRIS:
            iri = NamedNode("http://www.w3.org/ns/formats/" + _FORMAT_IRIS[fmt.key])
            yield Triple(service, _sd("resultFormat"), iri)
    yield Triple(service, _sd("feature"), _sd("UnionDefaultGraph"))
    if settings.service_allowlist:
        yield Triple(service, _sd("feature"), _sd("BasicFederatedQuery"))
    yield Triple(service, _sd("defaultDataset"), dataset)
    yield Triple(dataset, RDF_TYPE, _sd("Dataset"))
    yield Triple(dataset, _sd("defaultGraph"), default_graph)
    yield Triple(default_graph, RDF_TYPE, _sd("Graph"))
    yield Triple(
        default_graph,
        RDFS_COMMENT,
        Literal("The union of all graphs: every source graph and the metadata graph."),
    )
    yield Triple(
        service,
        NamedNode(CG + "rowCap"),
        Literal(str(settings.max_rows), datatype=NamedNode(XSD + "integer")),
    )
    yield Triple(
        service,
        NamedNode(CG + "queryTimeout"),
        Literal(f"{settings.query_timeout:g}", datatype=NamedNode(XSD + "decimal")),
    )
    yield Triple(
        service,
        NamedNode(CG + "maxRequestBytes"),
        Literal(str(settings.max_body_bytes), datatype=NamedNode(XSD + "integer")),
    )
    yield Triple(
        service,
        RDFS_COMMENT,
        Literal(
            f"Read-only SPARQL 1.1 endpoint. Results are capped at {settings.max_rows} rows; a "
            "capped response carries the header Commons-Graph-Truncated: true. Each query has "
            f"a time limit of {settings.query_timeout:g} s. SERVICE and LOAD reach only "
            "allow-listed endpoints. Updates need the admin bearer token."
        ),
    )


def serialized(endpoint: str, settings: Settings, format_key: str) -> bytes:
    out = io.BytesIO()
    serialize(
        description(endpoint, settings),
        out,
        _RDF_FORMATS[format_key],
        prefixes={"sd": SD, "cg": CG},
    )
    return out.getvalue()
