"""The embedded pyoxigraph engine, on disk or in memory.

Both engines publish whole generations (see :mod:`graph.store`):

* :class:`DiskStore` keeps each generation in its own RocksDB directory under ``gens/``. A write
  starts from a hard-linked checkpoint of the current generation (``Store.backup``, which is cheap),
  writes with pyoxigraph's bulk loader (bounded memory, no giant transaction), flushes, and then
  atomically replaces the ``CURRENT`` file. Published generations are only ever opened read-only.
  A write killed half-way leaves an unpublished directory that the next write deletes.
* :class:`MemoryStore` copies the current in-memory store and swaps a reference.

Writers are serialised by an advisory lock file, across processes too, so ``commons-graph load`` can
run beside ``commons-graph serve``.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import BinaryIO, cast

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Store, Triple, Variable

from commons_graph.errors import StoreError
from graph.bulk import BULK_BYTES, BULK_CHUNK, BulkFeed, GraphLines
from graph.store import GraphName, QueryResult, Snapshot, Term

__all__ = ["BULK_BYTES", "BULK_CHUNK", "DiskStore", "MemoryStore", "open_store"]

#: How long a superseded generation stays on disk at least, for readers still using it.
GRACE_SECONDS = 60.0
_GENERATION = re.compile(r"gen-\d{8}")
#: Generations up to this size are compacted before they are published (``Store.optimize``).
#: A bulk load leaves many overlapping table files, and a read-only store never compacts them;
#: compacted, reads decode terms about 2.5x faster. Compaction rewrites the whole store, so its
#: time and memory grow with it: a larger store (about 4.5M quads) is published as it is.
COMPACT_MAX_BYTES = 1 << 30


class OxigraphSnapshot:
    """A read-only view of one pyoxigraph generation."""

    def __init__(self, store: Store, generation: str, path: Path | None) -> None:
        self._store = store
        self._generation = generation
        self._path = path

    @property
    def generation(self) -> str:
        return self._generation

    @property
    def path(self) -> Path | None:
        return self._path

    def checkpoint(self, target: Path) -> None:
        """A copy of this generation at ``target``: hard links to its files (``Store.backup``)."""
        self._store.backup(str(target))

    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[Variable, Term] | None = None,
        default_graph: Sequence[GraphName] | None = None,
        named_graphs: Sequence[NamedNode | BlankNode] | None = None,
        use_default_graph_as_union: bool = False,
        base_iri: str | None = None,
    ) -> QueryResult:
        result: QueryResult = self._store.query(
            sparql,
            base_iri=base_iri,
            use_default_graph_as_union=use_default_graph_as_union,
            default_graph=list(default_graph) if default_graph is not None else None,
            named_graphs=list(named_graphs) if named_graphs is not None else None,
            substitutions=dict(substitutions) if substitutions else None,
        )
        return result

    def quads(
        self,
        subject: NamedNode | BlankNode | None = None,
        predicate: NamedNode | None = None,
        obj: Term | None = None,
        graph: GraphName | None = None,
    ) -> Iterator[Quad]:
        return iter(self._store.quads_for_pattern(subject, predicate, obj, graph))

    def named_graphs(self) -> list[NamedNode | BlankNode]:
        return list(self._store.named_graphs())

    def dump(self, output: BinaryIO, graph: NamedNode) -> None:
        # the engine writes one graph as N-Triples; each line gets the graph name at C speed
        lines = GraphLines(output, graph)
        self._store.dump(cast(BinaryIO, lines), format=RdfFormat.N_TRIPLES, from_graph=graph)
        lines.close()


class OxigraphWriter:
    """Writes into a private pyoxigraph store that becomes the next generation."""

    def __init__(self, store: Store, generation: str, path: Path | None) -> None:
        self._store = store
        self._generation = generation
        self._path = path

    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple | Quad | bytes]) -> int:
        if self._store.contains_named_graph(graph):
            _clear(self._store, graph)
        with BulkFeed(self._store, graph) as feed:
            for item in triples:
                if isinstance(item, bytes):
                    feed.nquads(item)
                else:
                    feed.quad(item)
            count = feed.close()
        self._store.add_graph(graph)
        return count

    def add(self, quads: Iterable[Quad]) -> None:
        it = iter(quads)
        first = list(islice(it, SMALL_ADD))
        if len(first) < SMALL_ADD:
            self._store.extend(first)  # a bulk load costs ~10 ms however few its statements
            return
        with BulkFeed(self._store, None) as feed:
            for quad in chain(first, it):
                feed.quad(quad)
            feed.close()

    def retract(self, subject: NamedNode | BlankNode, graph: NamedNode) -> None:
        for quad in list(self._store.quads_for_pattern(subject, None, None, graph)):
            self._store.remove(quad)

    def update(self, sparql: str) -> None:
        self._store.update(sparql)

    def snapshot(self) -> Snapshot:
        return OxigraphSnapshot(self._store, self._generation, self._path)

    def release(self) -> Store:
        store = self._store
        del self._store
        return store


class MemoryStore:
    """An in-memory store for tests and the demo: copy-on-write generations in RAM."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counter = 0
        self._current = OxigraphSnapshot(Store(), "mem-0", None)

    def snapshot(self) -> Snapshot:
        return self._current

    def snapshot_at(self, generation: str) -> Snapshot | None:
        """Only the current generation is kept in memory."""
        current = self._current
        return current if current.generation == generation else None

    @contextmanager
    def write(self) -> Iterator[OxigraphWriter]:
        with self._lock:
            nxt = Store()
            nxt.bulk_extend(self._current.quads())
            for graph in self._current.named_graphs():
                nxt.add_graph(graph)
            self._counter += 1
            name = f"mem-{self._counter}"
            writer = OxigraphWriter(nxt, name, None)
            yield writer
            self._current = OxigraphSnapshot(writer.release(), name, None)

    def close(self) -> None:
        """Nothing to release."""


