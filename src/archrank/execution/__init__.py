"""Executors: the same tasks run in-process (``local``) or on a Ray cluster (``ray``).

``EXECUTORS`` maps a name to an :class:`Executor` class; :func:`make_executor` builds one by name.  A new
executor subclasses :class:`Executor`, lists the keyword options it accepts in ``options`` and is
registered here (``EXECUTORS.register_lazy(name, "module:Class")``); the contract suite in
``tests/execution`` then runs against it.
"""

from __future__ import annotations

from typing import Any

from archrank.errors import InvalidArgument
from archrank.execution.base import Executor
from archrank.execution.local import LocalExecutor
from archrank.registry import Registry, registry

EXECUTORS: Registry[type[Executor]] = registry("executor")
EXECUTORS.register("local", LocalExecutor)
EXECUTORS.register_lazy("ray", "archrank.execution.ray_executor:RayExecutor")


def make_executor(name: str = "local", **options: Any) -> Executor:
    """The executor ``name`` built with ``options``; options given as ``None`` are left at their defaults.

    ``local`` takes ``num_cpus`` and ``cpus_per_task`` (and ignores them: it runs one task at a time);
    ``ray`` takes ``address`` (join an existing cluster instead of starting one), ``num_cpus`` (size of a
    local cluster), ``cpus_per_task`` (what Ray reserves for each task), ``max_in_flight`` and ``temp_dir``.
    An option the executor does not take raises :class:`~archrank.errors.InvalidArgument`.
    """
    cls = EXECUTORS.get(name)
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(cls.options))
    if unknown:
        raise InvalidArgument(f"executor {name!r} does not take option(s) {', '.join(unknown)}; "
                              f"its options: {', '.join(cls.options) or 'none'}")
    return cls(**given)


__all__ = ["EXECUTORS", "Executor", "LocalExecutor", "make_executor"]
