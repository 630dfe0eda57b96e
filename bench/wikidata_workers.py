"""Section "wikidata-workers": the Wikidata loader in one process and with worker processes.

On the shared sample (the official dump layout, gzip), each in a fresh subprocess:

* mapping only: ``LOADER.records`` consumed without a store (parse, map, and with workers the
  N-Quads serialisation and the transfer back), i.e. what the loader itself delivers;
* full load: ``loaders.pipeline.load(..., hooks=False)`` into a fresh on-disk ``DiskStore``;
* the ceiling: pyoxigraph's own ``bulk_load`` of the same quads from an N-Quads file.

``workers=1`` maps in the loading process; the other row uses the loader's default pool size.
Times are the median of ``--repeat`` runs. Also runnable alone, as a measuring subprocess:
``python -m bench.wikidata_workers map|load WORKERS PATH`` prints one JSON line.
"""

from __future__ import annotations

import argparse
import gzip
import tempfile
import time
from pathlib import Path

from bench.common import (
    BASE,
    TMP_ROOT,
    WIKIDATA_ENTITIES_PER_S,
    WIKIDATA_SAMPLE,
    Json,
    SubprocessFailed,
    emit,
    median,
    num,
    option,
    peak_rss_mb,
    run_json,
    shared,
    table,
    title,
    verdict,
)
from commons_graph.iris import Iris
from graph.oxigraph import DiskStore
from loaders.base import LoadContext, Mapped
from loaders.parallel import default_workers
from loaders.pipeline import load
from loaders.wikidata import LOADER


def measure(mode: str, workers: int, path: Path) -> Json:
    """In a measuring subprocess: map (``mode="map"``) or load ``path`` with ``workers``."""
    options: dict[str, object] = {"workers": workers}
    with tempfile.TemporaryDirectory(prefix="bench-wd-workers-", dir=TMP_ROOT) as tmp:
        start = time.perf_counter()
        if mode == "map":
            ctx = LoadContext("wikidata", path.name, Iris(BASE), options=options)
            with gzip.open(path, "rb") as stream:
                records = LOADER.records(stream, ctx)  # type: ignore[arg-type]
                entities = sum(isinstance(record, Mapped) for record in records)
        else:
            store = DiskStore(Path(tmp) / "store")
            report = load(
                store, Iris(BASE), "wikidata", str(path), rejects_dir=Path(tmp), options=options,
                hooks=False,
            )  # fmt: skip
            entities = report.loaded
        seconds = time.perf_counter() - start
    return {"entities": entities, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def run() -> None:
    repeat = max(1, int(str(option("repeat", 3))))
    pool = default_workers()
    title(f"wikidata-workers: the sample with 1 and {pool} mapping processes (median of {repeat})")
    path = shared(WIKIDATA_SAMPLE)
    if path is None:
        return
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-wd-workers-", dir=TMP_ROOT) as tmp:
        nquads = Path(tmp) / "wikidata.nq"
        try:
            run_json("bench.load_one", "wikidata", str(path), "--dump-nquads", str(nquads))
            ceilings = [run_json("bench.peer_one", "oxigraph", str(nquads)) for _ in range(repeat)]
            ceiling = median(ceilings, "seconds")
            for mode in ("map", "load"):
                for workers in sorted({1, pool}):
                    args = ("bench.wikidata_workers", mode, str(workers), str(path))
                    runs = [run_json(*args) for _ in range(repeat)]
                    entities, seconds = int(str(runs[0]["entities"])), median(runs, "seconds")
                    rate = entities / seconds
                    rows.append([
                        "mapping only" if mode == "map" else "full load",
                        str(workers),
                        num(entities),
                        num(seconds, 2),
                        num(rate),
                        num(max(float(str(r["peak_rss_mb"])) for r in runs)),
                        num(max(float(str(r["tree_peak_mb"])) for r in runs)),
                        num(seconds / ceiling, 2) if mode == "load" else "-",
                        verdict(rate >= WIKIDATA_ENTITIES_PER_S),
                    ])  # fmt: skip
        except SubprocessFailed as err:
            print(f"  FAILED: {err}")
            return
    headers = ["run", "workers", "entities", "s", "entities/s", "peak RSS MB", "tree MB"]
    table([*headers, "÷ ceiling", f">= {num(WIKIDATA_ENTITIES_PER_S)}/s"], rows)
    print(
        f"  ceiling: pyoxigraph bulk_load of the same quads (N-Quads file) + flush: "
        f"{ceiling:.2f} s = {num(entities / ceiling)} entities/s; '÷ ceiling': full load time / "
        "ceiling time.\n  tree MB: peak summed PSS of the process and its workers."
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.wikidata_workers", description=__doc__)
    parser.add_argument("mode", choices=["map", "load"])
    parser.add_argument("workers", type=int)
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    emit(measure(args.mode, args.workers, args.path))


if __name__ == "__main__":
    main()