class DiskStore:
    """An on-disk store of generations: ``root/CURRENT`` names the live one under ``root/gens``."""

    def __init__(self, root: Path, keep: int = 3) -> None:
        self.root = root
        self.keep = keep
        self._gens = root / "gens"
        self._open_lock = threading.Lock()  # opening a generation for readers
        self._write_lock = threading.Lock()  # one writer per process (the file lock: per store)
        self._cached: OxigraphSnapshot | None = None
        self._older: OxigraphSnapshot | None = None  # the last earlier generation opened
        self._current_seen: tuple[tuple[int, int, int], str | None] | None = None
        try:
            self._gens.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(f"cannot create the store at {root}: {err.strerror}") from err
        if self._read_current() is None:
            with self.write():
                pass  # publish an empty first generation so readers always have one

    # -- reading -------------------------------------------------------------------------------
    def _read_current(self) -> str | None:
        """The live generation's name. ``CURRENT`` is only ever replaced by a rename, so its
        inode and mtime tell whether it changed: one ``stat`` per call instead of a read."""
        current = self.root / "CURRENT"
        try:
            stat = os.stat(current)
            key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            seen = self._current_seen
            if seen is not None and seen[0] == key:
                return seen[1]
            name = current.read_text(encoding="ascii").strip() or None
        except FileNotFoundError:
            return None
        self._current_seen = (key, name)
        return name

    def snapshot(self) -> Snapshot:
        for _attempt in range(5):
            name = self._read_current()
            if name is None:
                raise StoreError(f"{self.root} has no CURRENT generation")
            cached = self._cached
            if cached is not None and cached.generation == name:
                return cached
            with self._open_lock:
                if self._cached is None or self._cached.generation != name:
                    path = self._gens / name
                    try:
                        store = Store.read_only(str(path))
                    except OSError as err:
                        if self._read_current() != name:
                            continue  # superseded and collected meanwhile: read CURRENT again
                        raise StoreError(f"cannot open store generation {path}: {err}") from err
                    self._cached = OxigraphSnapshot(store, name, path)
                return self._cached
        raise StoreError(f"{self.root}: the store changed too fast to open a generation")

    def snapshot_at(self, generation: str) -> Snapshot | None:
        """An earlier generation, opened read-only, while garbage collection has not deleted it
        (the last one opened is kept open)."""
        current = self.snapshot()
        if current.generation == generation:
            return current
        if not _GENERATION.fullmatch(generation) or generation > current.generation:
            return None
        with self._open_lock:
            older = self._older
            if older is not None and older.generation == generation:
                return older
            path = self._gens / generation
            try:
                store = Store.read_only(str(path))
            except OSError:
                return None  # collected (or never published)
            self._older = OxigraphSnapshot(store, generation, path)
            return self._older

    # -- writing -------------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[OxigraphWriter]:
        with self._write_lock, self._file_lock():
            current = self._read_current()
            self._collect_garbage(current)
            number = int(current.rsplit("-", 1)[1]) + 1 if current else 1
            name = f"gen-{number:08d}"
            path = self._gens / name
            if path.exists():  # left by a killed write
                shutil.rmtree(path)
            if current is not None:
                # the reader's cached store of the current generation (the load reads it too)
                source = self.snapshot()
                assert isinstance(source, OxigraphSnapshot) and source.generation == current
                source.checkpoint(path)
            store = Store(str(path))
            writer = OxigraphWriter(store, name, path)
            try:
                yield writer
            except BaseException:
                del store
                writer.release()
                shutil.rmtree(path, ignore_errors=True)
                raise
            if _sst_bytes(path) <= COMPACT_MAX_BYTES:
                store.optimize()  # readers of a compacted generation decode terms ~2.5x faster
            store.flush()
            del store
            writer.release()
            self._publish(name)

    def _publish(self, name: str) -> None:
        tmp = self.root / "CURRENT.tmp"
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(name + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / "CURRENT")
        dir_fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        with open(self.root / ".write.lock", "a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _collect_garbage(self, current: str | None) -> None:
        """Delete unpublished generations (left by killed writes), and published ones beyond the
        newest ``keep`` that were superseded more than ``GRACE_SECONDS`` ago, so that a reader in
        another process has time to move on to a newer generation."""
        names = sorted(p.name for p in self._gens.iterdir() if p.name.startswith("gen-"))
        published = [n for n in names if current is not None and n <= current]
        for name in names:
            if name not in published:
                shutil.rmtree(self._gens / name, ignore_errors=True)
        old = published[: -self.keep]
        for name, successor in zip(old, published[1:], strict=False):
            if time.time() - (self._gens / successor).stat().st_mtime > GRACE_SECONDS:
                shutil.rmtree(self._gens / name, ignore_errors=True)

    def close(self) -> None:
        self._cached = None
        self._older = None


#: Fewer statements than this are added in a plain transaction (buffered in memory until the
#: store is flushed) rather than by the bulk loader, whose every call writes and ingests files.
SMALL_ADD = 1_000

#: Statements removed between two flushes of the store's write buffers by :func:`_clear`.
CLEAR_FLUSH_EVERY = 100_000


def _clear(store: Store, graph: NamedNode) -> None:
    """Remove every statement of ``graph``, one small transaction each, flushing now and then.

    ``Store.remove_graph`` removes them in one transaction, which RocksDB holds in memory whole:
    some 1.2 KB per statement (2 GB for a 1.7M-statement graph), and slower than this. The
    writer's store is private until it is published, so removing piecemeal is still atomic."""
    for removed, quad in enumerate(store.quads_for_pattern(None, None, None, graph), 1):
        store.remove(quad)
        if removed % CLEAR_FLUSH_EVERY == 0:
            store.flush()  # the removals sit in the write buffers until flushed


def _sst_bytes(path: Path) -> int:
    """The size of a generation's table files (what a compaction rewrites)."""
    total = 0
    for entry in os.scandir(path):
        if entry.name.endswith(".sst"):
            try:
                total += entry.stat().st_size
            except FileNotFoundError:  # deleted by a background compaction meanwhile
                continue
    return total


def open_store(path: Path | None, keep: int = 3) -> DiskStore | MemoryStore:
    return DiskStore(path, keep) if path is not None else MemoryStore()
