"""The default executor: runs tasks on this machine, in the calling process or in worker processes.

``workers=1`` (the library default) runs every task in the calling process, one after another, in input
order.  ``workers=N > 1`` starts N worker processes (``spawn``: no state forked from the caller) for each
``imap_unordered`` call; the context is shipped to each worker once, when it starts, and results arrive
as they complete.  Each task fixes its own torch thread count (``ScoreSetting.threads``), so results are
identical whatever the number of workers.  ``archrank score`` runs with one worker per core by default
(:func:`default_workers`); see docs/scoring.md for the measurement behind that choice.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from archrank.errors import InvalidArgument
from archrank.execution.base import Executor

_TASK: tuple[Callable[[Any, Any], Any], Any] | None = None


def _die_with_parent() -> None:
    """Make this worker end when the run's process ends, even by ``kill -9`` (no orphan keeps computing)."""
    import signal
    import threading
    import time

    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
        return
    except (OSError, AttributeError):
        pass
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _start_worker(fn: Callable[[Any, Any], Any], context: Any) -> None:
    global _TASK
    _die_with_parent()
    _TASK = (fn, context)


def _run_one(numbered: tuple[int, Any]) -> tuple[int, Any]:
    i, item = numbered
    fn, context = _TASK  # type: ignore[misc]
    return i, fn(item, context)


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class LocalExecutor(Executor):
    """Tasks on this machine: in-process and in input order (``workers=1``), or on ``workers`` processes."""

    name = "local"
    options = ("num_cpus", "cpus_per_task", "workers")

    def __init__(self, *, num_cpus: int | None = None, cpus_per_task: int = 1, workers: int = 1):
        # num_cpus / cpus_per_task are accepted so that every executor takes the same sizing options.
        if int(workers) < 1:
            raise InvalidArgument(f"workers must be positive, got {workers}", parameter="workers")
        self.num_cpus = num_cpus
        self.cpus_per_task = cpus_per_task
        self.workers = int(workers)

    def imap_unordered(
        self, fn: Callable[[Any, Any], Any], items: Iterable[Any], context: Any = None
    ) -> Iterator[tuple[int, Any]]:
        items = list(items)
        n = min(self.workers, len(items))
        if n <= 1:
            for i, item in enumerate(items):
                yield i, fn(item, context)
            return
        pool = multiprocessing.get_context("spawn").Pool(n, initializer=_start_worker, initargs=(fn, context))
        try:
            yield from pool.imap_unordered(_run_one, enumerate(items))
        finally:
            pool.terminate()
            pool.join()
