"""A benchmark table as a search objective: value = signal column, cost = cost column * scale.

The NB201 CIFAR-10 protocol is the default: signal ``c10v_valid_12``, cost ``0.06 * c10v_train_seconds_200``
(12 of 200 epochs), report ``c10_test_200``.  Tables are read by :class:`archrank.benchmarks.table.BenchmarkTable`
(one reader, one spelling of NaN: empty, ``nan``, ``na``, ``null`` and ``none`` cells).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from pathlib import Path

import numpy as np

from archrank.benchmarks.table import BenchmarkTable
from archrank.errors import DataError, InvalidArgument, UnknownName
from archrank.search.base import SIGNAL
from archrank.search.objectives import Evaluation, Objective
from archrank.search.protocol import (  # the NB201 CIFAR-10 protocol
    DEFAULT_COST_COLUMN,
    DEFAULT_COST_SCALE,
    DEFAULT_REPORT,
    DEFAULT_SIGNAL,
)

__all__ = ["DEFAULT_COST_COLUMN", "DEFAULT_COST_SCALE", "DEFAULT_REPORT", "DEFAULT_SIGNAL", "BenchmarkObjective"]


class BenchmarkObjective(Objective):
    """Look an architecture up in a table: value = signal column, cost = cost column * scale.

    ``rows`` maps an architecture to its row.  Build one with :meth:`from_csv`.
    """

    fidelity = SIGNAL

    def __init__(
        self,
        *,
        signal: np.ndarray,
        report: np.ndarray,
        cost: np.ndarray,
        rows: Callable[[Hashable], int],
        names: tuple[str, str, str | None] = ("signal", "report", "cost"),
        cost_scale: float = 1.0,
    ):
        self.signal = signal
        self.report = report
        self.cost = cost
        self.rows = rows
        self.names = names
        self.cost_scale = cost_scale

    @classmethod
    def from_csv(
        cls,
        path: str | Path,
        space,
        *,
        signal: str = DEFAULT_SIGNAL,
        report: str = DEFAULT_REPORT,
        cost_column: str | None = DEFAULT_COST_COLUMN,
        cost_scale: float = DEFAULT_COST_SCALE,
    ) -> BenchmarkObjective:
        """Read a table (any format :class:`BenchmarkTable` reads) with an ``index`` column (official order of
        an enumerable space) or an ``arch`` column (strings the space parses).  ``cost_column=None``
        charges ``cost_scale`` per query."""
        if not (cost_scale >= 0 and math.isfinite(cost_scale)):
            raise InvalidArgument(f"cost scale must be a finite number >= 0, got {cost_scale}",
                                  parameter="cost_scale")
        table = BenchmarkTable.from_file(path)
        for c in (signal, report) + ((cost_column,) if cost_column else ()):
            if c not in table.columns:
                raise UnknownName("column", c, table.columns)
        n = len(table)
        if n == 0:
            raise DataError(f"benchmark table {str(path)!r} has no rows")
        sig, rep = table.values(signal), table.values(report)
        cost = table.values(cost_column) if cost_column else np.ones(n)
        return cls(signal=sig, report=rep, cost=cost, rows=_row_finder(table, space, str(path)),
                   names=(signal, report, cost_column), cost_scale=cost_scale)

    def evaluate(self, arch: Hashable) -> Evaluation:
        r = self.rows(arch)
        return Evaluation(float(self.signal[r]), float(self.cost[r]) * self.cost_scale, float(self.report[r]))

    def report_of(self, arch: Hashable) -> float:
        return float(self.report[self.rows(arch)])

    @property
    def best_report(self) -> float:
        """The best report value in the table (regret is measured against it)."""
        return float(np.nanmax(self.report))


def _row_finder(table: BenchmarkTable, space, source: str) -> Callable[[Hashable], int]:
    """``arch -> row``: by index for an enumerable space and a table with an index column, else by string."""
    if table.index_column and space.size is not None:
        idx = table.values(table.index_column).astype(int)
        if idx.min() < 0 or idx.max() >= space.size:
            raise DataError(f"benchmark table {source!r}: index out of range for space {space.name!r}")
        if table.arch_column:  # the table and the space must agree on the index order
            for r in range(0, len(idx), max(1, len(idx) // 7)):
                i = int(idx[r])
                if not table.has(space.format(space.index_to_arch(i))) or \
                        table.row(space.format(space.index_to_arch(i))) != table.row(i):
                    raise DataError(f"benchmark table {source!r}: row {r} index {i} is not the same architecture "
                                    f"as in space {space.name!r}")
        row_of_index = np.full(space.size, -1)
        row_of_index[idx] = np.arange(len(idx))

        def by_index(arch: Hashable) -> int:
            r = int(row_of_index[space.arch_to_index(arch)])
            if r < 0:
                raise InvalidArgument(f"architecture {space.format(arch)!r} is not in the benchmark table")
            return r

        return by_index
    if table.arch_column:
        def by_string(arch: Hashable) -> int:
            key = space.format(arch)
            if not table.has(key):
                raise InvalidArgument(f"architecture {key!r} is not in the benchmark table")
            return table.row(key)

        return by_string
    raise DataError(f"benchmark table {source!r} has neither an 'index' nor an 'arch' column")
