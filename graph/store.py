"""The store interface.

A store is a sequence of immutable *generations*. Readers take a :class:`Snapshot` of the current
generation and see it unchanged for as long as they hold it. Writers open a :class:`Writer` with
``store.write()``: everything done inside the ``with`` block becomes visible at once when the block
ends, or not at all if it raises or the process dies. This gives the guarantees the loaders need
(a reader sees the old or the new version of a source, never a mix; ``kill -9`` during a load leaves
the previous version intact) without holding a large transaction in memory.

A remote SPARQL 1.1 engine can implement the same protocols: ``Snapshot.query`` over the SPARQL
Protocol, and ``Writer`` by loading into a staging graph and swapping with SPARQL Update.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    Triple,
    Variable,
)

Term = NamedNode | BlankNode | Literal | Triple
GraphName = NamedNode | BlankNode | DefaultGraph
QueryResult = QuerySolutions | QueryBoolean | QueryTriples


class Snapshot(Protocol):
    """A read-only view of one generation."""

    @property
    def generation(self) -> str:
        """An opaque name of this generation; it changes with every write."""
        ...

    @property
    def path(self) -> Path | None:
        """Where this generation lives on disk, for worker processes; None in memory."""
        ...

    def query(
        self,
        sparql: str,
        *,
        substitutions: Mapping[Variable, Term] | None = None,
        default_graph: Sequence[GraphName] | None = None,
        named_graphs: Sequence[NamedNode | BlankNode] | None = None,
        use_default_graph_as_union: bool = False,
        base_iri: str | None = None,
    ) -> QueryResult: ...

    def quads(
        self,
        subject: NamedNode | BlankNode | None = None,
        predicate: NamedNode | None = None,
        obj: Term | None = None,
        graph: GraphName | None = None,
    ) -> Iterator[Quad]: ...

    def named_graphs(self) -> list[NamedNode | BlankNode]: ...

    def dump(self, output: BinaryIO, graph: NamedNode) -> None:
        """Write ``graph`` to ``output`` as N-Quads, in the engine (no Python objects per quad)."""
        ...


class Writer(Protocol):
    """The private next generation. Nothing written here is visible until the write commits."""

    def replace_graph(self, graph: NamedNode, triples: Iterable[Triple | Quad | bytes]) -> int:
        """Empty ``graph`` and fill it with ``triples`` (or quads already in ``graph``); returns
        how many were written.

        An item may also be ``bytes``: an N-Quads chunk, one statement per line, every one in
        ``graph`` (a loader's ``Mapped.nquads``, made with ``pyoxigraph.serialize``). The engine
        loads it without making Python objects. Only trusted loader output may take this path;
        bytes from users must go through a parser."""
        ...

    def add(self, quads: Iterable[Quad]) -> None: ...

    def retract(self, subject: NamedNode | BlankNode, graph: NamedNode) -> None:
        """Remove every quad of ``graph`` whose subject is ``subject``."""
        ...

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update."""
        ...

    def snapshot(self) -> Snapshot:
        """Read what this writer has written so far (and everything it started from)."""
        ...


class GraphStore(Protocol):
    def snapshot(self) -> Snapshot: ...

    def snapshot_at(self, generation: str) -> Snapshot | None:
        """The snapshot of an earlier ``generation`` while the store still keeps it (see
        ``keep_generations``), the current one if it is current; None once it is gone."""
        ...

    def write(self) -> AbstractContextManager[Writer]:
        """Open the next generation; it is published when the block ends without error."""
        ...

    def close(self) -> None: ...
