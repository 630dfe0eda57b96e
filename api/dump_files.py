"""Dump files, made once per store generation and source, then served as static files.

``{dump_dir}/{generation}/{source}.nq.gz`` is the source graph as gzipped N-Quads, written by the
engine (:meth:`graph.store.Snapshot.dump`) behind a first comment line naming the licence;
``{source}.jsonl.gz`` is one compact JSON-LD document per entity and line, in IRI order. The plain
``{source}.jsonl`` and its line offsets ``{source}.idx`` stay beside it: collection pages of that
generation are then sliced from the file instead of being described again (the harvest's fast
path). Generations the store no longer keeps lose their folder on the next build.
"""

from __future__ import annotations

import gzip
import os
import shutil
import threading
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path

import orjson
from pyoxigraph import NamedNode

from api.jsonld import compactor
from graph.describe import describe
from graph.store import GraphStore, Snapshot
from loaders.provenance import SourceInfo

COMPRESS_LEVEL = 1  # dumps are made once per version; level 1 keeps that near the engine
SUFFIX = {"nquads": ".nq.gz", "jsonld": ".jsonl.gz"}


class DumpFiles:
    def __init__(self, root: Path, store: GraphStore, context_url: str) -> None:
        self.root = root
        self.store = store
        self.context_url = context_url
        self._locks: dict[Path, threading.Lock] = {}
        self._guard = threading.Lock()
        self._offsets: dict[Path, array[int]] = {}

    def path(self, generation: str, source: str, kind: str) -> Path:
        return self.root / generation / f"{source}{SUFFIX[kind]}"

    def ensure(
        self, snapshot: Snapshot, info: SourceInfo, kind: str, entities: Sequence[str]
    ) -> Path:
        """The dump file of ``info``'s source in ``snapshot``, made now if it is not there yet;
        ``entities`` are the source's entities in order (for the JSON-LD lines)."""
        target = self.path(snapshot.generation, info.source, kind)
        if target.exists():
            return target
        with self._guard:
            lock = self._locks.setdefault(target, threading.Lock())
        with lock:
            if target.exists():
                return target
            target.parent.mkdir(parents=True, exist_ok=True)
            self._collect()
            if kind == "nquads":
                self._nquads(snapshot, info, target)
            else:
                self._jsonl(snapshot, info, target, entities)
        return target

    def _nquads(self, snapshot: Snapshot, info: SourceInfo, target: Path) -> None:
        tmp = target.with_name(target.name + ".tmp")
        with gzip.open(tmp, "wb", compresslevel=COMPRESS_LEVEL) as out:
            out.write(_licence_comment(info))
            snapshot.dump(out, NamedNode(info.graph))  # type: ignore[arg-type]
        os.replace(tmp, target)

    def _jsonl(
        self, snapshot: Snapshot, info: SourceInfo, target: Path, entities: Sequence[str]
    ) -> None:
        plain = _plain(target)
        tmp_plain = plain.with_name(plain.name + ".tmp")
        offsets = array("Q", [0])
        graph = NamedNode(info.graph)
        compact = compactor()
        head = self.head()
        position = 0
        with tmp_plain.open("wb") as out:
            for iri in entities:
                entity = NamedNode(iri)
                frame = compact.frame(describe(snapshot, entity, graph), entity)
                line = head + orjson.dumps(frame)[1:] + b"\n"
                out.write(line)
                position += len(line)
                offsets.append(position)
        tmp_gz = target.with_name(target.name + ".tmp")
        with (
            tmp_plain.open("rb") as src,
            gzip.open(tmp_gz, "wb", compresslevel=COMPRESS_LEVEL) as gz,
        ):
            shutil.copyfileobj(src, gz, 1 << 20)
        _index(plain).write_bytes(offsets.tobytes())
        os.replace(tmp_plain, plain)
        os.replace(tmp_gz, target)

    def head(self) -> bytes:
        """How every JSON-LD line starts: its ``@context``."""
        return orjson.dumps({"@context": self.context_url})[:-1] + b","

    def page_lines(self, generation: str, source: str, start: int, stop: int) -> list[bytes] | None:
        """Lines ``start`` … ``stop - 1`` of a finished JSON-LD lines dump, or None if there is
        none for this generation (yet)."""
        plain = _plain(self.path(generation, source, "jsonld"))
        offsets = self._offsets.get(plain)
        if offsets is None:
            try:
                data = _index(plain).read_bytes()
            except FileNotFoundError:
                return None
            offsets = array("Q")
            offsets.frombytes(data)
            self._offsets[plain] = offsets
        stop = min(stop, len(offsets) - 1)
        if start >= stop:
            return []
        with plain.open("rb") as fh:
            fh.seek(offsets[start])
            data = fh.read(offsets[stop] - offsets[start])
        return data.splitlines()

    def _collect(self) -> None:
        """Delete the folders of generations the store no longer keeps."""
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if folder.is_dir() and self.store.snapshot_at(folder.name) is None:
                shutil.rmtree(folder, ignore_errors=True)
                self._offsets = {k: v for k, v in self._offsets.items() if folder not in k.parents}


def _plain(target: Path) -> Path:
    return target.with_name(target.name.removesuffix(".gz"))


def _index(plain: Path) -> Path:
    return plain.with_name(plain.name + ".idx")


def _licence_comment(info: SourceInfo) -> bytes:
    licence = info.licence or "not stated"
    return f"# {info.source}: licence {licence}\n".encode()


def file_chunks(paths: list[Path], size: int = 1 << 20) -> Iterator[bytes]:
    """The bytes of ``paths`` one after the other (gzip members concatenate into one stream)."""
    for path in paths:
        with path.open("rb") as fh:
            while chunk := fh.read(size):
                yield chunk
