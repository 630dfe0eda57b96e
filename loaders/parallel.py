"""Mapping a loader's records in worker processes, in input order and in bounded memory.

Parsing and mapping are pure Python and hold the GIL, so a loader spreads them over processes:
the main process reads the input and cuts it into batches, :func:`ordered_map` runs the loader's
function over them in a pool, and the results come back in the order of the batches. At most
``workers * AHEAD`` batches are in flight (read but not yet consumed), so memory stays constant
whatever the size of the input; while the consumer writes a result into the store, the workers
map the next batches.

Workers start from a ``forkserver`` (as the query workers of :mod:`api.workers` do), never
``fork``: a forked child would inherit the open files of the parent, the store's write lock among
them, and could keep it after the parent died. Workers ignore Ctrl-C (the parent stops them) and
exit on their own as soon as the loading process is gone, however it ended (``kill -9``): a
thread in each worker waits on a pidfd of that process (on Linux; elsewhere it polls). Without
it an orphan would wait for work forever, and keep the forkserver alive too.

Like any code that starts processes this way, a script that loads with workers must guard its
entry point with ``if __name__ == "__main__":`` (the workers import the main module). A worker
that dies (killed, out of memory, or such a script) stops the load with
:class:`~commons_graph.errors.WorkerDied`, whose message says so.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from typing import TypeVar

from commons_graph.errors import WorkerDied

T = TypeVar("T")
R = TypeVar("R")

#: Batches submitted per worker ahead of the one being consumed.
AHEAD = 2
#: How often a worker checks that the loading process is still there, where it cannot wait.
PARENT_POLL_SECONDS = 1.0
#: What a load says when a worker process died under it (``BrokenProcessPool``).
_DIED = (
    "a worker process mapping the input died (killed, or out of memory); nothing was stored. "
    "From a script of your own, also check that its entry point is guarded by "
    "'if __name__ == \"__main__\":', which worker processes need"
)


def default_workers() -> int:
    """Two worker processes, or one on a single CPU."""
    return min(2, os.cpu_count() or 1)


def ordered_map(function: Callable[[T], R], tasks: Iterable[T], workers: int) -> Iterator[R]:
    """``map(function, tasks)`` over ``workers`` processes, yielding results in task order.

    ``function`` must be a module-level function (it is pickled by name). An exception raised by
    it is re-raised here. The workers are shut down when the results are exhausted, when the
    consumer stops early (``close()`` or garbage collection of the generator) and when an
    exception propagates, from a task or from ``tasks`` itself.
    """
    executor = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=_worker_setup,
        initargs=(os.getpid(),),
    )
    pending: deque[Future[R]] = deque()
    source = iter(tasks)
    try:
        while True:
            try:
                for task in islice(source, workers * AHEAD - len(pending)):
                    pending.append(executor.submit(function, task))
                if not pending:
                    return
                result = pending.popleft().result()
            except BrokenProcessPool as err:
                raise WorkerDied(_DIED) from err
            yield result
    finally:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)


def _worker_setup(loader: int) -> None:  # pragma: no cover - runs in a worker process
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watchdog = threading.Thread(
        target=_exit_with, args=(loader,), name="exit-with-loader", daemon=True
    )
    watchdog.start()


def _exit_with(loader: int) -> None:  # pragma: no cover - runs in a worker process
    """Exit this worker once the process ``loader`` is gone."""
    if sys.platform == "linux":
        try:
            handle = os.pidfd_open(loader)
        except ProcessLookupError:
            os._exit(1)
        except OSError:  # a kernel without pidfds (before 5.3): poll
            pass
        else:
            select.select([handle], [], [])
            os._exit(1)
    while True:
        try:
            os.kill(loader, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass  # it exists
        time.sleep(PARENT_POLL_SECONDS)
