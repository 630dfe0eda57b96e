"""Standard namespace IRIs (as strings) and the few terms several modules share.

Namespaces are plain strings, to be joined with a local name (``NamedNode(SCHEMA + "name")``);
the shared terms are ready-made ``NamedNode``s. The project's own vocabulary ``CG`` is defined
by ``commons_graph.iris`` (with the IRI scheme) and re-exported here.
"""

from __future__ import annotations

from pyoxigraph import NamedNode

from commons_graph.iris import CG as CG  # re-exported: the IRI scheme defines it
from commons_graph.iris import WD as WD

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
DCAT = "http://www.w3.org/ns/dcat#"
PROV = "http://www.w3.org/ns/prov#"
VOID = "http://rdfs.org/ns/void#"
FOAF = "http://xmlns.com/foaf/0.1/"
SCHEMA = "http://schema.org/"
GEO = "http://www.opengis.net/ont/geosparql#"
AS = "https://www.w3.org/ns/activitystreams#"

# Wikidata / Wikibase RDF model (https://www.mediawiki.org/wiki/Wikibase/Indexing/RDF_Dump_Format).
WIKIBASE = "http://wikiba.se/ontology#"
WDT = "http://www.wikidata.org/prop/direct/"
P = "http://www.wikidata.org/prop/"
PS = "http://www.wikidata.org/prop/statement/"
PQ = "http://www.wikidata.org/prop/qualifier/"
PR = "http://www.wikidata.org/prop/reference/"
WDS = "http://www.wikidata.org/entity/statement/"
WDREF = "http://www.wikidata.org/reference/"
WDV = "http://www.wikidata.org/value/"

RDF_TYPE = NamedNode(RDF + "type")
RDFS_LABEL = NamedNode(RDFS + "label")
RDFS_COMMENT = NamedNode(RDFS + "comment")
SKOS_PREF_LABEL = NamedNode(SKOS + "prefLabel")
SKOS_ALT_LABEL = NamedNode(SKOS + "altLabel")
SCHEMA_NAME = NamedNode(SCHEMA + "name")
SCHEMA_SAME_AS = NamedNode(SCHEMA + "sameAs")
SCHEMA_ABOUT = NamedNode(SCHEMA + "about")
PROV_WAS_DERIVED_FROM = NamedNode(PROV + "wasDerivedFrom")
WIKIBASE_ITEM = NamedNode(WIKIBASE + "Item")
