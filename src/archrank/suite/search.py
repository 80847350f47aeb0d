"""Search over a tabular task: the search harness with the task's ground-truth table as objective.

The architectures are restricted to the table's rows (:class:`TableSpace`), since the table knows no
others:

* ``sample`` draws a row uniformly;
* ``mutate`` first tries the space's own one-decision mutation (up to ``retries`` draws) and keeps the
  first child that is a row of the table; where none is (the usual case in a sparse table: 500 cells out
  of NB101's 423k), it moves to one of the ``k`` rows nearest the parent in the space's ``encode`` vector
  (Euclidean), drawn uniformly.  On a complete table (NB201) the first branch always succeeds, so REA is
  the ordinary one.  Once ``give_up`` mutations in a row have missed the table (nothing hit yet), the
  space stops trying them (a mutation of a DARTS cell costs ~15 ms and never lands in a 500-row table).

The objective is a :class:`~archrank.search.benchmark_objective.BenchmarkObjective` over the task's metric,
oriented so that higher is better (a loss or an error is negated), each query costing one unit: the
budget is a number of queries.  :func:`search_task` runs ``runs`` seeds of each strategy and reports the
final recommendation's metric (in its own units) and its regret against the table's best.
"""

from __future__ import annotations

import math
import os
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument
from archrank.suite.tasks import TASKS, Task


class TableSpace:
    """A search space restricted to the architectures of a table (see the module docstring)."""

    size = None

    def __init__(self, base, archs: Sequence[Hashable], *, k: int = 5, retries: int = 20, give_up: int = 60):
        if len(archs) < 2:
            raise InvalidArgument(f"a table space needs at least 2 architectures, got {len(archs)}")
        self.base = base
        self.name = base.name
        self.domain = getattr(base, "domain", "image")
        self.archs = list(archs)
        self._key = {base.format(a): i for i, a in enumerate(self.archs)}
        self.k = max(1, min(int(k), len(self.archs) - 1))
        self.retries = int(retries)
        self.give_up = int(give_up)
        self.tries = self.hits = 0
        self._codes: np.ndarray | None = None

    def format(self, arch: Hashable) -> str:
        return self.base.format(arch)

    def parse(self, text: str) -> Hashable:
        return self.base.parse(text)

    def __contains__(self, arch: Hashable) -> bool:
        return self.base.format(arch) in self._key

    def sample(self, rng: np.random.Generator) -> Hashable:
        return self.archs[int(rng.integers(len(self.archs)))]

    def neighbours_in_table(self, arch: Hashable) -> list[int]:
        """Row positions of the ``k`` rows nearest ``arch`` in encoding (``arch`` itself excluded)."""
        if self._codes is None:
            self._codes = np.array([np.asarray(self.base.encode(a), dtype=float) for a in self.archs])
        d = np.linalg.norm(self._codes - np.asarray(self.base.encode(arch), dtype=float), axis=1)
        own = self._key.get(self.base.format(arch))
        if own is not None:
            d[own] = np.inf
        return [int(i) for i in np.argsort(d, kind="stable")[: self.k]]

    def mutate(self, arch: Hashable, rng: np.random.Generator) -> Hashable:
        for _ in range(self.retries):
            if self.hits == 0 and self.tries >= self.give_up:
                break
            self.tries += 1
            child = self.base.mutate(arch, rng)
            if child in self and self.base.format(child) != self.base.format(arch):
                self.hits += 1
                return self.archs[self._key[self.base.format(child)]]
        near = self.neighbours_in_table(arch)
        return self.archs[near[int(rng.integers(len(near)))]]


def task_objective(task: Task, data_root: str | os.PathLike | None = None):
    """(table space, objective, truth) of ``task``: the objective's value and report are the oriented
    metric, each query costs 1."""
    from archrank.search.benchmark_objective import BenchmarkObjective
    from archrank.spaces import get_space

    sp = get_space(task.space)
    truth = task.ground_truth(data_root)
    archs = [sp.parse(a) for a in truth]
    keys = [sp.format(a) for a in archs]
    sign = 1.0 if task.higher_is_better else -1.0
    vals = sign * np.array([truth[a] for a in truth], dtype=float)
    row = {k: i for i, k in enumerate(keys)}

    def rows(arch: Hashable) -> int:
        key = sp.format(arch)
        if key not in row:
            raise InvalidArgument(f"architecture {key[:60]!r} is not in task {task.name!r}'s table")
        return row[key]

    objective = BenchmarkObjective(signal=vals, report=vals, cost=np.ones(len(vals)), rows=rows,
                                   names=(task.metric, task.metric, None))
    return TableSpace(sp, archs), objective, truth


