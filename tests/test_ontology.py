"""The vocabulary, its JSON-LD context, the reference graphs and the value tables."""

from __future__ import annotations

import ast
import csv
import json
from pathlib import Path

import pytest
import rdflib
from pyld import jsonld
from pyoxigraph import Literal, NamedNode, Triple

from commons_graph.errors import BadInput
from commons_graph.namespaces import CG, OWL, RDF_TYPE, RDFS, SCHEMA, SKOS, WD
from ontologies import CONTEXT_PATH, ONTOLOGY_PATH, context, ontology_triples, reference_graphs
from tests.conftest import shared_file

TABLES = Path(__file__).resolve().parents[1] / "mappings" / "tables"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"
LIVE_ESSGLOBAL = "https://lod.coop/essglobal/2.1/"
DEV_ESSGLOBAL = "https://dev.lod.coop/essglobal/2.1/"

REQUIRED_CLASSES = [
    "Organisation",
    "Cooperative",
    "Outlet",
    "HeritageInstitution",
    "Museum",
    "Library",
    "Archive",
    "Gallery",
    "University",
    "ResearchInstitution",
    "GovernmentBody",
    "VisitorAttraction",
    "Aggregator",
    "Corporation",
    "PrivateCollection",
    "Repository",
    "OpenCollection",
    "Registration",
    "Registrar",
    "IdentifierConflict",
    "Status",
    "Openness",
]
REQUIRED_PROPERTIES = [
    "registeredNumber",
    "registrar",
    "registration",
    "cuksId",
    "sicCode",
    "sicSection",
    "sector",
    "ownershipClassification",
    "legalForm",
    "status",
    "dissolutionDate",
    "wikidata",
    "sharedWikidataId",
    "openCollection",
    "platformName",
    "itemCount",
    "itemCountText",
    "rights",
    "rightsLabel",
    "openness",
    "isOpenLicence",
    "openAccessScope",
    "openAccessPolicy",
    "rightsStatementCompliance",
    "admissionPolicy",
    "firstOpenAccessInstance",
    "institutionType",
    "countryCode",
    "geoContainer",
    "outletOf",
    "primaryActivity",
    "organisationalStructure",
    "baseMembershipType",
]
PROPERTY_TYPES = {
    OWL + "ObjectProperty",
    OWL + "DatatypeProperty",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
}


