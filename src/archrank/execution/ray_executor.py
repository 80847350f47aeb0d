"""Ray executor: the same tasks on a Ray cluster (a local one it starts, or an existing one it joins).

Without an address it starts a small local cluster (``num_cpus`` workers, no dashboard, logs under
``/tmp``) and stops it on :meth:`close`; with ``address`` (e.g. ``"auto"`` or ``"ray://host:10001"``)
it joins that cluster and leaves it running.  Counts (``num_cpus``, ``cpus_per_task``, ``max_in_flight``)
are checked before anything starts; a ``host:port`` address is probed with a plain TCP connection
(``connect_timeout`` seconds) first, so an unreachable cluster fails at once with a message naming it
instead of hanging inside ``ray.init``.  The context is put in the object store once; at most
``max_in_flight`` tasks are queued at a time, so a long run does not flood the cluster, and a run that stops
early leaves at most that many tasks to finish unobserved.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from archrank.errors import InvalidArgument
from archrank.execution.base import Executor, register_executor


@register_executor("ray")
class RayExecutor(Executor):
    """Runs tasks as Ray remote functions; results are yielded as they complete."""

    options = ("address", "num_cpus", "max_in_flight", "cpus_per_task", "temp_dir", "connect_timeout")

    def __init__(
        self,
        *,
        address: str | None = None,
        num_cpus: int | None = None,
        max_in_flight: int | None = None,
        cpus_per_task: int = 1,
        temp_dir: str = "/tmp/ray",
        connect_timeout: float = 5.0,
    ):
        for name, value in (("num_cpus", num_cpus), ("cpus_per_task", cpus_per_task),
                            ("max_in_flight", max_in_flight)):
            _check_count(name, value)
        if address:
            probe_address(address, timeout=connect_timeout)
        try:
            import ray
        except ImportError:  # pragma: no cover - depends on the installation
            raise InvalidArgument("executor 'ray' needs the ray package: pip install 'archrank[ray]'") from None
        self._ray = ray
        self.address = address
        self.num_cpus = num_cpus if num_cpus is not None else min(2, os.cpu_count() or 1)
        self.cpus_per_task = cpus_per_task
        self._owns_cluster = False
        if not ray.is_initialized():
            kw: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": False}
            if address:
                ray.init(address=address, **kw)
            else:
                ray.init(num_cpus=self.num_cpus, include_dashboard=False, _temp_dir=temp_dir, **kw)
                self._owns_cluster = True
        cpus = int(ray.cluster_resources().get("CPU", self.num_cpus)) or 1
        self.max_in_flight = max_in_flight if max_in_flight is not None else max(2, 2 * cpus // cpus_per_task)

    def imap_unordered(
        self, fn: Callable[[Any, Any], Any], items: Iterable[Any], context: Any = None
    ) -> Iterator[tuple[int, Any]]:
        ray = self._ray
        remote = ray.remote(num_cpus=self.cpus_per_task)(fn)
        ctx_ref = ray.put(context)
        pending: dict[Any, int] = {}
        it = enumerate(items)
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < self.max_in_flight:
                    try:
                        i, item = next(it)
                    except StopIteration:
                        exhausted = True
                        break
                    pending[remote.remote(item, ctx_ref)] = i
                if not pending:
                    return
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    i = pending.pop(ref)
                    try:
                        result = ray.get(ref)
                    except ray.exceptions.RayTaskError as e:
                        raise e.as_instanceof_cause() from None
                    yield i, result
        finally:
            # The caller stopped early or a task failed.  The at most ``max_in_flight`` tasks still pending
            # are left to finish and their results dropped; none is cancelled, because cancelling a task
            # whose reply is already on its way aborts the driver in Ray 2.x (a failed internal check:
            # "Tried to complete task that was not pending"), which took the whole process down.
            pending.clear()

    def close(self) -> None:
        if self._owns_cluster and self._ray.is_initialized():
            self._ray.shutdown()
        self._owns_cluster = False


def _check_count(name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgument(f"{name} must be a positive integer, got {value!r}", parameter=name)


def probe_address(address: str, *, timeout: float = 5.0) -> None:
    """Raise :class:`InvalidArgument` naming ``address`` unless a TCP connection to it opens in ``timeout`` s.

    Addresses without a port (``"auto"``, ``"local"``) are left to Ray; ``ray://host:port`` and
    ``host:port`` are probed.
    """
    target = address.split("://", 1)[1] if "://" in address else address
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit():
        return
    host = host.strip("[]") or "127.0.0.1"
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as e:
        reason = "timed out" if isinstance(e, socket.timeout) else (e.strerror or type(e).__name__)
        raise InvalidArgument(f"cannot reach the Ray cluster at {address!r} ({reason} after at most "
                              f"{timeout:g} s); is it running?", parameter="address") from None
