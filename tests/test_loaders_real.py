"""The CSV loaders on the real shared files: record counts, no rejects, and spot checks by SPARQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, QuerySolutions, Variable

from commons_graph.iris import Iris
from commons_graph.namespaces import CG, SCHEMA, WD
from graph import MemoryStore
from loaders.pipeline import load
from loaders.provenance import LoadReport
from tests.conftest import TEST_BASE, shared_file

pytestmark = pytest.mark.slow

IRIS = Iris(TEST_BASE)

FILES = {
    "coops-uk": ("coops-uk", "coops", "coops-uk_open_data_organisations_2017-06.csv"),
    "coops-uk-outlets": ("coops-uk", "coops", "coops-uk_open_data_outlets_2017-06.csv"),
    "sse-standard": ("essglobal-csv", "coops", "coops-uk_sea-standard-essglobal_2023-Q2.csv"),
    "glam-survey": ("glam-survey", "glam", "open_glam_survey_20251119.csv"),
}


class Loaded:
    def __init__(self, store: MemoryStore, reports: dict[str, LoadReport]) -> None:
        self.store = store
        self.reports = reports

    def select(self, sparql: str, **bindings: NamedNode | Literal) -> list[dict[str, str]]:
        """Run ``SELECT *`` (oxigraph substitutes only projected variables) with bound terms."""
        result = self.store.snapshot().query(
            sparql, substitutions={Variable(k): v for k, v in bindings.items()}
        )
        assert isinstance(result, QuerySolutions)
        names = [v.value for v in result.variables if v.value not in bindings]
        return [{n: row[n].value for n in names if row[n] is not None} for row in result]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    paths = {source: shared_file(folder, name) for source, (_, folder, name) in FILES.items()}
    store = MemoryStore()
    rejects = Path(tmp_path_factory.mktemp("rejects"))
    reports = {
        source: load(store, IRIS, FILES[source][0], str(path), rejects_dir=rejects)
        for source, path in paths.items()
    }
    yield Loaded(store, reports)
    store.close()


@pytest.mark.parametrize(
    ("source", "kind", "count"),
    [
        ("coops-uk", "organisation", 8371),
        ("coops-uk-outlets", "outlet", 6291),
        ("sse-standard", "organisation", 7387),
        ("glam-survey", "institution", 1720),
    ],
)
def test_counts_and_no_rejects(loaded: Loaded, source: str, kind: str, count: int) -> None:
    report = loaded.reports[source]
    assert report.source == source
    assert (report.read, report.loaded, report.rejected) == (count, count, 0)
    assert report.kinds[kind] == count
    assert report.rejects_path is None


def test_glam_platforms_and_conflicts(loaded: Loaded) -> None:
    kinds = loaded.reports["glam-survey"].kinds
    assert kinds["platform"] == 1844
    assert kinds["identifier-conflict"] == 9
    rows = loaded.select(
        "SELECT * WHERE { GRAPH ?g { ?i ?link ?c . ?c a ?type } }",
        g=IRIS.graph("glam-survey"),
        link=NamedNode(CG + "openCollection"),
        type=NamedNode(CG + "OpenCollection"),
    )
    assert len({r["c"] for r in rows}) == len(rows) == 1844
    rows = loaded.select(
        """SELECT * WHERE { GRAPH ?g {
             ?c a ?type ; ?value ?id ; ?claimant ?who . ?who ?flag true } }""",
        g=IRIS.graph("glam-survey"),
        type=NamedNode(CG + "IdentifierConflict"),
        value=NamedNode(CG + "conflictingIdentifier"),
        claimant=NamedNode(CG + "claimant"),
        flag=NamedNode(CG + "sharedWikidataId"),
    )
    claims = Counter(r["id"] for r in rows)
    assert len(claims) == 9
    assert claims.most_common(1) == [(WD + "Q784171", 3)]
    assert sorted(claims.values()) == [2] * 8 + [3]


def test_every_outlet_belongs_to_a_loaded_organisation(loaded: Loaded) -> None:
    outlets = loaded.select(
        "SELECT * WHERE { GRAPH ?g { ?o ?outletOf ?org } }",
        g=IRIS.graph("coops-uk-outlets"),
        outletOf=NamedNode(CG + "outletOf"),
    )
    assert len(outlets) == 6291
    targets = {r["org"] for r in outlets}
    assert len(targets) == 20
    coops = loaded.select(
        "SELECT * WHERE { GRAPH ?g { ?org a ?coop } }",
        g=IRIS.graph("coops-uk"),
        coop=NamedNode(CG + "Cooperative"),
    )
    assert len(coops) == 8371
    assert targets <= {r["org"] for r in coops}


def test_coops_uk_known_row(loaded: Loaded) -> None:
    rows = loaded.select(
        """SELECT * WHERE { GRAPH ?g {
             ?org ?legalName ?legal ; ?registration ?r ; ?statusP ?status .
             ?r ?numberP ?number ; ?registrarP ?registrar } }""",
        g=IRIS.graph("coops-uk"),
        org=IRIS.entity("coops-uk", "R000001"),
        legalName=NamedNode(SCHEMA + "legalName"),
        registration=NamedNode(CG + "registration"),
        statusP=NamedNode(CG + "status"),
        numberP=NamedNode(CG + "registeredNumber"),
        registrarP=NamedNode(CG + "registrar"),
    )
    assert rows == [
        {
            "r": IRIS.entity("coops-uk", "R000001", "registration").value,
            "legal": "Co-operative Group Limited",
            "number": "525R",
            "registrar": CG + "Registrar-FCA",
            "status": CG + "Live",
        }
    ]


def test_standard_csv_known_row(loaded: Loaded) -> None:
    rows = loaded.select(
        """SELECT * WHERE { GRAPH ?g {
             ?org ?nameP ?name ; ?geo ?pt ; ?os ?structure ; ?containerP ?container ;
                  ?registration ?r . ?r ?numberP ?number .
             ?pt ?latP ?lat ; ?lonP ?lon } }""",
        g=IRIS.graph("sse-standard"),
        org=IRIS.entity("sse-standard", "R007634"),
        nameP=NamedNode(SCHEMA + "name"),
        geo=NamedNode(SCHEMA + "geo"),
        latP=NamedNode(SCHEMA + "latitude"),
        lonP=NamedNode(SCHEMA + "longitude"),
        os=NamedNode(CG + "organisationalStructure"),
        containerP=NamedNode(CG + "geoContainer"),
        registration=NamedNode(CG + "registration"),
        numberP=NamedNode(CG + "registeredNumber"),
    )
    assert rows == [
        {
            "pt": IRIS.entity("sse-standard", "R007634", "geo").value,
            "r": IRIS.entity("sse-standard", "R007634", "registration").value,
            "name": "Argyll Fencer's Co-operative Ltd",
            "number": "SC399880",
            "lat": "56.437628",
            "lon": "-4.810429",
            "structure": "https://lod.coop/essglobal/2.1/standard/organisational-structure/OS50",
            "container": "http://data.ordnancesurvey.co.uk/id/postcodeunit/FK208SB",
        }
    ]


def test_glam_known_rows(loaded: Loaded) -> None:
    g = IRIS.graph("glam-survey")
    rows = loaded.select(
        """SELECT * WHERE { GRAPH ?g {
             ?i a ?museum ; ?wikidata ?wd ; ?codeP ?code ; ?countryP ?country } }""",
        g=g,
        i=IRIS.entity("glam-survey", "amgueddfa-cymru"),
        museum=NamedNode(CG + "Museum"),
        wikidata=NamedNode(CG + "wikidata"),
        codeP=NamedNode(CG + "countryCode"),
        countryP=NamedNode(CG + "country"),
    )
    assert rows == [{"wd": WD + "Q2046319", "code": "GB", "country": WD + "Q145"}]
    rows = loaded.select(
        "SELECT * WHERE { GRAPH ?g { ?i ?sameAs ?url } }",
        g=g,
        sameAs=NamedNode(SCHEMA + "sameAs"),
        url=NamedNode("https://it.wikipedia.org/wiki/Museo_del_fantastico_e_della_fantascienza"),
    )
    assert len(rows) == 1
    rows = loaded.select(
        "SELECT * WHERE { GRAPH ?g { ?c ?p ?text } }",
        g=g,
        p=NamedNode(CG + "itemCountText"),
    )
    assert [r["text"] for r in rows] == ["This category contains only the following file."] * 2
