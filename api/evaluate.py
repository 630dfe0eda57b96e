"""Evaluate one SPARQL query on a pyoxigraph store and serialise its capped result.

This module runs inside the query worker processes (see :mod:`api.workers`), and in a thread for
in-memory stores, so it imports nothing heavier than pyoxigraph. The output goes to a
:class:`Spool`: bytes in memory up to :data:`SPOOL_MEMORY`, then a temporary file, so memory stays
bounded however large the result. Because the whole capped result is written before the first byte
is sent, the response headers can say exactly whether it was truncated.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, QueryBoolean, QuerySolutions

from api.serialize import write_boolean, write_solutions, write_triples

#: Result bytes kept in memory before the spool moves to a temporary file.
SPOOL_MEMORY = 256 * 1024


@dataclass(frozen=True)
class QueryTask:
    """Everything a worker needs to answer one query; plain data, so it pickles cheaply."""

    text: str
    results_format: str | None  # key of the negotiated format for SELECT/ASK, None if unacceptable
    graph_format: str | None  # key of the negotiated format for CONSTRUCT/DESCRIBE
    max_rows: int
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    own_dataset: bool = False  # the query has FROM / FROM NAMED (see api.scan.names_dataset)
    base_iri: str | None = None


@dataclass(frozen=True)
class QueryOutcome:
    """How a query ended. ``status`` is 200 or an error status with ``message``."""

    status: int
    kind: str = ""  # "results" or "graph"
    format_key: str = ""
    rows: int = 0
    truncated: bool = False
    body: bytes | None = None  # the result, if it fit in memory
    path: str | None = None  # else the temporary file holding it (the reader deletes it)
    message: str = ""


class Spool:
    """A binary sink that keeps ``SPOOL_MEMORY`` bytes in memory, then moves to a temp file."""

    def __init__(self, directory: str | None = None) -> None:
        self._parts: list[bytes] = []
        self._size = 0
        self._file: IO[bytes] | None = None
        self._path: str | None = None
        self._directory = directory

    def write(self, data: bytes) -> int:
        if self._file is not None:
            return self._file.write(data)
        self._parts.append(bytes(data))
        self._size += len(data)
        if self._size > SPOOL_MEMORY:
            fd, self._path = tempfile.mkstemp(
                prefix=f"cg-result-{os.getpid()}-", dir=self._directory
            )
            self._file = os.fdopen(fd, "wb")
            self._file.write(b"".join(self._parts))
            self._parts = []
        return len(data)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def writable(self) -> bool:
        return True

    def finish(self) -> tuple[bytes | None, str | None]:
        """(bytes, None) if the result stayed in memory, else (None, path of the temp file)."""
        if self._file is None:
            return b"".join(self._parts), None
        self._file.close()
        return None, self._path

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._path is not None:
            os.unlink(self._path)


def _graph_name(iri: str) -> NamedNode | BlankNode | DefaultGraph:
    return NamedNode(iri)


#: ``pyoxigraph.Store.query`` or ``graph.store.Snapshot.query``.
QueryFunction = Callable[..., Any]


def evaluate(query: QueryFunction, task: QueryTask, spool_dir: str | None = None) -> QueryOutcome:
    """Run ``task`` with ``query`` (a store's or snapshot's query method); errors of the query itself come back as 400/406 outcomes.

    The default graph is the union of all graphs unless ``default-graph-uri`` is given; named
    graphs are all graphs of the store unless ``named-graph-uri`` is given. When only one of the
    two is given, the other one is empty, as the SPARQL Protocol says. A query with its own FROM or
    FROM NAMED (and no protocol dataset) gets exactly that dataset: no union default graph, which
    would override it.
    """
    dataset_given = bool(task.default_graphs or task.named_graphs)
    try:
        result = query(
            task.text,
            base_iri=task.base_iri,
            use_default_graph_as_union=not (dataset_given or task.own_dataset),
            default_graph=[_graph_name(g) for g in task.default_graphs] if dataset_given else None,
            named_graphs=[NamedNode(g) for g in task.named_graphs] if dataset_given else None,
        )
    except SyntaxError as err:
        return QueryOutcome(400, message=f"SPARQL syntax error: {err}")
    except ValueError as err:
        return QueryOutcome(400, message=f"the query cannot be run: {err}")
    kind = "graph" if not isinstance(result, QuerySolutions | QueryBoolean) else "results"
    key = task.graph_format if kind == "graph" else task.results_format
    if key is None:
        return QueryOutcome(406, kind=kind)
    spool = Spool(spool_dir)
    try:
        if isinstance(result, QuerySolutions):
            rows, truncated = write_solutions(result, key, task.max_rows, spool)
        elif isinstance(result, QueryBoolean):
            rows, truncated = write_boolean(result, key, spool)
        else:
            rows, truncated = write_triples(result, key, task.max_rows, spool)
    except (ValueError, SyntaxError) as err:
        spool.discard()
        # Evaluation errors surface while iterating (e.g. an unsupported function argument).
        return QueryOutcome(400, message=f"the query failed: {err}")
    except OSError as err:
        spool.discard()
        return QueryOutcome(500, message=f"the store could not be read: {err}")
    body, path = spool.finish()
    return QueryOutcome(200, kind, key, rows, truncated, body, path)
