"""Where queries are evaluated: the :class:`Evaluator` interface and its in-process version.

The real evaluator is the worker pool of :mod:`api.workers`, used for on-disk stores: it can kill a
runaway query. :class:`InProcessEvaluator` serves in-memory stores (tests, the demo): it runs the
query in a thread, so its time limit only stops *waiting* (the thread runs on to its end; pyoxigraph
cannot be cancelled from Python). Do not serve an in-memory store on the open internet.
"""

from __future__ import annotations

import time
from typing import Protocol

import anyio

from api.evaluate import QueryOutcome, QueryTask, evaluate
from graph.store import GraphStore


class Evaluator(Protocol):
    async def run(self, task: QueryTask) -> QueryOutcome:
        """Answer ``task`` within the time limit, or raise QueryTimeout."""
        ...

    def close(self) -> None: ...


class InProcessEvaluator:
    """Evaluates in a worker thread of this process. See the module docstring for the caveat."""

    def __init__(self, store: GraphStore, timeout: float) -> None:
        self._store = store
        self._timeout = timeout

    async def run(self, task: QueryTask) -> QueryOutcome:
        from commons_graph.errors import QueryTimeout

        snapshot = self._store.snapshot()
        started = time.monotonic()
        with anyio.move_on_after(self._timeout) as scope:
            return await anyio.to_thread.run_sync(
                evaluate, snapshot.query, task, abandon_on_cancel=True
            )
        assert scope.cancelled_caught
        raise QueryTimeout(
            f"the query ran out of its time limit of {self._timeout:g} s "
            f"(after {time.monotonic() - started:.1f} s)"
        )

    def close(self) -> None:
        """Nothing to release."""
