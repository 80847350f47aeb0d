"""Executors: the same tasks run in-process (``local``) or on a Ray cluster (``ray``).

``EXECUTORS`` maps a name to an :class:`Executor` class; :func:`make_executor` builds one by name.  A new
executor subclasses :class:`Executor`, lists the keyword options it accepts in ``options`` and
registers itself with ``@register_executor("name")`` on the class (built-in executors are found in the
package's source and imported on first use, a plug-in's when its module is imported); the contract suite in
``tests/execution`` then runs against it.
"""

from __future__ import annotations

from typing import Any

from archrank.errors import InvalidArgument
from archrank.execution.base import EXECUTORS, Executor, register_executor
from archrank.execution.local import LocalExecutor


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


__all__ = ["EXECUTORS", "Executor", "LocalExecutor", "make_executor", "register_executor"]
