"""Opening an input: a local path or an http(s) URL, plain, gzip or bzip2.

URLs are downloaded to a temporary file first, so that the SHA-256 recorded in the provenance is
that of the exact bytes loaded and a failed download never half-loads a source.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import httpx

from commons_graph.errors import BadInput

_GZIP = b"\x1f\x8b"
_BZIP2 = b"BZh"


@dataclass(frozen=True)
class Input:
    name: str  # what the user gave: a path or a URL
    path: Path  # a local file with the exact bytes
    sha256: str
    size: int


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            sha.update(block)
    return sha.hexdigest()


@contextmanager
def fetch(location: str) -> Iterator[Input]:
    """Make ``location`` a local file and describe it."""
    if location.startswith(("http://", "https://")):
        with tempfile.TemporaryDirectory(prefix="commons-graph-") as tmp:
            target = Path(tmp) / "download"
            try:
                with httpx.stream("GET", location, follow_redirects=True, timeout=60) as resp:
                    resp.raise_for_status()
                    with open(target, "wb") as out:
                        for chunk in resp.iter_bytes():
                            out.write(chunk)
            except httpx.HTTPError as err:
                raise BadInput(f"{location}: download failed: {err}") from err
            yield Input(location, target, _digest(target), target.stat().st_size)
        return
    path = Path(location)
    if not path.is_file():
        raise BadInput(f"{location}: no such file")
    yield Input(location, path, _digest(path), path.stat().st_size)


def open_decompressed(path: Path) -> BinaryIO:
    """Open ``path`` for reading, decompressing gzip or bzip2 by their magic bytes."""
    with open(path, "rb") as fh:
        magic = fh.read(3)
    if magic.startswith(_GZIP):
        return cast(BinaryIO, gzip.open(path, "rb"))
    if magic.startswith(_BZIP2):
        return cast(BinaryIO, bz2.open(path, "rb"))
    return open(path, "rb")


def head(path: Path, size: int = 4096) -> bytes:
    """The first decompressed bytes of ``path``."""
    with open_decompressed(path) as fh:
        return fh.read(size)
