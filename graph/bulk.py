"""Feeding pyoxigraph's bulk loader: Python quads and N-Quads byte chunks, in bounded memory.

Loaders give the writer a stream of triples, quads already in the target graph, or N-Quads byte
chunks (from worker processes). :class:`BulkFeed` batches them, loads them in a background thread
while the next batch is gathered, and checks that every statement lands in the target graph.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, RdfFormat, Store, Triple, serialize

#: Quads handed to pyoxigraph's bulk loader per call; bounds the loader's memory. A call costs
#: about 1.2 KB per quad at its peak (the Python quads, then the loader's sorted keys): 50,000
#: quads about 65 MB, 200,000 about 235 MB, at the same speed.
BULK_CHUNK = 50_000
#: N-Quads bytes handed to the bulk loader per call at most (with at most ``BULK_CHUNK`` lines):
#: about 45,000 Wikidata statements; the bulk loader needs some 8 times that while it loads
#: (about 80 MB; 16 MB chunks cost 130 MB, and load no faster).
BULK_BYTES = 8 << 20
#: Python quads are serialised to N-Quads bytes (by pyoxigraph, about 0.7 µs a quad) in batches of
#: this many, and loaded like byte chunks, in the background thread: ``bulk_load`` releases the
#: GIL, where ``bulk_extend`` holds it for the whole load (about 7 µs a quad), so a loader's mapping
#: (Python) and the store's writing (Rust) run side by side instead of taking turns. A batch with
#: a blank node goes to ``bulk_extend`` as it is: ``bulk_load`` gives the blank nodes of every call
#: fresh ids, so one blank node in two loads would become two.
QUAD_BATCH = 2_000
#: The first ``BULK_CHUNK`` statements of a feed are loaded this many at a time, the rest
#: ``BULK_CHUNK`` at a time: a small graph's writing then overlaps its mapping (a single load at
#: the end would wait for all of it), and a large one does not leave many small loads' files to
#: compact.
FIRST_LOADS = 10_000


def in_graph(statement: Triple | Quad, graph: NamedNode | None) -> Quad:
    """Quads built by the loaders in the target graph pass as they are; triples (and quads of the
    default graph, as parsers give them) are put there; a quad of another graph is a bug. With no
    target graph, any quad passes and a triple is a bug."""
    if graph is None:
        if not isinstance(statement, Quad):
            raise ValueError(f"a triple was written with no graph: {statement}")
        return statement
    if isinstance(statement, Quad):
        if statement.graph_name == graph:
            return statement
        if not isinstance(statement.graph_name, DefaultGraph):
            raise ValueError(f"a quad of graph {statement.graph_name} was written to {graph}")
    return Quad(statement.subject, statement.predicate, statement.object, graph)


class BulkFeed:
    """Feeds one graph's statements to pyoxigraph's bulk loader, as N-Quads bytes.

    Python quads are serialised in batches of ``QUAD_BATCH``; they and the byte chunks of loaders
    (no Python objects made) are loaded every ``BULK_CHUNK`` lines (``FIRST_LOADS`` at first) or
    ``BULK_BYTES`` bytes. Each
    load runs in a background thread (``bulk_load`` releases the GIL) while the next one is
    gathered, one at a time, so mapping and writing overlap in bounded memory. Use it as a context
    manager: leaving the block always waits for that thread.

    Bytes come from loaders (``Mapped.nquads``) that serialise quads of the target graph with
    ``pyoxigraph.serialize``: one statement per line, each ending in `` <graph> .``. That is checked
    by counting lines and line endings at C speed, so a loader bug that puts a statement in another
    graph (or the default graph) fails loudly. It guards against mistakes; it is not a parser (a
    comment could hide a statement of another graph), so only loader output may be written as
    bytes, never bytes received from users: those go through a parser into quads.
    """

    def __init__(self, store: Store, graph: NamedNode | None) -> None:
        """``graph`` None: quads of any graphs (``add``), and no byte chunks."""
        self._store = store
        self._graph = graph
        self._line_end = None if graph is None else b" " + str(graph).encode("utf-8") + b" .\n"
        self._quads: list[Quad] = []
        self._chunks: list[bytes] = []
        self._lines = self._bytes = 0
        self._loader: ThreadPoolExecutor | None = None
        self._loading: Future[None] | None = None
        self._batch = min(QUAD_BATCH, BULK_CHUNK)
        self._load_lines = min(FIRST_LOADS, BULK_CHUNK)  # statements per load, for now
        self._blank = False  # a buffered quad has a blank node (or a triple term)
        self.count = 0

    def __enter__(self) -> BulkFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loader is not None:
            self._loader.shutdown(wait=True)

    def quad(self, statement: Triple | Quad) -> None:
        quad = in_graph(statement, self._graph)
        self._quads.append(quad)
        if not self._blank and (
            isinstance(quad.subject, BlankNode | Triple)
            or isinstance(quad.object, BlankNode | Triple)
            or isinstance(quad.graph_name, BlankNode)
        ):
            self._blank = True
        if len(self._quads) >= self._batch:
            self._serialise_quads()
            if self._lines >= self._load_lines or self._bytes >= BULK_BYTES:
                self._flush_bytes()

    def nquads(self, chunk: bytes) -> None:
        lines = chunk.count(b"\n")
        if self._line_end is None:
            raise ValueError("N-Quads bytes can only be written to one given graph")
        if lines != chunk.count(self._line_end) or not chunk.endswith(b"\n"):
            raise ValueError(
                f"N-Quads bytes written to {self._graph} must hold one statement per line, each "
                "in that graph"
            )
        self._chunks.append(chunk)
        self._lines += lines
        self._bytes += len(chunk)
        if self._lines >= self._load_lines or self._bytes >= BULK_BYTES:
            self._flush_bytes()

    def close(self) -> int:
        """Load what is buffered; return how many statements were written in all."""
        self._serialise_quads()
        self._flush_bytes()
        self._wait()
        return self.count

    def _wait(self) -> None:
        """Wait for the chunk being loaded in the background; raise what its load raised."""
        if self._loading is not None:
            loading, self._loading = self._loading, None
            loading.result()

    def _serialise_quads(self) -> None:
        """Turn the buffered quads (all in the graph: see :func:`in_graph`) into a byte chunk, or
        load them as they are if one has a blank node (see :data:`QUAD_BATCH`)."""
        if self._quads and self._blank:
            self._wait()  # one bulk load at a time
            self._store.bulk_extend(self._quads)
            self.count += len(self._quads)
            self._quads, self._blank = [], False
        elif self._quads:
            data = serialize(self._quads, format=RdfFormat.N_QUADS)
            assert data is not None
            self._chunks.append(data)
            self._lines += len(self._quads)
            self._bytes += len(data)
            self._quads = []

    def _flush_bytes(self) -> None:
        if self._chunks:
            self._wait()  # before joining: at most two chunks in memory, one of them loading
            data = b"".join(self._chunks)
            self._chunks = []
            if self._loader is None:
                self._loader = ThreadPoolExecutor(1, thread_name_prefix="bulk-load")
            # to_graph: a line `s p <graph> .` is a triple of the default graph; it lands there too.
            # lenient: the bytes were serialised by pyoxigraph from checked terms (see the class
            # doc), so the parser need not check every IRI again (5-10% faster).
            self._loading = self._loader.submit(
                self._store.bulk_load,
                data,
                RdfFormat.N_QUADS,
                to_graph=self._graph,
                lenient=True,
            )
            self.count += self._lines
            self._lines = self._bytes = 0
            if self.count >= BULK_CHUNK:
                self._load_lines = BULK_CHUNK


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
