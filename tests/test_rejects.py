"""Every way the CSV engine and the pipeline refuse input: a whole file (BadInput, nothing stored)
or one record (its line, field and reason in ``<rejects>.errors.tsv``, the verbatim record in the
rejects file under the header line, and the other records loaded)."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from commons_graph.errors import BadInput
from commons_graph.iris import Iris
from commons_graph.namespaces import CG
from graph import DiskStore, GraphStore, MemoryStore
from loaders.mapping_spec import load_mapping
from loaders.pipeline import load
from loaders.provenance import LoadReport
from tests.conftest import TEST_BASE

IRIS = Iris(TEST_BASE)
CUKS_ID = NamedNode(CG + "cuksId")
GRAPH = IRIS.graph("coops-uk")
COLUMNS = load_mapping("coops-uk-organisations").columns


def _row(cuk_id: str, **values: str) -> list[str]:
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        {
            "CUK Organisation ID": cuk_id,
            "Registered Name": f"Test Co-operative {cuk_id} Limited",
            "Registrar": "FCA",
            "UK Nation": "England",
            "Registered Status": "Live",
            "Incorporation Date": "1/2/2003",
        }
    )
    row.update({k.replace("_", " "): v for k, v in values.items()})
    return [row[c] for c in COLUMNS]


def _csv(rows: list[list[str]], header: list[str] = COLUMNS) -> str:
    """The real layout: every field quoted, CRLF."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _write(tmp_path: Path, text: str, name: str = "input.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _load(store: GraphStore, path: Path, tmp_path: Path) -> LoadReport:
    return load(store, IRIS, "coops-uk", str(path), rejects_dir=tmp_path / "rejects")


def _loaded_ids(store: GraphStore) -> set[str]:
    quads = store.snapshot().quads(predicate=CUKS_ID, graph=GRAPH)
    return {q.object.value for q in quads if isinstance(q.object, Literal)}


def _one_reject(report: LoadReport, line: int, field: str, reason: str, raw_marker: str) -> None:
    """The report names one reject; the rejects file holds the header and the verbatim record,
    the errors file its line, field and reason."""
    assert report.rejected == 1
    assert report.rejects_path is not None
    rejects = Path(report.rejects_path)
    raw = rejects.read_bytes().decode("utf-8")
    header_line = _csv([]).rstrip("\r\n")
    assert raw.startswith(header_line + "\r\n")
    assert raw_marker in raw
    assert raw.count("\r\n") >= 2  # header and record, each with its own CRLF
    errors = Path(f"{rejects}.errors.tsv").read_text(encoding="utf-8").splitlines()
    assert errors[0] == "line\tfield\treason"
    assert len(errors) == 2
    got_line, got_field, got_reason = errors[1].split("\t")
    assert (int(got_line), got_field) == (line, field)
    assert reason in got_reason


def test_wrong_columns_is_bad_input_and_stores_nothing(tmp_path: Path) -> None:
    header = [c for c in COLUMNS if c not in ("Registrar", "Registered Name")]
    path = _write(tmp_path, _csv([], header=header))
    store = MemoryStore()
    with pytest.raises(BadInput) as err:
        _load(store, path, tmp_path)
    assert "'Registered Name'" in err.value.message
    assert "'Registrar'" in err.value.message
    assert GRAPH not in store.snapshot().named_graphs()
    assert not (tmp_path / "rejects").exists()


def test_not_utf8_is_bad_input(tmp_path: Path) -> None:
    text = _csv([_row("R1"), _row("R2", Registered_Name="Caf\u00e9 Co-op")])
    path = tmp_path / "latin1.csv"
    path.write_bytes(text.encode("latin-1"))
    store = MemoryStore()
    with pytest.raises(BadInput, match="not UTF-8"):
        _load(store, path, tmp_path)
    assert GRAPH not in store.snapshot().named_graphs()


def test_truncated_gzip_is_bad_input(tmp_path: Path) -> None:
    data = gzip.compress(_csv([_row(f"R{i}") for i in range(200)]).encode("utf-8"))
    path = tmp_path / "input.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    store = MemoryStore()
    with pytest.raises(BadInput, match="damaged or truncated"):
        _load(store, path, tmp_path)
    assert GRAPH not in store.snapshot().named_graphs()


def test_empty_key(tmp_path: Path) -> None:
    path = _write(tmp_path, _csv([_row("R1"), _row("", Trading_Name="NO-ID"), _row("R3")]))
    store = MemoryStore()
    report = _load(store, path, tmp_path)
    _one_reject(report, 3, "CUK Organisation ID", "the key column is empty", "NO-ID")
    assert _loaded_ids(store) == {"R1", "R3"}


