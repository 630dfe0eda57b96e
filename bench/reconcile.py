"""Section "reconcile": /reconcile with all the shared data loaded, as OpenRefine uses it.

A fresh on-disk store gets every shared source (Co-ops UK 2017 organisations and outlets, the 2023
standard CSV as ``coops-uk-2023``, the GLAM survey, the Wikidata sample) and its reconciliation
index. Then, through the real ASGI app (in process, HTTP parsing and JSON included):

* latency of a batch of 10 queries (Co-ops UK trading names with postcodes and altered survey
  names, alternately): p50 and p95 over 200 batches; the ceiling is the same batches scored by the
  matcher in process, without HTTP;
* 1,000 rows in OpenRefine's batches (the manifest's batchSize), end to end;
* accuracy (:mod:`reconcile.accuracy`): precision of ``match: true`` and recall@1 on both sets.

Targets: p50 <= 30 ms and p95 <= 100 ms per batch of 10; 1,000 rows < 10 s; precision >= 0.98
and recall@1 >= 0.9.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from api.app import create_app
from bench.common import ALL_DATA, BASE, TMP_ROOT, num, shared, table, title, verdict
from commons_graph.iris import Iris
from commons_graph.settings import Settings
from graph import DiskStore
from loaders.pipeline import load
from reconcile import accuracy
from reconcile.engine import open_index
from reconcile.match import Matcher
from reconcile.service import BATCH_SIZE, reconcile_batch

BATCHES = 200
P50_MS, P95_MS, ROWS_S = 30.0, 100.0, 10.0


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run() -> None:
    title("reconcile: /reconcile with all shared data (in-process ASGI; ceiling: matcher alone)")
    paths = {rel: shared(rel) for _, rel, _ in ALL_DATA}
    if any(p is None for p in paths.values()):
        return
    iris = Iris(BASE)
    with tempfile.TemporaryDirectory(dir=TMP_ROOT) as tmp:
        root = Path(tmp)
        store = DiskStore(root / "store")
        start = time.perf_counter()
        for fmt, rel, source in ALL_DATA:
            load(store, iris, fmt, str(paths[rel]), source=source, rejects_dir=root, hooks=False)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        index = open_index(store.snapshot(), iris)
        built = time.perf_counter() - start
        print(
            f"  loaded in {loaded:.0f} s; index of {len(index.entities):,} entities in {built:.1f} s"
        )
        coops = accuracy.coops_cases(
            paths[ALL_DATA[0][1]],  # type: ignore[arg-type]
            paths[ALL_DATA[2][1]],  # type: ignore[arg-type]
            iris,
        )
        glam = accuracy.glam_cases(paths[ALL_DATA[3][1]], iris)  # type: ignore[arg-type]
        mixed = [c.query for pair in zip(coops[::4], glam, strict=False) for c in pair]
        batches = [
            {f"q{j}": q for j, q in enumerate(mixed[i : i + 10])}
            for i in range(0, 10 * BATCHES, 10)
        ]
        matcher = Matcher(index)
        ceiling: list[float] = []
        for batch in batches:
            t = time.perf_counter()
            reconcile_batch(matcher, batch)
            ceiling.append((time.perf_counter() - t) * 1000)
        settings = Settings(store=root / "store", base_url=BASE, query_workers=1)
        with TestClient(create_app(settings, store)) as client:

            def post(batch: dict[str, object]) -> dict[str, object]:
                response = client.post("/reconcile", data={"queries": json.dumps(batch)})
                assert response.status_code == 200, response.text
                result: dict[str, object] = response.json()
                return result

            post(batches[0])  # opens the index
            api: list[float] = []
            for batch in batches:
                t = time.perf_counter()
                post(batch)
                api.append((time.perf_counter() - t) * 1000)
            rows = mixed[:1000]
            t = time.perf_counter()
            for i in range(0, len(rows), BATCH_SIZE):
                post({f"r{j}": q for j, q in enumerate(rows[i : i + BATCH_SIZE])})
            thousand = time.perf_counter() - t

            def answer(batch: dict[str, accuracy.Query]) -> dict[str, tuple[str | None, bool]]:
                out: dict[str, tuple[str | None, bool]] = {}
                for key, value in post(dict(batch)).items():
                    result = value["result"]  # type: ignore[index]
                    out[key] = (result[0]["id"], result[0]["match"]) if result else (None, False)
                return out

            reports = {
                "coops 2017 -> 2023": accuracy.evaluate(coops, answer, BATCH_SIZE),
                "survey, altered": accuracy.evaluate(glam, answer, BATCH_SIZE),
            }
        store.close()
    p50, p95 = statistics.median(api), _percentile(api, 0.95)
    table(
        ["measure", "API", "ceiling", "target", ""],
        [
            ["batch of 10, p50 (ms)", num(p50, 1), num(statistics.median(ceiling), 1),
             f"<= {P50_MS:.0f}", verdict(p50 <= P50_MS)],
            ["batch of 10, p95 (ms)", num(p95, 1), num(_percentile(ceiling, 0.95), 1),
             f"<= {P95_MS:.0f}", verdict(p95 <= P95_MS)],
            [f"1,000 rows in batches of {BATCH_SIZE} (s)", num(thousand, 2), "-",
             f"< {ROWS_S:.0f}", verdict(thousand < ROWS_S)],
        ],
    )  # fmt: skip
    print()
    table(
        ["accuracy", "queries", "answerable", "match:true", "precision", "recall@1", ""],
        [
            [name, num(r.queries), num(r.answerable), num(r.matched), num(r.precision, 4),
             num(r.recall_at_1, 4), verdict(r.precision >= 0.98 and r.recall_at_1 >= 0.9)]
            for name, r in reports.items()
        ],
    )  # fmt: skip
