"""Suite tasks: a space, the data its heuristics see, and a ground-truth table with its metric and direction.

A :class:`Task` is registered in :data:`TASKS` by name with ``register_task("name", Task("name", ...))``, the
one call of built-in and plug-in tasks alike; the built-in ones are in :mod:`archrank.suite.builtin_tasks`
(found in the package's source, imported the first time a task is asked for), and :func:`table_task` makes
an ad-hoc one from any benchmark table file.  ``truth`` is a callable
``data_root -> BenchmarkTable`` that reads the benchmark's own files (from the data folder) when the
task is run: nothing is copied into the repository.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archrank.benchmarks.table import BenchmarkTable
from archrank.errors import DataError, InvalidArgument
from archrank.registry import Registry, registry


@dataclass(frozen=True)
class Task:
    """One column of the suite table. ``truth(data_root)`` reads the ground-truth table."""

    name: str
    space: str
    dataset: str
    metric: str
    higher_is_better: bool
    truth: Callable[[Path], BenchmarkTable]
    source: str = ""  # where the ground truth comes from, in words
    num_classes: int | None = None  # None: the data set's
    batch_size: int = 16  # images per scoring batch (a laptop budget for every heuristic on every task)
    note: str = ""  # caveat printed with the table

    def ground_truth(self, data_root: str | os.PathLike | None = None) -> dict[str, float]:
        """``{arch string: metric value}`` for every row with a finite value, in table order."""
        from archrank.data.paths import data_dir

        table = self.truth(data_dir(data_root))
        if self.metric not in table.columns:
            raise DataError(f"task {self.name!r}: column {self.metric!r} is not in {table.source}; "
                            f"columns: {', '.join(table.columns)}")
        values = table.values(self.metric)
        archs = table.as_columns()[table.arch_column] if table.arch_column else None
        if archs is None:
            from archrank.spaces import get_space

            sp = get_space(self.space)
            idx = table.values(table.index_column).astype(int)
            archs = [sp.format(sp.index_to_arch(int(i))) for i in idx]
        return {a: float(v) for a, v in zip(archs, values) if np.isfinite(v)}


TASKS: Registry[Task] = registry("task")
TASKS.discover("archrank.suite", "register_task")  # the built-in tasks register themselves


def register_task(name: str | Task, task: Task | None = None) -> Task:
    """Add ``task`` to :data:`TASKS` under ``name``, which must be the task's own name
    (``register_task("mine", Task("mine", ...))``; ``register_task(task)`` is the same call written short).
    A name already registered is an error."""
    if task is None and isinstance(name, Task):
        name, task = name.name, name
    if not isinstance(task, Task):
        raise InvalidArgument(f"task {name!r} must be a Task, got {task!r}", parameter="task")
    if task.name != name:
        raise InvalidArgument(f"task {task.name!r} registered as {name!r}; register it under its own name",
                              parameter="name")
    caller = sys._getframe(1).f_globals.get("__name__")  # a built-in task is registered by its own module
    return TASKS.register(name, task, module=caller)


def task_names(tasks: str | list[str]) -> list[str]:
    """Registered task names from ``"a,b"``, ``"all"`` or a list (unknown names: an error listing the valid)."""
    from archrank.registry import registered_names

    if isinstance(tasks, str) and tasks.strip() == "all":
        tasks = TASKS.names()
    return registered_names(tasks, TASKS, what="task", parameter="tasks")


def table_task(path: str | os.PathLike, *, space: str, metric: str, higher_is_better: bool = True,
               dataset: str = "cifar10", name: str | None = None) -> Task:
    """An ad-hoc task from any table :class:`BenchmarkTable` reads (``arch`` or ``index`` column)."""
    from archrank.spaces import get_space

    get_space(space)
    p = Path(path).expanduser()
    table = BenchmarkTable.from_file(p)  # read now: a bad file or column fails before any scoring
    table.values(metric)
    return Task(name or p.stem, space, dataset, metric, higher_is_better, lambda _root: table, source=str(p))


__all__ = ["TASKS", "Task", "register_task", "table_task", "task_names"]
