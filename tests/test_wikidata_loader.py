"""The ``wikidata`` loader: layouts, the WDQS RDF model, best ranks, rejects and bad input."""

from __future__ import annotations

import gzip
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Triple, parse

from commons_graph.errors import BadInput
from commons_graph.iris import Iris
from commons_graph.namespaces import (
    GEO,
    PQ,
    PR,
    PROV_WAS_DERIVED_FROM,
    PS,
    RDF_TYPE,
    WD,
    WDT,
    WIKIBASE,
    P,
)
from loaders.base import LoadContext, Mapped, Record, Rejected
from loaders.wikidata import LOADER
from loaders.wikidata_values import coordinate, date_time, decimal
from tests.conftest import TEST_BASE, shared_file

WKT = NamedNode(GEO + "wktLiteral")
GREGORIAN = WD + "Q1985727"
JULIAN = WD + "Q1985786"
DEMO = Path(__file__).resolve().parents[1] / "demo" / "wikidata.json"


def run(data: bytes | Path, **options: object) -> list[Record]:
    ctx = LoadContext(
        source="wikidata", input_name="test.json", iris=Iris(TEST_BASE), options=options
    )
    if isinstance(data, Path):
        opener = gzip.open if data.suffix == ".gz" else open
        with opener(data, "rb") as stream:
            return list(LOADER.records(stream, ctx))  # type: ignore[arg-type]
    return list(LOADER.records(io.BytesIO(data), ctx))


def dump(*entities: dict[str, Any] | str) -> bytes:
    """The official dump layout; a str is written as a verbatim (possibly broken) line."""
    lines = [e if isinstance(e, str) else json.dumps(e, separators=(",", ":")) for e in entities]
    return ("[\n" + ",\n".join(lines) + "\n]\n").encode()


def mapped(records: list[Record]) -> list[Mapped]:
    return [r for r in records if isinstance(r, Mapped)]


def rejected(records: list[Record]) -> list[Rejected]:
    return [r for r in records if isinstance(r, Rejected)]


def statements(record: Mapped) -> list[Quad | Triple]:
    """A record's statements, whether mapped in this process or serialised by a worker."""
    if record.nquads:
        return list(parse(record.nquads, RdfFormat.N_QUADS))
    return list(record.triples)


def text(term: object) -> str:
    assert isinstance(term, NamedNode | BlankNode | Literal), term
    return term.value


def objects(triples: list[Triple], subject: str, predicate: str) -> set[str]:
    return {
        text(t.object)
        for t in triples
        if t.subject == NamedNode(subject) and t.predicate == NamedNode(predicate)
    }


def item_snak(pid: str, qid: str) -> dict[str, Any]:
    value = {"entity-type": "item", "numeric-id": int(qid[1:]), "id": qid}
    return {
        "snaktype": "value",
        "property": pid,
        "datavalue": {"value": value, "type": "wikibase-entityid"},
        "datatype": "wikibase-item",
    }


def statement(qid: str, n: int, snak: dict[str, Any], rank: str = "normal") -> dict[str, Any]:
    return {"mainsnak": snak, "type": "statement", "id": f"{qid}${n:08d}-AAAA", "rank": rank}