@dataclass
class TaskSearch:
    task: str
    strategy: str
    runs: int
    queries: int  # budget per run
    rows: int
    metric: str
    final_mean: float  # the recommendation's metric, in the metric's own units
    final_std: float
    regret_mean: float  # |best in table - final|, mean over runs
    best: float  # best value of the table
    heuristic_queries: float = 0.0  # heuristic scores asked per run (mean; each architecture's first only)

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 6) if isinstance(v, float) and math.isfinite(v) else v) for k, v in self.__dict__.items()}


def stored_heuristic_objective(space, store, heuristic: str, *, charge: str | float = "stored"):
    """The stored scores of ``heuristic`` in ``space`` as a heuristic objective (no live scoring: a score the
    store lacks fails the query).

    ``charge``: ``"stored"`` charges each score its stored seconds (every score must have them) or a number
    charges every score that many budget units (for a table, queries).  The store must hold one setting
    (data set, batch size, seed) of the heuristic in the space."""
    from archrank.search.heuristic_objective import HeuristicObjective, one_setting_scores, parse_charge

    charge = parse_charge(charge)
    if charge == "wall":
        raise InvalidArgument(f"charge {charge!r}: a table search uses stored scores; valid: stored or a number "
                              "of query units", parameter="charge")
    cached, _setting = one_setting_scores(store, heuristic, space=space.name,
                                          unmeasured="error" if charge == "stored" else "keep")
    if not cached:
        held = sorted({r.heuristic for r in store.scores(space=space.name)})
        raise InvalidArgument(f"the store holds no {heuristic!r} score of space {space.name!r}; held: "
                              + (", ".join(held) or "none"), parameter="heuristic")
    info = store.heuristic_info().get(heuristic)
    return HeuristicObjective(space=space, name=heuristic, cached=cached, live=None, charge=charge,
                              higher_is_better=True if info is None else bool(info.higher_is_better))


def search_task(task: str | Task, *, strategies: Sequence[str] = ("rea", "random"), runs: int = 30,
                queries: int | None = None, seed: int = 0, data_root: str | os.PathLike | None = None,
                params: dict[str, dict[str, Any]] | None = None, store=None, heuristic: str | None = None,
                charge: str | float = "stored") -> list[TaskSearch]:
    """``runs`` searches per strategy on ``task``'s table with ``queries`` queries each (default: a tenth
    of the table's rows, at least 20 and at most 300).  With ``heuristic`` (a name in ``store``), strategies
    that use a heuristic (e.g. BANANAS / BO with ``features=auto,zc``) read its stored scores, each charged as
    :func:`stored_heuristic_objective` says, in query units."""
    from archrank.search.harness import search

    t = TASKS.get(task) if isinstance(task, str) else task
    space, objective, _truth = task_objective(t, data_root)
    objectives = {"signal": objective}
    if heuristic is not None:
        if store is None:
            raise InvalidArgument("a heuristic needs the store holding its scores", parameter="store")
        objectives["heuristic"] = stored_heuristic_objective(space.base, store, heuristic, charge=charge)
    n = len(space.archs)
    budget = int(queries) if queries is not None else int(min(300, max(20, n // 10)))
    if budget < 1:
        raise InvalidArgument(f"queries must be >= 1, got {queries}", parameter="queries")
    sign = 1.0 if t.higher_is_better else -1.0
    best = float(np.nanmax(objective.report))
    out = []
    for name in strategies:
        summ = search(name, space=space, objectives=objectives, budget_seconds=float(budget),
                      runs=runs, seed=seed, params=(params or {}).get(name), report_of=objective.report_of,
                      best_report=best)
        finals = np.array([sign * r.report for r in summ.results], dtype=float)
        regrets = np.array([r.regret for r in summ.results], dtype=float)
        scored = [len({s.arch for s in r.steps if s.fidelity == "heuristic"}) for r in summ.results]
        out.append(TaskSearch(t.name, name, runs, budget, n, t.metric, float(np.nanmean(finals)),
                              float(np.nanstd(finals)), float(np.nanmean(regrets)), sign * best,
                              float(np.mean(scored)) if scored else 0.0))
    return out


__all__ = ["TableSpace", "TaskSearch", "search_task", "stored_heuristic_objective", "task_objective"]