def test_duplicate_key(tmp_path: Path) -> None:
    rows = [_row("R1"), _row("R2"), _row("R1", Trading_Name="SECOND-R1")]
    store = MemoryStore()
    report = _load(store, _write(tmp_path, _csv(rows)), tmp_path)
    _one_reject(report, 4, "CUK Organisation ID", "duplicate key 'R1'", "SECOND-R1")
    assert _loaded_ids(store) == {"R1", "R2"}
    quads = store.snapshot().quads(graph=GRAPH)
    names = {q.object.value for q in quads if isinstance(q.object, Literal)}
    assert "SECOND-R1" not in names


def test_invalid_date(tmp_path: Path) -> None:
    rows = [_row("R1"), _row("R2", Incorporation_Date="31/2/1999")]
    store = MemoryStore()
    report = _load(store, _write(tmp_path, _csv(rows)), tmp_path)
    _one_reject(report, 3, "Incorporation Date", "'31/2/1999' is not a valid date", "31/2/1999")
    assert _loaded_ids(store) == {"R1"}


def test_date_in_another_format(tmp_path: Path) -> None:
    rows = [_row("R1", Dissolved_Date="2015-10-07"), _row("R2")]
    store = MemoryStore()
    report = _load(store, _write(tmp_path, _csv(rows)), tmp_path)
    _one_reject(report, 2, "Dissolved Date", "not a day/month/year date", "2015-10-07")
    assert _loaded_ids(store) == {"R2"}


def test_value_not_in_value_table(tmp_path: Path) -> None:
    rows = [_row("R1", UK_Nation="Atlantis"), _row("R2", UK_Nation="Wales")]
    store = MemoryStore()
    report = _load(store, _write(tmp_path, _csv(rows)), tmp_path)
    _one_reject(report, 2, "UK Nation", "'Atlantis' is not in value table 'countries'", "Atlantis")
    assert _loaded_ids(store) == {"R2"}


def test_unknown_registrar_text_is_kept_not_rejected(tmp_path: Path) -> None:
    """The registrars table has an unknown_predicate: text it does not know is kept as a label."""
    rows = [_row("R1", Registrar="Guild of Co-op Scribes")]
    store = MemoryStore()
    report = _load(store, _write(tmp_path, _csv(rows)), tmp_path)
    assert report.rejected == 0
    label = NamedNode("https://w3id.org/commons-graph/ns#registrarLabel")
    got = [q.object for q in store.snapshot().quads(predicate=label, graph=GRAPH)]
    assert got == [Literal("Guild of Co-op Scribes")]


def test_wrong_number_of_fields(tmp_path: Path) -> None:
    text = (
        _csv([_row("R1")]) + '"R2","SHORT-ROW","FCA"\r\n' + _csv([_row("R3")]).split("\r\n", 1)[1]
    )
    store = MemoryStore()
    report = _load(store, _write(tmp_path, text), tmp_path)
    _one_reject(report, 3, "", f"the row has 3 fields, the header {len(COLUMNS)}", "SHORT-ROW")
    assert _loaded_ids(store) == {"R1", "R3"}


def test_reject_spanning_lines_keeps_its_first_line_and_verbatim_text(tmp_path: Path) -> None:
    rows = [
        _row("R1", Registered_Street="1 High St\nFlat 2"),
        _row("R2", Registered_Street="Unit 3\nMill Yard", Incorporation_Date="soon"),
        _row("R3"),
    ]
    store = MemoryStore()
    report = _load(store, _write(tmp_path, _csv(rows)), tmp_path)
    # R1 takes lines 2-3, so R2 starts on line 4
    _one_reject(report, 4, "Incorporation Date", "not a day/month/year date", '"soon"')
    assert report.rejects_path is not None
    raw = Path(report.rejects_path).read_bytes().decode("utf-8")
    assert '"Unit 3\nMill Yard"' in raw
    assert _loaded_ids(store) == {"R1", "R3"}


def test_everything_rejected_keeps_the_previous_version(tmp_path: Path) -> None:
    store = DiskStore(tmp_path / "store")
    good = _write(tmp_path, _csv([_row("R1"), _row("R2")]), "good.csv")
    assert _load(store, good, tmp_path).loaded == 2
    generation = store.snapshot().generation
    bad = _write(
        tmp_path, _csv([_row("", Trading_Name="X"), _row("R9", UK_Nation="Atlantis")]), "bad.csv"
    )
    with pytest.raises(BadInput, match="nothing loaded") as err:
        _load(store, bad, tmp_path)
    assert "2 rejected" in err.value.message
    assert store.snapshot().generation == generation
    assert _loaded_ids(store) == {"R1", "R2"}
    errors = list((tmp_path / "rejects").glob("*.errors.tsv"))
    assert len(errors) == 1
    lines = errors[0].read_text(encoding="utf-8").splitlines()
    assert [ln.split("\t")[:2] for ln in lines[1:]] == [
        ["2", "CUK Organisation ID"],
        ["3", "UK Nation"],
    ]
    store.close()
