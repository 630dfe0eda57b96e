"""What the benchmark sections share: options, shared-data paths, subprocesses and tables."""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: The shared data folder, as in the CLI's settings and the tests: ``COMMONS_GRAPH_SHARED_DATA``.
SHARED = Path(os.environ.get("COMMONS_GRAPH_SHARED_DATA", REPO.parent / "shared" / "data"))
#: Where temporary stores and dumps go (never the repository): ``BENCH_TMP`` or the system default.
TMP_ROOT: str | None = os.environ.get("BENCH_TMP") or None
BASE = "http://bench.example.org"
#: The Wikidata entities sample of the shared data, below SHARED.
WIKIDATA_SAMPLE = "wikidata/entities-sample.json.gz"
#: Every input of the shared data, as (loader format, path below SHARED, source name).
ALL_DATA: tuple[tuple[str, str, str], ...] = (
    ("coops-uk", "coops/coops-uk_open_data_organisations_2017-06.csv", "coops-uk"),
    ("coops-uk", "coops/coops-uk_open_data_outlets_2017-06.csv", "coops-uk-outlets"),
    ("essglobal-csv", "coops/coops-uk_sea-standard-essglobal_2023-Q2.csv", "coops-uk-2023"),
    ("glam-survey", "glam/open_glam_survey_20251119.csv", "glam-survey"),
    ("wikidata", WIKIDATA_SAMPLE, "wikidata"),
)
#: The Wikidata loader's target, in entities per second.
WIKIDATA_ENTITIES_PER_S = 1_500.0

#: The options of this run, set by the runner; sections read them with :func:`option`.
OPTIONS = argparse.Namespace()

Json = dict[str, object]


def option(name: str, default: object) -> object:
    return getattr(OPTIONS, name, default)


def shared(relative: str) -> Path | None:
    """A file of the shared data, or None (and a clear line saying so) when it is missing."""
    path = SHARED / relative
    if path.is_file():
        return path
    print(f"  SKIPPED: shared data missing: {path}")
    return None


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB (VmHWM; ru_maxrss as a fallback)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(result: Json) -> None:
    """The last line of a measuring subprocess's output: its result as JSON."""
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


class SubprocessFailed(RuntimeError):
    """A measuring subprocess exited with an error; its message is the end of its stderr."""


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as fh:
                kids.extend(int(k) for k in fh.read().split())
    except OSError:
        pass  # the process ended meanwhile
    return kids


def _pss_mb(pid: int) -> float:
    """A process's proportional set size (shared pages split between their users), in MB."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass  # ended meanwhile, or no smaps_rollup
    return 0.0


def tree_mb(root: int) -> float:
    """The summed PSS of ``root`` and all its descendants (e.g. a loader's worker processes)."""
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += _pss_mb(pid)
        todo.extend(_children(pid))
    return total


def run_json(module: str, *args: str, timeout: float | None = None) -> Json:
    """Run ``python -m module args`` in a fresh interpreter and return the JSON it printed last,
    plus ``tree_peak_mb``: the largest summed PSS of the process and its descendants, sampled
    every 0.1 s while it runs (the process's own exact peak is its ``peak_rss_mb``)."""
    cmd = [sys.executable, "-m", module, *args]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=err, text=True)
        start, peak = time.monotonic(), 0.0
        while proc.poll() is None:
            peak = max(peak, tree_mb(proc.pid))
            if timeout is not None and time.monotonic() - start > timeout:
                proc.kill()
                proc.wait()
                raise SubprocessFailed(f"timed out after {timeout:.0f} s")
            time.sleep(0.1)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        tail = " | ".join(stderr.strip().splitlines()[-3:])
        raise SubprocessFailed(f"exit {proc.returncode}: {tail}")
    lines = stdout.strip().splitlines()
    if not lines:
        raise SubprocessFailed("no output")
    result: Json = json.loads(lines[-1])
    result["tree_peak_mb"] = peak
    return result


def median(runs: Sequence[Json], key: str) -> float:
    """The median of one measure (``key``) over repeated runs."""
    return statistics.median(float(str(r[key])) for r in runs)


def num(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, int) or digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("PASS" if ok else "FAIL")


def title(text: str) -> None:
    print()
    print(f"== {text} ==")


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print an aligned plain-text table: text columns left-aligned, figures right-aligned."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def fmt(cells: Sequence[str]) -> str:
        out = []
        for i, cell in enumerate(cells):
            numeric = cell[:1].isdigit() or (cell[:1] in "-." and cell[1:2].isdigit())
            out.append(cell.rjust(widths[i]) if i and numeric else cell.ljust(widths[i]))
        return "  ".join(out).rstrip()

    print(fmt(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(fmt(row))
