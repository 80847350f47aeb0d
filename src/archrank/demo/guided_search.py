"""Heuristic-guided search against REA under the NB201 protocol, with every query's cost charged.

The benchmark objective is the NB201 CIFAR-10 protocol (:mod:`archrank.search.benchmark_objective`):
a query returns the 12-epoch validation accuracy and is charged 12/200 of the architecture's 200-epoch
training seconds; the chosen architecture is reported by its 200-epoch test accuracy.

The guided strategy is zero-cost warm-up (``zc_warmup``, Abdelfattah et al. 2021): regularised evolution
whose first population is the ``population`` best of the architectures scored by the heuristic.  Here the
warm-up set is the demo's scored sample: every warm-up query is a stored score, charged at the seconds
measured when it was computed, and no score is computed during the search.  (The strategy samples its
warm-up set from the space it is given; :class:`ScoredPool` is the NB201 space whose sampling draws from
the scored sample; mutations, formatting and lookups are NB201's.)  REA and random search run on the full
space; every strategy gets the same run seeds.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

GUIDED = "zc_warmup"
BASELINES = ("rea", "random")
POPULATION = 10  # REA's default population; the guided run uses the same
TOURNAMENT = 3


class ScoredPool:
    """A search space whose ``sample`` (and enumeration) covers only ``archs``; everything else is ``space``'s."""

    def __init__(self, space, archs: Sequence[Hashable]):
        self._space = space
        self._archs = list(archs)

    @property
    def size(self) -> int:
        return len(self._archs)

    def index_to_arch(self, index: int) -> Hashable:
        return self._archs[int(index)]

    def sample(self, rng: np.random.Generator) -> Hashable:
        return self._archs[int(rng.integers(len(self._archs)))]

    def __getattr__(self, name: str) -> Any:  # mutate, neighbours, format, name, ...: the space's own
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._space, name)


@dataclass
class SearchComparison:
    rows: list[dict]  # archrank.search.compare.comparison_rows: one per strategy
    summaries: list  # SearchSummary per strategy, in the order of rows
    best_report: float  # the best report value in the table
    heuristic: str
    warmup: int


def compare_guided(store, space, table_path: str, heuristic: str, setting, archs: Sequence[Hashable], *,
                   runs: int, budget_seconds: float, seed: int, progress: bool) -> SearchComparison:
    """Run REA, random search and the heuristic-guided search, ``runs`` seeds each, and save every run's
    trajectory to ``store`` (the report draws the best-so-far curves from them)."""
    from archrank.heuristics import HEURISTICS
    from archrank.search import search
    from archrank.search.base import HEURISTIC
    from archrank.search.benchmark_objective import BenchmarkObjective
    from archrank.search.compare import Entry, comparison_rows
    from archrank.search.heuristic_objective import HeuristicObjective, stored_scores
    from archrank.search.trajectories import save_trajectories

    bench = BenchmarkObjective.from_csv(table_path, space)
    cached, _ = stored_scores(store, heuristic, setting)
    hobj = HeuristicObjective(space=space, name=heuristic, higher_is_better=HEURISTICS.get(heuristic).higher_is_better,
                              cached=cached, live=None, setting=setting)
    pool = ScoredPool(space, archs)
    plan = [(Entry("rea", {"population": POPULATION, "sample": TOURNAMENT}), space, {"signal": bench}),
            (Entry("random", {}), space, {"signal": bench}),
            (Entry(GUIDED, {"warmup": len(archs), "population": POPULATION, "sample": TOURNAMENT}), pool,
             {"signal": bench, HEURISTIC: hobj})]
    bar = _bar(len(plan) * runs, progress)
    results = []
    try:
        for entry, sp, objectives in plan:
            before = dict(hobj.stats)
            summ = search(entry.strategy, space=sp, objectives=objectives, budget_seconds=budget_seconds, runs=runs,
                          seed=seed, params=entry.params, report_of=bench.report_of, best_report=bench.best_report,
                          on_run=lambda i, r: bar.update(1))
            usage: dict[str, Any] = {"wall_seconds": summ.wall_seconds}
            if HEURISTIC in objectives:
                usage.update(heuristic=heuristic, stored_scores_used=hobj.stats["stored"] - before["stored"],
                             live_scores=hobj.stats["live"] - before["live"])
            results.append((entry, summ, usage))
            config = {"space": space.name, "strategy": entry.strategy, "params": entry.params,
                      "benchmark": str(table_path), "heuristic": usage.get("heuristic"),
                      "budget_seconds": budget_seconds, "seed": seed, "origin": "demo"}
            save_trajectories(store, summ, space, config)
    finally:
        bar.close()
    rows = comparison_rows(results, budget_seconds)
    return SearchComparison(rows, [s for _, s, _ in results], float(bench.best_report), heuristic, len(archs))


def search_line(row: dict) -> str:
    """``93.41 +- 0.52 %`` for a comparison row."""
    def f(x):
        return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"
    return f"{f(row['test_mean'])} +- {f(row['test_std'])} %"


def _bar(total: int, enabled: bool):
    from archrank.run.progress import progress_bar

    return progress_bar(total, unit="run", desc="search", enabled=enabled)
