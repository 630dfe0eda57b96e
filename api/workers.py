"""A pool of query worker processes: time limits that really stop the evaluation.

pyoxigraph cannot cancel a query from Python, so queries over an on-disk store run in worker
processes that can be killed. Each worker answers (generation directory,
:class:`~api.evaluate.QueryTask`) messages with :class:`~api.evaluate.QueryOutcome` messages over a
pipe, opening the directory with ``Store.read_only`` (kept open while it stays current). When a query runs out of its time,
its worker gets SIGKILL (the CPU is freed at once), a fresh one takes its place, and the client gets
503. Workers start from a ``forkserver`` (never ``fork`` from the threaded server).

Lanes. ``settings.query_workers`` *main* workers take queries with the full time limit. One more
*fast-lane* worker keeps answering while all main workers are busy with long queries: a query that
finds no main worker free runs there with a budget of :data:`FAST_LANE_SECONDS`; if it needs more,
it is stopped and queued for a main worker (its time limit still counts from its arrival). So while
up to ``query_workers`` long queries run, short queries keep getting answers.

The parent waits for a reply with ``loop.add_reader`` on the pipe: no thread hop on the hot path.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from api.evaluate import QueryOutcome, QueryTask, evaluate
from commons_graph.errors import QueryTimeout, StoreError
from graph.store import GraphStore

#: Seconds a query may run in the fast lane before it must wait for a main worker.
FAST_LANE_SECONDS = 1.0


def _worker_main(conn: Connection, spool_dir: str) -> None:  # pragma: no cover - in a child
    """The loop of one worker process: open the generation, evaluate, send the outcome."""
    from pyoxigraph import Store

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops workers, not Ctrl-C
    cached: tuple[str, Store] | None = None
    while True:
        try:
            path: str
            task: QueryTask
            path, task = conn.recv()
        except (EOFError, OSError):
            return
        if cached is None or cached[0] != path:
            cached = None  # close the previous generation first
            try:
                cached = (path, Store.read_only(path))
            except OSError as err:
                conn.send(QueryOutcome(500, message=f"cannot open the store generation: {err}"))
                continue
        conn.send(evaluate(cached[1].query, task, spool_dir))


class _Worker:
    def __init__(
        self, ctx: multiprocessing.context.BaseContext, spool_dir: str, fast: bool
    ) -> None:
        parent, child = ctx.Pipe(duplex=True)
        self.fast = fast
        self.conn: Connection = parent
        self.process: BaseProcess = ctx.Process(  # type: ignore[attr-defined]
            target=_worker_main, args=(child, spool_dir), daemon=True, name="cg-query-worker"
        )
        self.process.start()
        child.close()

    def kill(self, spool_dir: str) -> None:
        """SIGKILL, reap, and delete any result file the worker was writing."""
        pid = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.join(5)
        self.conn.close()
        for path in glob.glob(os.path.join(spool_dir, f"cg-result-{pid}-*")):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


class WorkerPool:
    """Evaluates queries on the store's current generation in killable worker processes."""

    def __init__(self, store: GraphStore, workers: int, timeout: float) -> None:
        self._store = store
        self._timeout = timeout
        self._fast_budget = min(FAST_LANE_SECONDS, timeout)
        self._ctx = multiprocessing.get_context("forkserver")
        self._spool_dir = tempfile.mkdtemp(prefix="cg-spool-")
        self._size = workers
        self._main: list[_Worker] = []  # idle main workers
        self._fast: list[_Worker] = []  # idle fast-lane workers
        self._all: set[_Worker] = set()
        self._waiters: list[asyncio.Future[None]] = []
        self._closed = False

    @property
    def spool_dir(self) -> str:
        return self._spool_dir

    def start(self) -> None:
        """Start the workers (blocking: call it from a thread or before serving)."""
        self._ctx.set_forkserver_preload(["api.evaluate", "pyoxigraph"])
        for fast in [False] * self._size + [True]:
            self._release(self._spawn(fast))

    def _spawn(self, fast: bool) -> _Worker:
        worker = _Worker(self._ctx, self._spool_dir, fast)
        self._all.add(worker)
        return worker

    async def run(self, task: QueryTask) -> QueryOutcome:
        """Answer ``task`` on the current generation; raise QueryTimeout when time runs out."""
        snapshot = self._store.snapshot()
        if snapshot.path is None:
            raise StoreError("the worker pool needs an on-disk store")
        message = (str(snapshot.path), task)
        started = time.monotonic()
        deadline = started + self._timeout
        worker = await self._acquire(deadline, allow_fast=True)
        if worker.fast:
            budget = min(self._fast_budget, deadline - time.monotonic())
            outcome = await self._call(worker, message, budget)
            if outcome is not None:
                return outcome
            worker = await self._acquire(deadline, allow_fast=False)
        outcome = await self._call(worker, message, deadline - time.monotonic())
        if outcome is None:
            raise QueryTimeout(
                f"the query was stopped at its time limit of {self._timeout:g} s "
                f"(after {time.monotonic() - started:.1f} s); narrow it or add a LIMIT"
            )
        return outcome

    async def _acquire(self, deadline: float, allow_fast: bool) -> _Worker:
        loop = asyncio.get_running_loop()
        while True:
            if self._closed:
                raise StoreError("the query service is shutting down")
            if self._main:
                return self._main.pop()
            if allow_fast and self._fast:
                return self._fast.pop()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QueryTimeout(
                    f"all {self._size} query workers stayed busy for the whole time limit "
                    f"of {self._timeout:g} s; try again later"
                )
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                await asyncio.wait([waiter], timeout=remaining)
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def _release(self, worker: _Worker) -> None:
        """Put ``worker`` back in its lane and wake the waiters (synchronous: safe when cancelled)."""
        (self._fast if worker.fast else self._main).append(worker)
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _call(
        self, worker: _Worker, message: tuple[str, QueryTask], timeout: float
    ) -> QueryOutcome | None:
        """The worker's outcome, or None if ``timeout`` passed first (the worker is replaced)."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[bool] = loop.create_future()  # True: readable; False: time is up
        fd = worker.conn.fileno()

        def settle(readable: bool) -> None:
            if not ready.done():
                ready.set_result(readable)

        outcome: QueryOutcome | None = None
        loop.add_reader(fd, settle, True)
        timer = loop.call_later(max(timeout, 0.0), settle, False)
        # Some event loops (uvloop) make a watched descriptor non-blocking; the pipe's messages
        # are read whole, so it must stay blocking.
        os.set_blocking(fd, True)
        try:
            worker.conn.send(message)
            if await ready:
                outcome = worker.conn.recv()
        except (EOFError, OSError) as err:
            raise StoreError(f"a query worker died: {err}") from err
        finally:
            timer.cancel()
            loop.remove_reader(fd)
            if outcome is not None:
                self._release(worker)
            else:  # timed out, died, or the request was cancelled mid-query
                self._replace(worker)
        return outcome

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` (it may be mid-query) and, in the background, start a fresh one."""
        self._all.discard(worker)
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(None, self._respawn, worker)

        def done(fut: asyncio.Future[_Worker | None]) -> None:
            fresh = None if fut.cancelled() or fut.exception() else fut.result()
            if fresh is not None:
                self._release(fresh)

        future.add_done_callback(done)

    def _respawn(self, worker: _Worker) -> _Worker | None:
        worker.kill(self._spool_dir)
        return None if self._closed else self._spawn(worker.fast)

    def close(self) -> None:
        """Stop every worker and delete the spool directory."""
        self._closed = True
        for worker in list(self._all):
            worker.kill(self._spool_dir)
        self._all.clear()
        self._main, self._fast = [], []
        shutil.rmtree(self._spool_dir, ignore_errors=True)