def entity(qid: str, claims: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    return {
        "type": "item",
        "id": qid,
        "labels": {"en": {"language": "en", "value": f"label of {qid}"}},
        "descriptions": {},
        "aliases": {},
        "claims": claims or {},
        "sitelinks": {},
    }


def time_value(time: str, precision: int, calendar: str = GREGORIAN) -> dict[str, object]:
    return {"time": time, "precision": precision, "calendarmodel": calendar}


# --- the real sample --------------------------------------------------------------------------


def test_real_sample_maps_826_items_and_6_properties_without_rejects() -> None:
    records = run(shared_file("wikidata", "entities-sample.json.gz"))
    assert Counter(r.kind for r in mapped(records)) == {"item": 826, "property": 6}
    assert rejected(records) == []
    for record in mapped(records)[:50]:
        for triple in statements(record):
            assert not isinstance(triple.subject, BlankNode)
            assert not isinstance(triple.object, BlankNode)


def test_only_ids_keeps_just_those_entities() -> None:
    records = run(shared_file("wikidata", "entities-sample.json.gz"), only_ids={"Q636400", "P856"})
    assert rejected(records) == []
    subjects = {text(r.triples[0].subject) for r in mapped(records)}
    assert subjects == {WD + "Q636400", WD + "P856"}


def test_only_ids_uses_the_top_level_id_and_skips_other_lines_unparsed() -> None:
    # Q7's claims mention Q42 in a nested "id"; the top-level id is what counts.
    q7 = entity("Q7", {"P31": [statement("Q7", 1, item_snak("P31", "Q42"))]})
    # "labels" before "id": the fast path cannot see the id, so the line is parsed in full.
    late_id = {"type": "item", "labels": {}, "id": "Q42", "claims": {}, "sitelinks": {}}
    broken_other = '{"type":"item","id":"Q5","labels":{ this line is not JSON'
    records = run(dump(q7, broken_other, late_id), only_ids={"Q42"})
    assert rejected(records) == []  # the broken Q5 line was skipped, never parsed
    (only,) = mapped(records)
    assert only.triples[0].subject == NamedNode(WD + "Q42")


# --- layouts ----------------------------------------------------------------------------------


def test_special_entity_data_layout() -> None:
    document = {
        "entities": {
            "Q1": entity("Q1", {"P31": [statement("Q1", 1, item_snak("P31", "Q5"))]}),
            "P2": {"type": "property", "datatype": "external-id", "id": "P2", "labels": {}},
            "Q404": {"id": "Q404", "missing": ""},
        }
    }
    records = run(json.dumps(document, indent=2).encode())
    assert [r.kind for r in mapped(records)] == ["item", "property"]
    item, prop = mapped(records)
    assert objects(list(item.triples), WD + "Q1", WDT + "P31") == {WD + "Q5"}
    assert objects(list(prop.triples), WD + "P2", WIKIBASE + "propertyType") == {
        WIKIBASE + "ExternalId"
    }
    (missing,) = rejected(records)
    assert "does not exist" in missing.reason
    assert missing.line > 1
    assert [r.kind for r in mapped(run(json.dumps(document).encode(), only_ids={"P2"}))] == [
        "property"
    ]


def test_a_pretty_printed_array_is_read_as_one_document() -> None:
    data = json.dumps([entity("Q1"), entity("Q2")], indent=2).encode()
    records = run(data, only_ids={"Q2"})
    assert [r.entity for r in mapped(records)] == [NamedNode(WD + "Q2")]


def test_single_pretty_printed_entity_file() -> None:
    records = run(shared_file("wikidata", "Q636400.json"))
    (record,) = mapped(records)
    assert record.kind == "item"
    triples = list(record.triples)
    q = WD + "Q636400"
    (point,) = [t.object for t in triples if t.predicate == NamedNode(WDT + "P625")]
    assert isinstance(point, Literal) and point.datatype == WKT
    assert point.value.startswith("Point(-1.2")
    assert {type(t.object) for t in triples if t.predicate == NamedNode(WDT + "P856")} == {
        NamedNode
    }
    (website,) = objects(triples, q, P + "P856")
    assert objects(triples, website, PQ + "P407") == {WD + "Q1860"}
    (reference,) = objects(triples, website, PROV_WAS_DERIVED_FROM.value)
    assert reference.startswith("http://www.wikidata.org/reference/")
    assert objects(triples, reference, RDF_TYPE.value) == {WIKIBASE + "Reference"}
    assert objects(triples, reference, PR + "P143") == {WD + "Q328"}


def test_demo_sample_loads_cleanly() -> None:
    records = run(DEMO)
    assert rejected(records) == []
    assert Counter(r.kind for r in mapped(records)) == {"item": 9, "property": 2}


# --- the RDF model ----------------------------------------------------------------------------


def test_best_rank_preferred_beats_normal_and_deprecated_is_never_truthy() -> None:
    claims = {
        "P17": [
            statement("Q9", 1, item_snak("P17", "Q145"), "normal"),
            statement("Q9", 2, item_snak("P17", "Q30"), "preferred"),
            statement("Q9", 3, item_snak("P17", "Q142"), "deprecated"),
        ],
        "P31": [
            statement("Q9", 4, item_snak("P31", "Q5"), "normal"),
            statement("Q9", 5, item_snak("P31", "Q6"), "deprecated"),
        ],
        "P279": [statement("Q9", 6, item_snak("P279", "Q7"), "deprecated")],
    }
    (record,) = mapped(run(dump(entity("Q9", claims))))
    assert record.entity == NamedNode(WD + "Q9")
    triples = list(record.triples)
    q = WD + "Q9"
    assert objects(triples, q, WDT + "P17") == {WD + "Q30"}
    assert objects(triples, q, WDT + "P31") == {WD + "Q5"}
    assert objects(triples, q, WDT + "P279") == set()
    best = {text(t.subject) for t in triples if t.object == NamedNode(WIKIBASE + "BestRank")}
    statement_iri = "http://www.wikidata.org/entity/statement/Q9-{:08d}-AAAA".format
    assert best == {statement_iri(2), statement_iri(4)}
    assert objects(triples, statement_iri(3), WIKIBASE + "rank") == {WIKIBASE + "DeprecatedRank"}
    assert objects(triples, statement_iri(3), PS + "P17") == {WD + "Q142"}


def test_somevalue_is_a_skolem_iri_and_novalue_a_wdno_class() -> None:
    some = {"snaktype": "somevalue", "property": "P50", "datatype": "wikibase-item"}
    none = {"snaktype": "novalue", "property": "P1366", "datatype": "wikibase-item"}
    claims = {"P50": [statement("Q3", 1, some)], "P1366": [statement("Q3", 2, none)]}
    (record,) = mapped(run(dump(entity("Q3", claims))))
    triples = list(record.triples)
    (author,) = objects(triples, WD + "Q3", WDT + "P50")
    assert author.startswith("http://www.wikidata.org/.well-known/genid/")
    assert P + "novalue/P1366" in objects(triples, WD + "Q3", RDF_TYPE.value)
    assert not any(isinstance(t.object, BlankNode) for t in triples)
    # the same input gives the same skolem IRI (the store diffs by IRI)
    (again,) = mapped(run(dump(entity("Q3", claims))))
    assert objects(list(again.triples), WD + "Q3", WDT + "P50") == {author}


def test_time_values_become_valid_xsd_date_times() -> None:
    assert date_time(time_value("+1683-06-06T00:00:00Z", 11)).value == "1683-06-06T00:00:00Z"
    assert date_time(time_value("+1650-00-00T00:00:00Z", 9)).value == "1650-01-01T00:00:00Z"
    assert date_time(time_value("+1516-08-00T00:00:00Z", 10)).value == "1516-08-01T00:00:00Z"
    # XSD 1.1 has a year 0: JSON -0500 (500 BCE) is -0499, 1 BCE is 0000
    assert date_time(time_value("-0500-00-00T00:00:00Z", 9)).value == "-0499-01-01T00:00:00Z"
    assert date_time(time_value("-0001-00-00T00:00:00Z", 9)).value == "0000-01-01T00:00:00Z"
    assert date_time(time_value("-13798000000-00-00T00:00:00Z", 3)).value == (
        "-13798000000-01-01T00:00:00Z"
    )
    # impossible days are clamped, Julian days converted (the 1582 switch: 10 days)
    assert date_time(time_value("+2019-02-30T00:00:00Z", 11)).value == "2019-02-28T00:00:00Z"
    julian = time_value("+1582-10-05T00:00:00Z", 11, JULIAN)
    assert date_time(julian).value == "1582-10-15T00:00:00Z"
    assert date_time({**julian, "precision": 9}).value == "1582-01-01T00:00:00Z"


def test_quantities_and_coordinates() -> None:
    assert decimal("+1234").value == "1234"
    assert decimal("-0.50").value == "-0.5"
    assert decimal("+007.000").value == "7"
    moon = {"latitude": 1.5, "longitude": -20, "globe": WD + "Q405"}
    assert coordinate(moon).value == f"<{WD}Q405> Point(-20 1.5)"
    assert coordinate({"latitude": 0.00001, "longitude": 3.0}).value == "Point(3 0.00001)"


# --- rejects and bad input --------------------------------------------------------------------


def test_a_bad_line_is_rejected_and_the_rest_loads() -> None:
    bad_time = {
        "snaktype": "value",
        "property": "P571",
        "datavalue": {"value": time_value("1683", 11), "type": "time"},
        "datatype": "time",
    }
    broken = '{"type":"item","id":"Q2","labels":{'
    bad_entity = entity("Q3", {"P571": [statement("Q3", 1, bad_time)]})
    records = run(dump(entity("Q1"), broken, bad_entity, entity("Q4")))
    assert [text(r.triples[0].subject) for r in mapped(records)] == [WD + "Q1", WD + "Q4"]
    not_json, bad_value = rejected(records)
    assert (not_json.line, not_json.field, not_json.raw) == (3, None, broken)
    assert "not valid JSON" in not_json.reason
    assert bad_value.line == 4
    assert bad_value.field == "claims.P571[0].mainsnak.datavalue"
    assert "Q3" in bad_value.reason and "1683" in bad_value.reason
    assert json.loads(bad_value.raw)["id"] == "Q3"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"id,name\nQ1,foo\n", "line 1"),
        (b"\n\n<rdf:RDF>", "line 3"),
        (b"", "empty"),
        (b'{"type": "item",\n "id": "Q1",\n "labels": {', "line 3"),
        (
            b'[\n{"type":"item","id":"Q1","labels":{"en":"caf\xe9"}}\n]',
            "line 2: the input is not UTF-8",
        ),
    ],
)
def test_input_that_is_not_wikidata_json_is_bad_input(data: bytes, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        run(data)


def test_a_truncated_gzip_surfaces_as_a_stream_error() -> None:
    whole = gzip.compress(dump(*(entity(f"Q{n}") for n in range(1, 2000))))
    stream = gzip.GzipFile(fileobj=io.BytesIO(whole[: len(whole) // 2]))
    ctx = LoadContext(source="wikidata", input_name="t.json.gz", iris=Iris(TEST_BASE))
    with pytest.raises((EOFError, OSError)):
        list(LOADER.records(stream, ctx))  # type: ignore[arg-type]


def test_loader_attributes() -> None:
    assert LOADER.name == "wikidata"
    assert LOADER.licence == "http://creativecommons.org/publicdomain/zero/1.0/"
    assert LOADER.rejects_suffix == ".jsonl"
    assert LOADER.default_source(b"[\n") == "wikidata"
