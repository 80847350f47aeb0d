"""Suite tasks: a space, the data its heuristics see, and a ground-truth table with its metric and direction.

A :class:`Task` is registered in :data:`TASKS` by name (``register_task``); the built-in ones are below,
and :func:`table_task` makes an ad-hoc one from any benchmark table file.  ``truth`` is a callable
``data_root -> BenchmarkTable`` that reads the benchmark's own files (from the data folder) when the
task is run: nothing is copied into the repository.

Built-in tasks (files relative to the data folder, ``../shared/data`` here):

==============  =========  ========  =================================================  ==========
task            space      data      ground truth                                        metric
==============  =========  ========  =================================================  ==========
nb201-cifar10   nb201      cifar10   packaged table ``nb201``                            c10_test_200, higher
nb101-cifar10   nb101      cifar10   ``nb101/nb101_cifar10_500.json``                    test_acc, higher
nb301-cifar10   nb301      cifar10   ``naslib/zc_nasbench301.json`` (surrogate)           val_accuracy, higher
nds-darts       nds_darts  cifar10*  ``nds/DARTS_in.json``                               error (%), lower
nds-enas        nds_enas   cifar10*  ``nds/ENAS_in.json``                                error (%), lower
nbnlp-ptb       nbnlp      ptb       ``nbnlp/nbnlp_ptb_with_graphs.json``                ptb_test_loss, lower
nbnlp-wt2       nbnlp      wikitext2 ``nbnlp/nbnlp_ptb_with_graphs.json``                wt2_test_loss, lower
==============  =========  ========  =================================================  ==========

\\* NDS records are ImageNet-trained; no ImageNet images are available, so CIFAR-10 images (32x32, as
they are) go through the ImageNet network (its stride-4 stem leaves 8x8 maps for the first stage), with the
1000-way ImageNet head (``num_classes=1000``: the parameter count of the built model is the record's; the
CIFAR-10 labels 0..9 are used as they are).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archrank.benchmarks.table import BenchmarkTable
from archrank.errors import DataError
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


def register_task(task: Task) -> Task:
    """Add ``task`` to :data:`TASKS` under its name."""
    return TASKS.register(task.name, task)


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


def _in(root: Path, rel: str) -> Path:
    return root / rel


def _builtin() -> None:
    from archrank.benchmarks import ground_truth as gt

    def packaged(_root: Path) -> BenchmarkTable:
        return BenchmarkTable.packaged("nb201")

    nds_note = ("ImageNet-trained records; CIFAR-10 images upsampled to 64x64 (data set cifar10-64) through "
                "the ImageNet network and 1000-way head stand in for ImageNet")
    for t in (
        Task("nb201-cifar10", "nb201", "cifar10", "c10_test_200", True, packaged,
             source="packaged NB201 table (test accuracy after 200 epochs)"),
        Task("nb101-cifar10", "nb101", "cifar10", "test_acc", True,
             lambda r: gt.nb101_table(_in(r, "nb101/nb101_cifar10_500.json")),
             source="nb101/nb101_cifar10_500.json (final test accuracy, 108 epochs)"),
        Task("nb301-cifar10", "nb301", "cifar10", "val_accuracy", True,
             lambda r: gt.naslib_table(_in(r, "naslib/zc_nasbench301.json")),
             source="naslib/zc_nasbench301.json val_accuracy",
             note="NB301 figures are the NAS-Bench-301 surrogate's predictions, not trainings"),
        Task("nds-darts", "nds_darts", "cifar10-64", "error", False,
             lambda r: gt.nds_table(_in(r, "nds/DARTS_in.json"), "nds_darts"),
             source="nds/DARTS_in.json final test_ep_top1 (top-1 error %)", num_classes=1000, note=nds_note),
        Task("nds-enas", "nds_enas", "cifar10-64", "error", False,
             lambda r: gt.nds_table(_in(r, "nds/ENAS_in.json"), "nds_enas"),
             source="nds/ENAS_in.json final test_ep_top1 (top-1 error %)", num_classes=1000, note=nds_note),
        Task("nbnlp-ptb", "nbnlp", "ptb", "ptb_test_loss", False,
             lambda r: gt.nbnlp_table(_in(r, "nbnlp/nbnlp_ptb_with_graphs.json")),
             source="nbnlp/nbnlp_ptb_with_graphs.json ptb_test_loss", batch_size=20),
        Task("nbnlp-wt2", "nbnlp", "wikitext2", "wt2_test_loss", False,
             lambda r: gt.nbnlp_table(_in(r, "nbnlp/nbnlp_ptb_with_graphs.json")),
             source="nbnlp/nbnlp_ptb_with_graphs.json wt2_test_loss", batch_size=20),
    ):
        register_task(t)


_builtin()

__all__ = ["TASKS", "Task", "register_task", "table_task", "task_names"]
