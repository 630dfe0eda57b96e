"""Dump files, made once per store generation and source, then served as static files.

``{dump_dir}/{generation}/{source}.nq.gz`` is the source graph as gzipped N-Quads, written by the
engine (:meth:`graph.store.Snapshot.dump`) behind a first comment line naming the licence;
``{source}.jsonl.gz`` is one compact JSON-LD document per entity and line, in IRI order. The plain
``{source}.jsonl``, its line offsets ``{source}.jsonl.idx`` and its entity IRIs
``{source}.jsonl.ids`` (one a line, in the same order) stay beside it: collection pages of that
generation are then sliced from the file instead of being described again (the harvest's fast
path), and a collection's entity list is the one the same scan of the graph wrote. Generations
the store no longer keeps lose their folder on the next build.
"""

from __future__ import annotations

import gzip
import os
import shutil
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import TypeVar

import orjson
from pyoxigraph import NamedNode

from api.jsonld import compactor
from graph.describe import GraphScan, describe, entities
from graph.store import GraphStore, Snapshot
from loaders.provenance import SourceInfo

COMPRESS_LEVEL = 1  # dumps are made once per version; level 1 keeps that near the engine
#: A graph of up to this many triples is read into memory once to make its JSON-LD lines dump
#: (fast); a larger one is described entity by entity with lookups, in bounded memory.
SCAN_TRIPLES = 1_000_000
#: Processes (and threads) making JSON-LD dumps side by side: one per core.
DUMP_WORKERS = os.cpu_count() or 1
T = TypeVar("T")
SUFFIX = {"nquads": ".nq.gz", "jsonld": ".jsonl.gz"}


class DumpFiles:
    def __init__(
        self,
        root: Path,
        store: GraphStore,
        context_url: str,
        processes: Executor | None = None,
    ) -> None:
        """``processes`` (see :func:`dump_workers`) make the JSON-LD dumps of on-disk stores, and
        several at once; without them, dumps are made in the asking thread."""
        self.root = root
        self.store = store
        self.context_url = context_url
        self.processes = processes
        self._threads = ThreadPoolExecutor(DUMP_WORKERS) if processes is not None else None
        self._started: set[Path] = set()
        self._locks: dict[Path, threading.Lock] = {}
        self._guard = threading.Lock()
        self._offsets: dict[Path, array[int]] = {}

    def path(self, generation: str, source: str, kind: str) -> Path:
        return self.root / generation / f"{source}{SUFFIX[kind]}"

    def ensure(self, snapshot: Snapshot, info: SourceInfo, kind: str) -> Path:
        """The dump file of ``info``'s source in ``snapshot``, made now if it is not there yet."""
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
                self._jsonl(snapshot, info, target)
        return target

    def ensure_all(self, snapshot: Snapshot, infos: Sequence[SourceInfo], kind: str) -> list[Path]:
        """:meth:`ensure` for several sources, side by side, one thread per core: the engine
        serialises N-Quads without holding the GIL, and JSON-LD dumps of an on-disk store are
        made in the dump worker processes."""
        if len(infos) < 2 or (kind == "jsonld" and self.processes is None):
            return [self.ensure(snapshot, info, kind) for info in infos]
        with ThreadPoolExecutor(max_workers=DUMP_WORKERS) as pool:
            futures = {
                info.source: pool.submit(self.ensure, snapshot, info, kind)
                for info in largest_first(infos, key=lambda i: i)
            }
            return [futures[info.source].result() for info in infos]

    def entities(self, snapshot: Snapshot, info: SourceInfo) -> list[str]:
        """The entity IRIs of ``info``'s source in ``snapshot``, in IRI order (see
        :func:`graph.describe.entities`): listed by the scan that makes its JSON-LD lines dump."""
        plain = _plain(self.ensure(snapshot, info, "jsonld"))
        return _ids(plain).read_text(encoding="utf-8").splitlines()

    def _nquads(self, snapshot: Snapshot, info: SourceInfo, target: Path) -> None:
        tmp = target.with_name(target.name + ".tmp")
        with gzip.open(tmp, "wb", compresslevel=COMPRESS_LEVEL) as out:
            out.write(_licence_comment(info))
            snapshot.dump(out, NamedNode(info.graph))  # type: ignore[arg-type]
        os.replace(tmp, target)

    def _jsonl(self, snapshot: Snapshot, info: SourceInfo, target: Path) -> None:
        scan = info.triples <= SCAN_TRIPLES
        if self.processes is None or snapshot.path is None:
            write_jsonl(snapshot, info.graph, target, self.head(), scan)
            return
        job = (str(snapshot.path), snapshot.generation, info.graph, str(target))
        self.processes.submit(_jsonl_in_worker, *job, self.head(), scan).result()

    def prefetch(self, snapshot: Snapshot, infos: Sequence[SourceInfo]) -> None:
        """Start making the JSON-LD lines dumps of ``infos`` in the background (the first page
        of a store version asks for its source's; a harvest goes on to the others)."""
        if self._threads is None:
            return
        for info in infos:
            target = self.path(snapshot.generation, info.source, "jsonld")
            with self._guard:
                if target in self._started or target.exists():
                    continue
                self._started.add(target)
            self._threads.submit(self.ensure, snapshot, info, "jsonld")

    def close(self) -> None:
        if self._threads is not None:
            self._threads.shutdown(wait=True, cancel_futures=True)

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
                with self._guard:
                    self._started = {t for t in self._started if folder not in t.parents}


