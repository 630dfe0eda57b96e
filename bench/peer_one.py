"""Measure the reference points for one N-Quads file: ``python -m bench.peer_one ENGINE NQ``.

* ``oxigraph``: pyoxigraph's own ``Store(path).bulk_load(path=NQ, format=N_QUADS)`` into a fresh
  on-disk store in a temporary directory, plus ``flush()`` — the ceiling of any loader that writes
  through pyoxigraph;
* ``rdflib``: rdflib parsing the file into an in-memory ``Dataset``, for context.

Prints one JSON line: quads, wall time and this process's peak RSS.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.common import TMP_ROOT, Json, emit, peak_rss_mb


def oxigraph(nquads: Path) -> Json:
    from pyoxigraph import RdfFormat, Store

    with tempfile.TemporaryDirectory(prefix="bench-ceiling-", dir=TMP_ROOT) as tmp:
        store = Store(str(Path(tmp) / "store"))
        start = time.perf_counter()
        store.bulk_load(path=str(nquads), format=RdfFormat.N_QUADS)
        store.flush()
        seconds = time.perf_counter() - start
        quads = len(store)
        del store
    return {"engine": "oxigraph", "quads": quads, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}


def rdflib(nquads: Path) -> Json:
    from rdflib import Dataset

    dataset = Dataset()
    start = time.perf_counter()
    dataset.parse(str(nquads), format="nquads")
    seconds = time.perf_counter() - start
    quads = sum(1 for _ in dataset.quads((None, None, None, None)))
    return {"engine": "rdflib", "quads": quads, "seconds": seconds, "peak_rss_mb": peak_rss_mb()}


ENGINES = {"oxigraph": oxigraph, "rdflib": rdflib}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.peer_one", description=__doc__)
    parser.add_argument("engine", choices=sorted(ENGINES))
    parser.add_argument("nquads", type=Path)
    args = parser.parse_args()
    emit(ENGINES[args.engine](args.nquads))


if __name__ == "__main__":
    main()
