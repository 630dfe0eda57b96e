"""The ``wikidata`` loader's worker processes: order, rejects, the store's bytes path, cleanup."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Generator
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from commons_graph.errors import BadInput, WorkerDied
from commons_graph.iris import Iris
from commons_graph.namespaces import WD
from graph.oxigraph import DiskStore
from loaders.base import LoadContext, Mapped, Rejected
from loaders.pipeline import load
from loaders.wikidata import LOADER
from tests.conftest import TEST_BASE
from tests.test_wikidata_loader import (
    dump,
    entity,
    item_snak,
    mapped,
    rejected,
    run,
    statement,
    statements,
)

REPO = Path(__file__).resolve().parents[1]
ENTITIES = 300  # several batches per worker
BROKEN_JSON = '{"type":"item","id":"Q150","labels":{ not JSON'


def items(count: int) -> list[dict[str, object] | str]:
    return [
        entity(f"Q{i}", {"P31": [statement(f"Q{i}", 1, item_snak("P31", "Q5"))]})
        for i in range(1, count + 1)
    ]


def no_children_left() -> bool:
    """Whether every worker process of this process is gone (joined by the loader)."""
    return multiprocessing.active_children() == []


def test_parallel_mapping_keeps_input_order_and_the_same_statements() -> None:
    data = dump(*items(ENTITIES))
    parallel, single = mapped(run(data, workers=2)), mapped(run(data, workers=1))
    expected = [NamedNode(f"{WD}Q{i}") for i in range(1, ENTITIES + 1)]
    assert [r.entity for r in parallel] == expected
    assert [r.entity for r in single] == expected
    assert all(r.nquads and not r.triples for r in parallel)  # mapped by the workers
    for one, other in zip(parallel, single, strict=True):
        assert set(statements(one)) == set(statements(other))
        assert one.digest() == other.digest()
    assert no_children_left()


def test_rejects_in_the_middle_keep_their_place_line_and_reason() -> None:
    lines = items(ENTITIES)
    lines[149] = BROKEN_JSON  # line 151 (line 1 is "[")
    bad_rank = statement("Q200", 1, item_snak("P31", "Q5"), rank="sideways")
    lines[199] = entity("Q200", {"P31": [bad_rank]})  # line 201
    data = dump(*lines)
    records = run(data, workers=2)
    assert rejected(records) == rejected(run(data, workers=1))
    broken, unmappable = rejected(records)
    assert (broken.line, broken.field, broken.raw) == (151, None, BROKEN_JSON)
    assert broken.reason.startswith("not valid JSON")
    assert (unmappable.line, unmappable.field) == (201, "claims.P31[0].rank")
    assert unmappable.reason == "Q200: unknown rank 'sideways'"
    assert json.loads(unmappable.raw)["id"] == "Q200"
    assert [r.line for r in records if isinstance(r, Rejected)] == [151, 201]
    assert records.index(broken) == 149 and records.index(unmappable) == 199
    assert len(mapped(records)) == ENTITIES - 2


def test_a_parallel_load_writes_the_serialised_records(tmp_path: Path) -> None:
    lines = items(ENTITIES)
    lines[99] = BROKEN_JSON
    path = tmp_path / "dump.json"
    path.write_bytes(dump(*lines))
    store, iris = DiskStore(tmp_path / "store"), Iris(TEST_BASE)
    options: dict[str, object] = {"workers": 2}
    report = load(store, iris, "wikidata", str(path), rejects_dir=tmp_path, options=options)
    assert (report.loaded, report.rejected) == (ENTITIES - 1, 1)
    source_graph = iris.graph("wikidata")
    assert report.quads == len(list(store.snapshot().quads(graph=source_graph)))
    subjects = {q.subject for q in store.snapshot().quads(graph=source_graph)}
    assert NamedNode(f"{WD}Q{ENTITIES}") in subjects
    assert NamedNode(f"{WD}Q100") not in subjects
    assert Path(f"{report.rejects_path}.errors.tsv").read_text().splitlines()[1].startswith("101\t")
    assert no_children_left()


def test_workers_stop_when_a_line_is_bad_input() -> None:
    data = dump(*items(ENTITIES)).replace(b'"label of Q150"', b'"label of \xff"')
    with pytest.raises(BadInput, match="line 151: the input is not UTF-8"):
        run(data, workers=2)
    assert no_children_left()


def test_workers_stop_when_the_consumer_stops_early() -> None:
    ctx = LoadContext(
        source="wikidata", input_name="t", iris=Iris(TEST_BASE), options={"workers": 2}
    )
    records = LOADER.records(io.BytesIO(dump(*items(ENTITIES))), ctx)
    assert isinstance(records, Generator)
    first = next(records)
    assert isinstance(first, Mapped) and first.entity == NamedNode(f"{WD}Q1")
    assert not no_children_left()  # the pool is running
    records.close()
    assert no_children_left()


def test_a_worker_killed_mid_load_stops_it_with_a_clear_error() -> None:
    ctx = LoadContext(
        source="wikidata", input_name="t", iris=Iris(TEST_BASE), options={"workers": 2}
    )
    records = LOADER.records(io.BytesIO(dump(*items(ENTITIES))), ctx)
    next(iter(records))
    pid = multiprocessing.active_children()[0].pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(WorkerDied, match="worker process mapping the input died"):
        for _ in records:
            pass
    assert no_children_left()


KILLED_LOADER = """
import multiprocessing, os, signal, sys
from commons_graph.iris import Iris
from loaders.base import LoadContext
from loaders.wikidata import LOADER

ctx = LoadContext(source="wikidata", input_name="t", iris=Iris("http://example.org"),
                  options={"workers": 2})
with open(sys.argv[1], "rb") as stream:
    records = LOADER.records(stream, ctx)
    next(records)
    print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is gone, waiting to be reaped


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_exit_when_the_loading_process_is_killed(tmp_path: Path) -> None:
    path = tmp_path / "dump.json"
    path.write_bytes(dump(*items(ENTITIES)))
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_LOADER, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == -9, proc.stderr
    workers = [int(pid) for pid in proc.stdout.split()]
    assert len(workers) == 2
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in workers)
