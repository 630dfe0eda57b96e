"""The benchmark package imports, and its measuring subprocesses work on a tiny generated input.

No timing is asserted: this checks behaviour only (counts, files, unique renumbered ids)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from bench.common import run_json
from bench.wikidata_dump import write_dump

MODULES = [
    "bench",
    "bench.__main__",
    "bench.common",
    "bench.load_one",
    "bench.peer_one",
    "bench.loaders",
    "bench.wikidata_dump",
]

ENTITY = (
    '{"type":"item","id":"Q7","labels":{"en":{"language":"en","value":"Seven"}},'
    '"descriptions":{},"aliases":{},"claims":{"P31":[{"mainsnak":{"snaktype":"value",'
    '"property":"P31","datavalue":{"value":{"entity-type":"item","numeric-id":5,"id":"Q5"},'
    '"type":"wikibase-entityid"},"datatype":"wikibase-item"},"type":"statement",'
    '"id":"Q7$0F5E0E4C-0000-4000-8000-000000000001","rank":"normal"}]},"sitelinks":{}}'
)


@pytest.mark.parametrize("name", MODULES)
def test_bench_modules_import(name: str) -> None:
    importlib.import_module(name)


def test_generated_dump_renumbers_entities_and_statements(tmp_path: Path) -> None:
    dump = tmp_path / "dump.json"
    count = write_dump([(ENTITY.encode(), b"Q", 7)], 3 * (len(ENTITY) + 2), dump)
    entities = json.loads(dump.read_text(encoding="utf-8"))  # the whole dump is one JSON array
    assert count == len(entities) == 3
    assert [e["id"] for e in entities] == ["Q7", "Q8", "Q9"]
    statement_ids = [e["claims"]["P31"][0]["id"] for e in entities]
    assert [s.split("$")[0] for s in statement_ids] == ["Q7", "Q8", "Q9"]
    lines = dump.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    assert [line.endswith(",") for line in lines[1:-1]] == [True, True, False]


def test_load_one_and_ceiling_on_a_tiny_dump(tmp_path: Path) -> None:
    dump = tmp_path / "dump.json"
    write_dump([(ENTITY.encode(), b"Q", 7)], 3 * (len(ENTITY) + 2), dump)
    nquads = tmp_path / "loaded.nq"

    result = run_json("bench.load_one", "wikidata", str(dump), "--dump-nquads", str(nquads))

    assert (result["read"], result["loaded"], result["rejected"]) == (3, 3, 0)
    assert isinstance(result["quads"], int) and result["quads"] > 0
    assert isinstance(result["peak_rss_mb"], float) and result["peak_rss_mb"] > 0
    assert result["dumped_quads"] == sum(1 for _ in nquads.open("rb"))
    ceiling = run_json("bench.peer_one", "oxigraph", str(nquads))
    assert ceiling["quads"] == result["dumped_quads"]
