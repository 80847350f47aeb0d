"""The benchmark suite: tasks (a space, its data, a ground-truth table and metric), the heuristic x task
table of rank correlations, its heatmap, and searches over each tabular task.

* :mod:`~archrank.suite.tasks`: :class:`Task`, the :data:`TASKS` registry and the built-in tasks;
* :mod:`~archrank.suite.table`: :func:`run_suite` and :class:`SuiteTable`;
* :mod:`~archrank.suite.plot`: the heatmap;
* :mod:`~archrank.suite.search`: REA and random search with a task's table as objective.
"""

from archrank.suite.table import Cell, SuiteTable, run_suite
from archrank.suite.tasks import TASKS, Task, register_task, table_task, task_names

__all__ = ["TASKS", "Cell", "SuiteTable", "Task", "register_task", "run_suite", "table_task", "task_names"]
