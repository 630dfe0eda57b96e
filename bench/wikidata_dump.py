"""Section "wikidata-1gb": a generated ~1 GB Wikidata JSON dump through the wikidata loader.

The dump is built in a temporary folder (deleted afterwards) from the shared sample's entities, in
the official layout of ``latest-all.json``: a line ``[``, one entity per line, every entity line but
the last ending in ``,``, and a line ``]``. It is written **uncompressed** (the loader then spends
no time in gzip, so the figure is the mapping and store path alone). Copy 0 keeps the sample's ids;
every further copy gives each entity a fresh id (``Q``/``P`` + a number above every id of the
sample) and rewrites its top-level ``"id"`` and the ``Q123$`` prefix of its statement ids, so that
entity and statement IRIs stay unique; the rest of each line is unchanged, and valid.

The load runs in a subprocess (:mod:`bench.load_one`) so that its peak RSS is the loader's own.
Target: peak RSS < 500 MB. ``--wikidata-gb`` sets the size (default 1.0; 0 skips the section).
"""

from __future__ import annotations

import argparse
import gzip
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.common import (
    TMP_ROOT,
    WIKIDATA_SAMPLE,
    SubprocessFailed,
    num,
    option,
    run_json,
    shared,
    table,
    title,
    verdict,
)

#: The target: the whole load's peak RSS stays below this, in MB.
RSS_LIMIT_MB = 500.0
#: The top-level "id" of a dump line, after the flat "key":"scalar" pairs that open it.
_TOP_ID = re.compile(rb'^\{(?:"(?!id")[^"\\]*":(?:"[^"\\]*"|-?\d+),)*"id":"([A-Z])(\d+)"')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wikidata-gb",
        type=float,
        default=1.0,
        help="size of the generated Wikidata dump in GB, uncompressed (default 1.0; 0 skips it)",
    )


def sample_entities(path: Path) -> list[tuple[bytes, bytes, int]]:
    """The sample's entity lines (without the trailing ``,``) as (line, id letter, id number)."""
    entities = []
    with gzip.open(path, "rb") as fh:
        for raw in fh:
            line = raw.rstrip(b"\r\n").rstrip(b",")
            if line in (b"[", b"]", b""):
                continue
            match = _TOP_ID.match(line)
            if match is None:
                raise ValueError(f"{path}: an entity line without a leading top-level id")
            entities.append((line, match.group(1), int(match.group(2))))
    return entities


def renumbered(entities: list[tuple[bytes, bytes, int]], target_bytes: int) -> Iterator[bytes]:
    """Entity lines (without separators), copies of ``entities`` with fresh ids, until about
    ``target_bytes`` have been produced."""
    fresh = {letter: 0 for _, letter, _ in entities}
    for _, letter, number in entities:
        fresh[letter] = max(fresh[letter], number)
    produced = 0
    copy = 0
    while produced < target_bytes:
        for line, letter, number in entities:
            if copy:
                fresh[letter] += 1
                old, new = b"%s%d" % (letter, number), b"%s%d" % (letter, fresh[letter])
                start, end = _TOP_ID.match(line).span(2)  # type: ignore[union-attr]
                line = line[: start - 1] + new + line[end:]
                for prefix in (old, old.lower()):
                    line = line.replace(b'"id":"%s$' % prefix, b'"id":"%s$' % new)
            produced += len(line) + 2
            yield line
            if produced >= target_bytes:
                return
        copy += 1


def write_dump(entities: list[tuple[bytes, bytes, int]], target_bytes: int, out: Path) -> int:
    """Write the dump; returns the number of entities."""
    count = 0
    with open(out, "wb", buffering=1 << 22) as fh:
        fh.write(b"[\n")
        previous: bytes | None = None
        for line in renumbered(entities, target_bytes):
            if previous is not None:
                fh.write(previous + b",\n")
            previous = line
            count += 1
        if previous is not None:
            fh.write(previous + b"\n")
        fh.write(b"]\n")
    return count


def run() -> None:
    gb = float(str(option("wikidata_gb", 1.0)))
    title(f"wikidata-1gb: a generated {gb:g} GB Wikidata JSON dump (uncompressed) into a DiskStore")
    if gb <= 0:
        print("  SKIPPED: --wikidata-gb 0")
        return
    sample = shared(WIKIDATA_SAMPLE)
    if sample is None:
        return
    with tempfile.TemporaryDirectory(prefix="bench-wikidata-", dir=TMP_ROOT) as tmp:
        dump = Path(tmp) / "latest-all.json"
        start = time.perf_counter()
        count = write_dump(sample_entities(sample), int(gb * 1e9), dump)
        size = dump.stat().st_size
        print(
            f"  generated {count:,} entities, {size / 1e9:.2f} GB, "
            f"in {time.perf_counter() - start:.0f} s"
        )
        try:
            result = run_json("bench.load_one", "wikidata", str(dump))
        except SubprocessFailed as err:
            print(f"  FAILED: {err}")
            return
    seconds = float(str(result["seconds"]))
    hooks_s = float(str(result.get("hooks_seconds", 0.0)))
    loaded = int(str(result["loaded"]))
    rss = float(str(result["peak_rss_mb"]))
    tree = float(str(result["tree_peak_mb"]))
    worst = max(rss, tree)
    headers = ["dump", "entities", "rejected", "quads", "load s", "entities/s", "quads/s", "MB/s"]
    headers += ["peak RSS MB", "tree MB", "target", "result"]
    row = [
        f"{size / 1e9:.2f} GB json",
        num(loaded),
        num(int(str(result["rejected"]))),
        num(int(str(result["quads"]))),
        num(seconds, 1),
        num(loaded / seconds),
        num(int(str(result["quads"])) / seconds),
        num(size / 1e6 / seconds, 1),
        num(rss),
        num(tree),
        f"{num(worst)} < {num(RSS_LIMIT_MB)} MB",
        verdict(worst < RSS_LIMIT_MB),
    ]
    table(headers, [row])
    print(
        f"  took {seconds / 60:.1f} min to load; RSS before the load (interpreter, imports, "
        f"empty store): {float(str(result['rss_before_load_mb'])):.0f} MB; "
        f"BULK_CHUNK = {result['bulk_chunk']:,} quads\n  peak RSS: the load process's VmHWM; "
        "tree MB: the peak summed PSS of it and its worker processes (sampled every 0.1 s); "
        "the target applies to the larger.\n  The write alone (mapping, bulk loads, change "
        f"feed, publish) peaked at {float(str(result['load_peak_rss_mb'])):.0f} MB; the "
        f"after-publish hooks (link step, reconciliation index) then took {hooks_s:.0f} s."
    )
