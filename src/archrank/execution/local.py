"""The default executor: runs every task in the calling process, one after another."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from archrank.execution.base import Executor


class LocalExecutor(Executor):
    """In-process, sequential execution (results therefore arrive in input order)."""

    name = "local"
    options = ("num_cpus", "cpus_per_task")

    def __init__(self, *, num_cpus: int | None = None, cpus_per_task: int = 1):
        # Accepted so that every executor takes the same sizing options; one task runs at a time here.
        self.num_cpus = num_cpus
        self.cpus_per_task = cpus_per_task

    def imap_unordered(
        self, fn: Callable[[Any, Any], Any], items: Iterable[Any], context: Any = None
    ) -> Iterator[tuple[int, Any]]:
        for i, item in enumerate(items):
            yield i, fn(item, context)
