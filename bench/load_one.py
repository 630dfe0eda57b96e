"""Measure one load: ``python -m bench.load_one FORMAT PATH [--dump-nquads OUT]``.

Loads ``PATH`` with the ``FORMAT`` loader through :func:`loaders.pipeline.load` into a fresh
on-disk :class:`graph.oxigraph.DiskStore` in a temporary directory (the real write path: checkpoint,
mapping, bulk loader, the change-feed step, provenance, compaction, flush, atomic publish), then runs
the after-publish hooks (link step, reconciliation index), and prints one JSON line: the load
report's counts, the wall time of the load and of the hooks apart, and this process's peak RSS
(hooks included). Run it in a fresh interpreter so that the RSS is
this loader's alone. The loader's modules are imported before the clock starts. With
``--dump-nquads`` it then writes every quad that the load stored (the store generation that
``load()`` published, before the hooks: the source graph, its change-feed activities and hashes,
and its provenance) to an N-Quads file, after measuring: the ceiling's input.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pyoxigraph import RdfFormat, Store

from bench.common import BASE, TMP_ROOT, Json, emit, peak_rss_mb
from commons_graph.iris import Iris
from graph.oxigraph import BULK_CHUNK, DiskStore
from loaders.pipeline import load, run_after_publish
from loaders.registry import get_loader


def measure(fmt: str, path: Path, source: str | None, dump: Path | None) -> Json:
    with tempfile.TemporaryDirectory(prefix="bench-load-", dir=TMP_ROOT) as tmp:
        store = DiskStore(Path(tmp) / "store")
        rss_before = peak_rss_mb()
        iris = Iris(BASE)
        get_loader(fmt)  # imports are start-up, not load time
        start = time.perf_counter()
        report = load(
            store,
            iris,
            fmt,
            str(path),
            source=source,
            rejects_dir=Path(tmp) / "rejects",
            quiet=True,
            after_publish=False,
        )
        seconds = time.perf_counter() - start
        load_rss = peak_rss_mb()  # the write alone: mapping, bulk loads, change feed, publish
        published = store.snapshot().path  # what the load stored, before the hooks add links
        start = time.perf_counter()
        run_after_publish(store, iris, report)
        hooks_seconds = time.perf_counter() - start
        result: Json = {
            "format": fmt,
            "source": report.source,
            "read": report.read,
            "loaded": report.loaded,
            "rejected": report.rejected,
            "quads": report.quads,
            "kinds": report.kinds,
            "seconds": seconds,
            "hooks_seconds": hooks_seconds,
            "rss_before_load_mb": rss_before,
            "peak_rss_mb": peak_rss_mb(),
            "load_peak_rss_mb": load_rss,
            "bulk_chunk": BULK_CHUNK,
        }
        if dump is not None:
            store.close()
            assert published is not None and published.is_dir(), "the load's generation is gone"
            Store.read_only(str(published)).dump(output=str(dump), format=RdfFormat.N_QUADS)
            with open(dump, "rb") as fh:
                result["dumped_quads"] = sum(1 for _ in fh)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load_one", description=__doc__)
    parser.add_argument("format", help="the loader's FORMAT name (see loaders.registry)")
    parser.add_argument("path", type=Path, help="the input file")
    parser.add_argument("--source", help="the source name (default: the loader's)")
    parser.add_argument("--dump-nquads", type=Path, help="write the loaded quads here afterwards")
    args = parser.parse_args()
    emit(measure(args.format, args.path, args.source, args.dump_nquads))


if __name__ == "__main__":
    main()
