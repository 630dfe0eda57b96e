"""Section "loaders": every loader on the real shared data, against pyoxigraph's own bulk loader.

For each loader, in fresh subprocesses (so that each peak RSS is that process's alone):

* the load: :mod:`bench.load_one` — ``loaders.pipeline.load`` into a fresh on-disk ``DiskStore``
  (checkpoint, mapping, bulk loader, change-feed step, provenance, compaction, flush, atomic
  publish). The time is the wall time of ``load()``; interpreter start-up and imports are not
  included. The after-publish hooks that follow every load (link step, reconciliation index) are
  timed apart ("hooks s"): they are features on top of the loaders, with sections of their own;
* the ceiling: the quads that load stored (the generation it published: the source graph, its
  change-feed activities and hashes, its provenance), dumped to N-Quads, bulk-loaded by pyoxigraph
  itself (``Store(path).bulk_load(path=..., format=N_QUADS)`` + ``flush()``) into another fresh
  store. Both sides store the same quads, so the ratio is the ceiling's time over the load's;
* the peer: rdflib parsing the same N-Quads file into a ``Dataset``, for context.

Targets: the CSV loaders reach at least half the ceiling's quads/s; Wikidata loads at least 1,500
entities/s. Times are the median of ``--repeat`` runs (rdflib: one run).
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    TMP_ROOT,
    WIKIDATA_ENTITIES_PER_S,
    WIKIDATA_SAMPLE,
    Json,
    SubprocessFailed,
    median,
    num,
    option,
    run_json,
    shared,
    table,
    title,
    verdict,
)
from commons_graph.errors import BadInput
from loaders.registry import get_loader

#: The CSV loaders reach at least this fraction of pyoxigraph's own bulk load (quads/s).
CSV_CEILING_RATIO = 0.5


@dataclass(frozen=True)
class Case:
    label: str
    fmt: str
    path: str  # relative to the shared data folder
    is_csv: bool


CASES = [
    Case("coops-uk organisations", "coops-uk", "coops/coops-uk_open_data_organisations_2017-06.csv", True),
    Case("coops-uk outlets", "coops-uk", "coops/coops-uk_open_data_outlets_2017-06.csv", True),
    Case("essglobal-csv", "essglobal-csv", "coops/coops-uk_sea-standard-essglobal_2023-Q2.csv", True),
    Case("glam-survey", "glam-survey", "glam/open_glam_survey_20251119.csv", True),
    Case("wikidata sample", "wikidata", WIKIDATA_SAMPLE, False),
]  # fmt: skip

HEADERS = [
    "loader",
    "rows",
    "quads",
    "stored",
    "load s",
    "hooks s",
    "rows/s",
    "stored/s",
    "peak RSS MB",
    "tree MB",
    "ceiling s",
    "ceiling stored/s",
    "ratio",
    "rdflib s",
    "target",
    "result",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each load and ceiling (default 3; median)"
    )


def unavailable(fmt: str) -> str | None:
    """Why the ``fmt`` loader cannot be used here, or None if it can."""
    try:
        get_loader(fmt)
    except (ImportError, AttributeError, BadInput, SyntaxError) as err:
        return f"{type(err).__name__}: {err}"
    return None


def measure(case: Case, path: Path, repeat: int, tmp: Path) -> list[str]:
    """One row of the table: load, ceiling and peer for one loader."""
    nquads = tmp / f"{case.label.replace(' ', '-')}.nq"
    loads = [run_json("bench.load_one", case.fmt, str(path), "--dump-nquads", str(nquads))]
    loads += [run_json("bench.load_one", case.fmt, str(path)) for _ in range(repeat - 1)]
    ceilings = [run_json("bench.peer_one", "oxigraph", str(nquads)) for _ in range(repeat)]
    try:
        peer: Json | None = run_json("bench.peer_one", "rdflib", str(nquads))
    except SubprocessFailed as err:
        print(f"  {case.label}: rdflib failed: {err}")
        peer = None
    nquads.unlink()

    first = loads[0]
    rows, quads = int(str(first["read"])), int(str(first["quads"]))
    loaded = int(str(first["loaded"]))
    seconds = median(loads, "seconds")
    ceiling_s = median(ceilings, "seconds")
    stored = int(str(ceilings[0]["quads"]))  # every quad the load stored, as the ceiling counts
    ratio = ceiling_s / seconds  # the same quads on both sides
    if case.is_csv:
        target, ok = f"ratio >= {CSV_CEILING_RATIO}", ratio >= CSV_CEILING_RATIO
    else:
        rate = loaded / seconds
        target = f"{num(rate)} >= {num(WIKIDATA_ENTITIES_PER_S)} ent/s"
        ok = rate >= WIKIDATA_ENTITIES_PER_S
    return [
        case.label,
        num(rows),
        num(quads),
        num(stored),
        num(seconds, 2),
        num(median(loads, "hooks_seconds"), 2),
        num(rows / seconds),
        num(stored / seconds),
        num(max(float(str(r["peak_rss_mb"])) for r in loads)),
        num(max(float(str(r["tree_peak_mb"])) for r in loads)),
        num(ceiling_s, 2),
        num(stored / ceiling_s),
        num(ratio, 2),
        num(float(str(peer["seconds"])), 2) if peer else "failed",
        target,
        verdict(ok),
    ]


def run() -> None:
    repeat = max(1, int(str(option("repeat", 3))))
    title(f"loaders: real shared data into a fresh on-disk DiskStore (median of {repeat} runs)")
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-loaders-", dir=TMP_ROOT) as tmp:
        for case in CASES:
            path = shared(case.path)
            if path is None:
                rows.append([case.label, *["-"] * (len(HEADERS) - 3), "", "SKIPPED (no data)"])
                continue
            why = unavailable(case.fmt)
            if why is not None:
                print(f"  {case.label}: loader {case.fmt!r} not available: {why}")
                rows.append([case.label, *["-"] * (len(HEADERS) - 3), "", "not available"])
                continue
            try:
                rows.append(measure(case, path, repeat, Path(tmp)))
            except SubprocessFailed as err:
                print(f"  {case.label}: FAILED: {err}")
                rows.append([case.label, *["-"] * (len(HEADERS) - 3), "", "FAILED"])
    table(HEADERS, rows)
    print(
        "  load s: wall time of loaders.pipeline.load() (input SHA-256, checkpoint, mapping, bulk "
        "loader, change-feed step, provenance, compaction, flush, publish); hooks s: the "
        "after-publish hooks that follow every load (link step, reconciliation index; each has "
        "its own section);\n  ceiling: pyoxigraph Store.bulk_load of the same "
        "quads (N-Quads) + flush;\n  quads: the source graph's; stored: every quad the load stored "
        "(with its change feed and provenance), which the ceiling stores too; ratio: ceiling s / "
        "load s; rdflib: parse into a Dataset;\n  peak RSS: the load process's VmHWM; tree MB: the peak summed PSS of the load process and "
        "its worker processes (sampled every 0.1 s), the largest of the runs."
    )