def write_jsonl(
    snapshot: Snapshot, graph: str, target: Path, head: bytes, scan: bool = True
) -> None:
    """Write the JSON-LD lines dump ``target`` (gzipped), its plain copy, line offsets and entity
    IRIs: from one scan of ``graph`` held in memory, or without ``scan`` with lookups."""
    plain = _plain(target)
    tmp_plain = plain.with_name(plain.name + ".tmp")
    offsets = array("Q", [0])
    compact = compactor()
    position = 0
    node = NamedNode(graph)
    if scan:
        whole = GraphScan(snapshot, node)
        found, describe_one = whole.entities(), whole.describe
    else:
        found = entities(snapshot, node)
        describe_one = partial(describe, snapshot, graph=node)
    _ids(plain).write_text("".join(f"{e.value}\n" for e in found), encoding="utf-8")
    with tmp_plain.open("wb") as out:
        for entity in found:
            triples = describe_one(entity)
            line = head + orjson.dumps(compact.frame(triples, entity))[1:] + b"\n"
            out.write(line)
            position += len(line)
            offsets.append(position)
    tmp_gz = target.with_name(target.name + ".tmp")
    with tmp_plain.open("rb") as src, gzip.open(tmp_gz, "wb", compresslevel=COMPRESS_LEVEL) as gz:
        shutil.copyfileobj(src, gz, 1 << 20)
    _index(plain).write_bytes(offsets.tobytes())
    os.replace(tmp_plain, plain)
    os.replace(tmp_gz, target)


def largest_first(items: Iterable[T], key: Callable[[T], SourceInfo]) -> list[T]:
    """``items`` by the size of their source, largest first: started in this order, side-by-side
    workers finish at about the same time."""
    return sorted(items, key=lambda item: key(item).triples, reverse=True)


def _open_generation(path: str, generation: str) -> Snapshot:  # pragma: no cover - in a worker
    from pyoxigraph import Store

    from graph.oxigraph import OxigraphSnapshot

    return OxigraphSnapshot(Store.read_only(path), generation, Path(path))


def _jsonl_in_worker(  # pragma: no cover - runs in a dump worker process
    path: str, generation: str, graph: str, target: str, head: bytes, scan: bool
) -> None:
    write_jsonl(_open_generation(path, generation), graph, Path(target), head, scan)


def dump_workers(workers: int) -> ProcessPoolExecutor:
    """Processes that make JSON-LD dumps (describing and compacting is Python: one GIL each)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("forkserver"))


def _plain(target: Path) -> Path:
    return target.with_name(target.name.removesuffix(".gz"))


def _ids(plain: Path) -> Path:
    return plain.with_name(plain.name + ".ids")


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
