"""Feeding pyoxigraph's bulk loader: Python quads and N-Quads byte chunks, in bounded memory.

Loaders give the writer a stream of triples, quads already in the target graph, or N-Quads byte
chunks (from worker processes). :class:`BulkFeed` batches them, loads byte chunks in a background
thread while the next one is gathered, and checks that every statement lands in the target graph.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store, Triple

#: Quads handed to pyoxigraph's bulk loader per call; bounds the loader's memory. A call costs
#: about 1.2 KB per quad at its peak (the Python quads, then the loader's sorted keys): 50,000
#: quads about 65 MB, 200,000 about 235 MB, at the same speed.
BULK_CHUNK = 50_000
#: N-Quads bytes handed to the bulk loader per call at most (with at most ``BULK_CHUNK`` lines):
#: about 45,000 Wikidata statements; the bulk loader needs some 8 times that while it loads
#: (about 80 MB; 16 MB chunks cost 130 MB, and load no faster).
BULK_BYTES = 8 << 20


def in_graph(statement: Triple | Quad, graph: NamedNode) -> Quad:
    """Quads built by the loaders in the target graph pass as they are; triples (and quads of the
    default graph, as parsers give them) are put there; a quad of another graph is a bug."""
    if isinstance(statement, Quad):
        if statement.graph_name == graph:
            return statement
        if not isinstance(statement.graph_name, DefaultGraph):
            raise ValueError(f"a quad of graph {statement.graph_name} was written to {graph}")
    return Quad(statement.subject, statement.predicate, statement.object, graph)


class BulkFeed:
    """Feeds one graph's statements to pyoxigraph's bulk loader in chunks of ``BULK_CHUNK``:
    Python quads with ``bulk_extend``, N-Quads bytes with ``bulk_load`` (no Python objects made).

    Quads and bytes are buffered apart (a store is a set: order does not matter), so that records
    of both kinds interleaved do not make many small bulk loads, each of which writes its files.
    A chunk of bytes is loaded in a background thread (``bulk_load`` releases the GIL) while the
    next one is gathered, one at a time, so mapping and writing overlap in bounded memory. Use it
    as a context manager: leaving the block always waits for that thread.

    Bytes come from loaders (``Mapped.nquads``) that serialise quads of the target graph with
    ``pyoxigraph.serialize``: one statement per line, each ending in `` <graph> .``. That is checked
    by counting lines and line endings at C speed, so a loader bug that puts a statement in another
    graph (or the default graph) fails loudly. It guards against mistakes; it is not a parser (a
    comment could hide a statement of another graph), so only loader output may be written as
    bytes, never bytes received from users: those go through a parser into quads.
    """

    def __init__(self, store: Store, graph: NamedNode) -> None:
        self._store = store
        self._graph = graph
        self._line_end = b" " + str(graph).encode("utf-8") + b" .\n"
        self._quads: list[Quad] = []
        self._chunks: list[bytes] = []
        self._lines = self._bytes = 0
        self._loader: ThreadPoolExecutor | None = None
        self._loading: Future[None] | None = None
        self.count = 0

    def __enter__(self) -> BulkFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loader is not None:
            self._loader.shutdown(wait=True)

    def quad(self, statement: Triple | Quad) -> None:
        self._quads.append(in_graph(statement, self._graph))
        if len(self._quads) >= BULK_CHUNK:
            self._flush_quads()

    def nquads(self, chunk: bytes) -> None:
        lines = chunk.count(b"\n")
        if lines != chunk.count(self._line_end) or not chunk.endswith(b"\n"):
            raise ValueError(
                f"N-Quads bytes written to {self._graph} must hold one statement per line, each "
                "in that graph"
            )
        self._chunks.append(chunk)
        self._lines += lines
        self._bytes += len(chunk)
        if self._lines >= BULK_CHUNK or self._bytes >= BULK_BYTES:
            self._flush_bytes()

    def close(self) -> int:
        """Load what is buffered; return how many statements were written in all."""
        self._flush_quads()
        self._flush_bytes()
        self._wait()
        return self.count

    def _wait(self) -> None:
        """Wait for the chunk being loaded in the background; raise what its load raised."""
        if self._loading is not None:
            loading, self._loading = self._loading, None
            loading.result()

    def _flush_quads(self) -> None:
        if self._quads:
            self._wait()  # one bulk load at a time
            self._store.bulk_extend(self._quads)
            self.count += len(self._quads)
            self._quads = []

    def _flush_bytes(self) -> None:
        if self._chunks:
            self._wait()  # before joining: at most two chunks in memory, one of them loading
            data = b"".join(self._chunks)
            self._chunks = []
            if self._loader is None:
                self._loader = ThreadPoolExecutor(1, thread_name_prefix="bulk-load")
            # to_graph: a line `s p <graph> .` is a triple of the default graph; it lands there too
            self._loading = self._loader.submit(
                self._store.bulk_load, data, RdfFormat.N_QUADS, to_graph=self._graph
            )
            self.count += self._lines
            self._lines = self._bytes = 0


class GraphLines:
    """A binary sink that turns N-Triples lines into N-Quads lines of ``graph``. In N-Triples
    every statement ends with `` .`` and a newline, and newlines inside literals are escaped."""

    def __init__(self, output: BinaryIO, graph: NamedNode) -> None:
        self._output = output
        self._end = b" " + str(graph).encode("utf-8") + b" .\n"
        self._rest = b""

    def write(self, data: bytes) -> int:
        joined = self._rest + bytes(data)
        cut = joined.rfind(b"\n") + 1
        self._rest = joined[cut:]
        self._output.write(joined[:cut].replace(b" .\n", self._end))
        return len(data)

    def flush(self) -> None:
        self._output.flush()

    def close(self) -> None:
        if self._rest:
            self._output.write(self._rest)
