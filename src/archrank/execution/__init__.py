"""Executors: the same tasks run in-process (``local``) or on a Ray cluster (``ray``)."""

from __future__ import annotations

from archrank.errors import UnknownName
from archrank.execution.base import Executor
from archrank.execution.local import LocalExecutor

EXECUTORS = ("local", "ray")


def make_executor(name: str = "local", *, address: str | None = None, num_cpus: int | None = None,
                  cpus_per_task: int = 1) -> Executor:
    """An executor by name; ``address`` (Ray only) joins an existing cluster instead of starting one;
    ``num_cpus`` sizes a local Ray cluster; ``cpus_per_task`` is what Ray reserves for each task."""
    if name == "local":
        if address:
            from archrank.errors import InvalidArgument

            raise InvalidArgument("--ray-address is only valid with --executor ray")
        return LocalExecutor()
    if name == "ray":
        from archrank.execution.ray_executor import RayExecutor

        return RayExecutor(address=address, num_cpus=num_cpus, cpus_per_task=cpus_per_task)
    raise UnknownName("executor", name, EXECUTORS)


__all__ = ["EXECUTORS", "Executor", "LocalExecutor", "make_executor"]
