"""The default executor: runs tasks on this machine, in the calling process or in worker processes.

``workers=1`` (the library default) runs every task in the calling process, one after another, in input
order.  ``workers=N > 1`` starts N worker processes (``spawn``: no state forked from the caller) for each
``imap_unordered`` call; the context is shipped to each worker once, when it starts, and results arrive
as they complete.  Each task fixes its own torch thread count (``ScoreSetting.threads``), so results are
identical whatever the number of workers.  ``archrank score`` runs with one worker per core by default
(:func:`default_workers`); see docs/scoring.md for the measurement behind that choice.

``keep_workers=True`` keeps the worker processes from one ``imap_unordered`` call to the next as long as
the task function and its context are the same (compared by their pickled bytes), until :meth:`close`:
what a worker caches per process (a heuristic's reference sample, ...) is then computed once for a series
of runs, such as the shards of a table build.  A call stopped early (an error, an interrupt, a consumer
that stops reading) ends the workers, so no task of it runs on into the next call.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from archrank.errors import InvalidArgument
from archrank.execution.base import Executor, register_executor

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


class _Fingerprinter(pickle.Pickler):
    """A pickler that writes a torch tensor as its dtype, shape and content hash (a plain pickle of a tensor
    holds its storage's address, which differs between equal tensors)."""

    def persistent_id(self, obj: Any) -> Any:
        torch = sys.modules.get("torch")
        if torch is None or not isinstance(obj, torch.Tensor):
            return None
        t = obj.detach().cpu().contiguous()
        data = t.reshape(-1).view(torch.uint8) if t.numel() else t
        return ("tensor", str(t.dtype), tuple(t.shape), hashlib.sha256(data.numpy().tobytes()).hexdigest())


def fingerprint(obj: Any) -> bytes:
    """A digest of ``obj`` equal for equal values (tensors compared by content)."""
    buf = io.BytesIO()
    _Fingerprinter(buf, protocol=4).dump(obj)
    return hashlib.sha256(buf.getvalue()).digest()


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@register_executor("local")
class LocalExecutor(Executor):
    """Tasks on this machine: in-process and in input order (``workers=1``), or on ``workers`` processes."""

    options = ("num_cpus", "cpus_per_task", "workers")

    def __init__(self, *, num_cpus: int | None = None, cpus_per_task: int = 1, workers: int = 1,
                 keep_workers: bool = False):
        # num_cpus / cpus_per_task are accepted so that every executor takes the same sizing options.
        if int(workers) < 1:
            raise InvalidArgument(f"workers must be positive, got {workers}", parameter="workers")
        self.num_cpus = num_cpus
        self.cpus_per_task = cpus_per_task
        self.workers = int(workers)
        self.keep_workers = bool(keep_workers)
        self._pool: Any = None
        self._pool_key: bytes | None = None

    def _start(self, n: int, fn: Callable[[Any, Any], Any], context: Any) -> Any:
        return multiprocessing.get_context("spawn").Pool(n, initializer=_start_worker, initargs=(fn, context))

    def _kept_pool(self, fn: Callable[[Any, Any], Any], context: Any) -> Any:
        key = fingerprint((fn, context))
        if self._pool is None or self._pool_key != key:
            self.close()
            self._pool = self._start(self.workers, fn, context)
            self._pool_key = key
        return self._pool

    def close(self) -> None:
        """End the kept workers (``keep_workers``); a no-op otherwise."""
        pool, self._pool, self._pool_key = self._pool, None, None
        if pool is not None:
            pool.terminate()
            pool.join()

    def imap_unordered(
        self, fn: Callable[[Any, Any], Any], items: Iterable[Any], context: Any = None
    ) -> Iterator[tuple[int, Any]]:
        items = list(items)
        n = min(self.workers, len(items))
        if n <= 1:
            for i, item in enumerate(items):
                yield i, fn(item, context)
            return
        if self.keep_workers:
            pool = self._kept_pool(fn, context)
            finished = False
            try:
                yield from pool.imap_unordered(_run_one, enumerate(items))
                finished = True
            finally:
                if not finished:
                    self.close()
            return
        pool = self._start(n, fn, context)
        try:
            yield from pool.imap_unordered(_run_one, enumerate(items))
        finally:
            pool.terminate()
            pool.join()