def _table(name: str) -> list[dict[str, str]]:
    with (TABLES / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _objects(triples: list[Triple], subject: str, predicate: str) -> list[object]:
    return [
        t.object
        for t in triples
        if t.subject == NamedNode(subject) and t.predicate == NamedNode(predicate)
    ]


def _declared() -> set[str]:
    return {
        t.subject.value
        for t in ontology_triples()
        if isinstance(t.subject, NamedNode) and t.subject.value.startswith(CG)
    }


def _survey() -> list[dict[str, str]]:
    path = shared_file("glam", "open_glam_survey_20251119.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --- the vocabulary -------------------------------------------------------------------------


def test_ontology_parses_with_pyoxigraph_and_rdflib() -> None:
    triples = ontology_triples()
    graph = rdflib.Graph().parse(ONTOLOGY_PATH, format="turtle")
    assert len(triples) == len(graph) > 300
    header = "https://w3id.org/commons-graph/ns"
    assert NamedNode(OWL + "Ontology") in _objects(triples, header, str(RDF_TYPE.value))
    assert NamedNode(CC0) in _objects(triples, header, "http://purl.org/dc/terms/license")
    assert _objects(triples, header, OWL + "versionInfo")


def test_required_terms_are_declared_with_label_and_comment() -> None:
    triples = ontology_triples()
    for name in REQUIRED_CLASSES:
        assert NamedNode(OWL + "Class") in _objects(triples, CG + name, RDF_TYPE.value), name
    for name in REQUIRED_PROPERTIES:
        types = {o.value for o in _objects(triples, CG + name, RDF_TYPE.value)}  # type: ignore[attr-defined]
        assert types & PROPERTY_TYPES, name
    for name in REQUIRED_CLASSES + REQUIRED_PROPERTIES:
        labels = _objects(triples, CG + name, RDFS + "label")
        comments = _objects(triples, CG + name, RDFS + "comment")
        assert any(isinstance(x, Literal) and x.language == "en" for x in labels), name
        assert any(isinstance(x, Literal) and x.language == "en" for x in comments), name


def test_alignments() -> None:
    triples = ontology_triples()
    assert NamedNode(SCHEMA + "Organization") in _objects(
        triples, CG + "Organisation", OWL + "equivalentClass"
    )
    assert NamedNode(LIVE_ESSGLOBAL + "vocab/SSEInitiative") in _objects(
        triples, CG + "Cooperative", RDFS + "subClassOf"
    )
    assert NamedNode(WD + "Q4539") in _objects(triples, CG + "Cooperative", SKOS + "exactMatch")
    assert NamedNode(LIVE_ESSGLOBAL + "vocab/LocationOfSale") in _objects(
        triples, CG + "Outlet", RDFS + "subClassOf"
    )
    concepts = _objects(triples, CG + "OpennessScheme", SKOS + "hasTopConcept")
    assert {c.value for c in concepts} == {  # type: ignore[attr-defined]
        CG + "Open",
        CG + "OpenInUSOnly",
        CG + "NotOpen",
        CG + "OpennessUnknown",
    }


# --- the JSON-LD context --------------------------------------------------------------------


def _no_remote(url: str, options: object) -> object:
    raise AssertionError(f"the context tried to load {url}")


def test_context_is_local_and_covers_the_vocabulary() -> None:
    document = json.loads(CONTEXT_PATH.read_text(encoding="utf-8"))
    assert document == context()
    ctx = document["@context"]
    assert isinstance(ctx, dict)
    assert ctx["id"] == "@id" and ctx["type"] == "@type" and ctx["cg"] == CG
    declared = _declared()
    properties = {
        t.subject.value
        for t in ontology_triples()
        if isinstance(t.subject, NamedNode)
        and isinstance(t.object, NamedNode)
        and t.predicate == RDF_TYPE
        and t.object.value in PROPERTY_TYPES
        and t.subject.value.startswith(CG)
    }
    mapped = set()
    for term, definition in ctx.items():
        iri = definition["@id"] if isinstance(definition, dict) else definition
        if isinstance(iri, str) and iri.startswith("cg:"):
            assert CG + iri[3:] in declared, term
            mapped.add(CG + iri[3:])
    assert properties <= mapped, sorted(properties - mapped)


def test_context_round_trips_typed_values_offline() -> None:
    doc = {
        "@context": context()["@context"],
        "id": "http://example.org/id/coops/1",
        "type": "cg:Cooperative",
        "itemCount": 5,
        "dissolutionDate": "2001-02-03",
        "sharedWikidataId": True,
        "wikidata": "wd:Q42",
        "status": "cg:Dead",
        "name": "Example Co-operative",
    }
    options = {"documentLoader": _no_remote}
    expanded = jsonld.expand(doc, options)
    node = expanded[0]
    assert node[CG + "itemCount"][0]["@type"] == "http://www.w3.org/2001/XMLSchema#integer"
    assert node[CG + "dissolutionDate"][0]["@type"] == "http://www.w3.org/2001/XMLSchema#date"
    assert node[CG + "wikidata"][0]["@id"] == WD + "Q42"
    assert node[CG + "status"][0]["@id"] == CG + "Dead"
    compacted = jsonld.compact(expanded, context(), options)
    assert compacted["wikidata"] == "wd:Q42" and compacted["itemCount"] == 5


# --- value tables ---------------------------------------------------------------------------


def test_tables_have_a_value_column_and_declared_cg_terms() -> None:
    declared = _declared()
    names = sorted(p.stem for p in TABLES.glob("*.csv"))
    assert {"rights", "licences", "institution-types", "countries", "registrars"} <= set(names)
    for name in names:
        rows = _table(name)
        assert rows and next(iter(rows[0])) == "value", name
        values = [r["value"] for r in rows]
        assert len(values) == len(set(values)), f"{name}: duplicate values"
        for row in rows:
            for cell in row.values():
                if cell.startswith(CG):
                    assert cell in declared, f"{name}: {cell}"


def test_rights_and_licences_agree_with_the_ontology() -> None:
    triples = ontology_triples()
    by_notation = {
        t.object.value: t.subject.value  # type: ignore[union-attr]
        for t in triples
        if t.predicate == NamedNode(SKOS + "notation")
        and NamedNode(CG + "Openness") in _objects(triples, t.subject.value, RDF_TYPE.value)  # type: ignore[union-attr]
    }
    assert set(by_notation) == {"yes", "no", "us-only", "unknown"}
    for name in ("rights", "licences"):
        for row in _table(name):
            assert row["open"] in by_notation, row
            if row["iri"]:
                assert row["iri"].startswith(("http://", "https://")), row
                openness = _objects(triples, row["iri"], CG + "openness")
                assert openness == [NamedNode(by_notation[row["open"]])], row
    for row in _table("licences"):
        assert _objects(triples, row["iri"], CG + "isOpenLicence"), row


def test_institution_types_and_registrars_point_to_declared_individuals() -> None:
    triples = ontology_triples()
    for row in _table("institution-types"):
        assert NamedNode(OWL + "Class") in _objects(triples, row["class"], RDF_TYPE.value), row
        assert row["wikidata"] == "" or row["wikidata"].startswith(WD + "Q"), row
    assert next(r for r in _table("institution-types") if r["value"] == "Other")["class"] == (
        CG + "HeritageInstitution"
    )
    for row in _table("registrars"):
        if row["iri"]:
            assert NamedNode(CG + "Registrar") in _objects(triples, row["iri"], RDF_TYPE.value)


# --- coverage of the real data --------------------------------------------------------------


def test_every_survey_rights_value_country_and_type_has_a_row() -> None:
    rows = _survey()
    rights = {r["value"] for r in _table("rights")}
    used: set[str] = set()
    for row in rows:
        for i in range(6):
            cell = row.get(f"open_data_volume_rs{i}", "").strip()
            if cell:
                used.update(ast.literal_eval(cell))
        metadata = row["rights_statement_metadata"]
        if metadata not in {"", "None"}:
            used.add(metadata)
    assert {"Public Domain Mark", "CC BY", "CC0", "Other"} <= used
    assert used <= rights, sorted(used - rights)
    countries = {r["value"] for r in _table("countries")}
    survey_countries = {r["country"] for r in rows}
    assert len(survey_countries) == 57
    assert survey_countries <= countries, sorted(survey_countries - countries)
    types = {r["value"] for r in _table("institution-types")}
    assert {r["institution_type"] for r in rows} <= types


def test_country_codes_exist_in_essglobal() -> None:
    shared_file("vocab", "essglobal-standard-countries-iso.ttl")
    graphs = {g.source: g for g in reference_graphs(shared_file())}
    concepts = {t.subject for t in graphs["vocab-essglobal"].triples}
    for row in _table("countries"):
        if row["iso2"]:
            iri = NamedNode(LIVE_ESSGLOBAL + "standard/countries-iso/" + row["iso2"])
            assert iri in concepts, row
    for code in ("International",):
        assert next(r for r in _table("countries") if r["value"] == code)["iso2"] == ""


def test_coop_registrars_and_nations_have_rows() -> None:
    path = shared_file("coops", "coops-uk_open_data_organisations_2017-06.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["Registrar"] for r in rows} <= {r["value"] for r in _table("registrars")}
    countries = {r["value"]: r for r in _table("countries")}
    for nation in {r["UK Nation"] for r in rows} - {""}:
        assert countries[nation]["iso2"], nation
    for code in ("GB", "JE"):
        assert countries[code]["iso2"] == code


# --- reference graphs -----------------------------------------------------------------------


def test_reference_graphs_on_shared_data() -> None:
    shared = shared_file()
    shared_file("vocab", "essglobal-vocab.ttl")
    shared_file("glam", "rightsstatements", "rights-statements.ttl")
    graphs = {g.source: g for g in reference_graphs(shared)}
    assert set(graphs) == {"ontology", "vocab-essglobal", "vocab-rightsstatements"}
    assert graphs["ontology"].licence == CC0
    assert graphs["vocab-rightsstatements"].licence == CC0
    assert graphs["vocab-essglobal"].licence == "http://creativecommons.org/licenses/by/3.0/"

    ess = graphs["vocab-essglobal"].triples
    os130 = LIVE_ESSGLOBAL + "standard/organisational-structure/OS130"
    labels = _objects(ess, os130, SKOS + "prefLabel")
    assert any(isinstance(x, Literal) and x.language == "en" and x.value for x in labels)
    assert NamedNode(DEV_ESSGLOBAL + "standard/organisational-structure/OS130") in _objects(
        ess, os130, SKOS + "exactMatch"
    )
    for graph in graphs.values():
        for t in graph.triples:
            assert not (isinstance(t.object, Literal) and t.object.value.strip() == ""), t
            assert "purl.org/essglobal" not in str(t), t

    rs = graphs["vocab-rightsstatements"].triples
    ids = [
        "InC",
        "InC-OW-EU",
        "InC-EDU",
        "InC-NC",
        "InC-RUU",
        "NoC-CR",
        "NoC-NC",
        "NoC-OKLR",
        "NoC-US",
        "CNE",
        "UND",
        "NKC",
    ]
    assert len(ids) == 12
    for ident in ids:
        iri = f"http://rightsstatements.org/vocab/{ident}/1.0/"
        labels = _objects(rs, iri, SKOS + "prefLabel")
        assert any(isinstance(x, Literal) and x.language == "en" for x in labels), ident


def test_coop_essglobal_codes_resolve_through_dev_twins() -> None:
    path = shared_file("coops", "coops-uk_sea-standard-essglobal_2023-Q2.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    used = {
        r[col]
        for r in rows
        for col in ("Organisational Structure", "Primary Activity", "Membership Type")
        if r[col]
    }
    graphs = {g.source: g for g in reference_graphs(shared_file())}
    twins = {
        t.object.value  # type: ignore[union-attr]
        for t in graphs["vocab-essglobal"].triples
        if t.predicate == NamedNode(SKOS + "exactMatch")
    }
    assert used and used <= twins, sorted(used - twins)


def test_missing_shared_data_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="nowhere"):
        reference_graphs(tmp_path / "nowhere")
    (tmp_path / "vocab").mkdir()
    with pytest.raises(BadInput, match="essglobal"):
        reference_graphs(tmp_path)
