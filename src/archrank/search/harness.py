"""The evaluation harness: run a strategy against objectives under a budget of (simulated) seconds.

Budget rule (the NAS-Bench-201 convention): a query is made while the seconds spent are below the budget;
the query that crosses the budget still counts, so a run may end up to one query's cost over it.  Every
query is charged, repeated ones included.  After each query the harness asks the strategy for its
recommendation and records the *report* value of that architecture (e.g. the test accuracy in the
benchmark table): this is the best-so-far curve.

:func:`run_search` runs one seed; :func:`search` runs ``runs`` independent seeds derived from ``seed``
(``numpy.random.SeedSequence(seed).spawn(runs)``) and returns a :class:`SearchSummary`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument
from archrank.search.base import SIGNAL, Query, Strategy, make_strategy
from archrank.search.objectives import Objective


@dataclass
class Step:
    seconds: float  # cumulative seconds after this query
    fidelity: str
    arch: Hashable
    value: float
    cost: float
    best_report: float  # report value of the recommendation after this query (NaN if none yet)


@dataclass
class RunResult:
    seed: int
    arch: Hashable | None
    report: float
    regret: float
    queries: int
    seconds: float
    steps: list[Step] = field(default_factory=list)

    def queries_by_fidelity(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.steps:
            out[s.fidelity] = out.get(s.fidelity, 0) + 1
        return out


def run_search(
    strategy: Strategy,
    objectives: dict[str, Objective],
    *,
    budget_seconds: float,
    report_of: Callable[[Hashable], float] | None = None,
    best_report: float = math.nan,
    max_queries: int = 1_000_000,
    seed: int = 0,
    max_archs: int | None = None,
) -> RunResult:
    """Run ``strategy`` until the budget is spent, it stops asking, ``max_queries`` queries were made or
    (when given) ``max_archs`` distinct architectures were queried."""
    if not budget_seconds > 0:
        raise InvalidArgument(f"budget must be > 0 seconds, got {budget_seconds}")
    for fid in (SIGNAL, *strategy.needs):
        if fid not in objectives:
            raise InvalidArgument(
                f"strategy {strategy.name!r} needs a {fid!r} objective"
                + (" (a heuristic objective, e.g. heuristic_objective(space, 'naswot'))" if fid == "heuristic" else "")
                + (" (a weight-sharing supernet)" if fid == "supernet" else "")
            )
    reports: dict[Hashable, float] = {}

    def report(arch: Hashable | None) -> float:
        if arch is None:
            return math.nan
        if arch in reports:
            return reports[arch]
        return report_of(arch) if report_of is not None else math.nan

    spent = 0.0
    steps: list[Step] = []
    incumbent: Hashable | None = None
    inc_report = math.nan
    seen: set[Hashable] = set()
    while spent < budget_seconds and len(steps) < max_queries and (max_archs is None or len(seen) < max_archs):
        q = strategy.ask()
        if q is None:
            break
        arch, fid = (q.arch, q.fidelity) if isinstance(q, Query) else (q, SIGNAL)
        obj = objectives.get(fid)
        if obj is None:
            raise InvalidArgument(f"strategy {strategy.name!r} asked for an unavailable {fid!r} evaluation")
        ev = obj.evaluate(arch)
        seen.add(arch)
        if not (ev.cost >= 0):
            raise InvalidArgument(f"objective {fid!r} charged an invalid cost {ev.cost} for {arch!r}")
        spent += ev.cost
        if fid == SIGNAL and ev.report is not None:
            reports[arch] = ev.report
        strategy.tell(arch, ev.value, fidelity=fid, cost=ev.cost)
        rec = strategy.recommend()
        if rec != incumbent:
            incumbent, inc_report = rec, report(rec)
        steps.append(Step(spent, fid, arch, ev.value, ev.cost, inc_report))
    final = strategy.recommend()
    rep = report(final)
    return RunResult(seed, final, rep, best_report - rep, len(steps), spent, steps)


@dataclass
class SearchSummary:
    strategy: str
    results: list[RunResult]
    wall_seconds: float
    best_report: float
    budget_seconds: float
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        rep = np.array([r.report for r in self.results], dtype=float)
        reg = np.array([r.regret for r in self.results], dtype=float)

        def stat(fn, a):
            return None if len(a) == 0 or np.isnan(a).all() else round(float(fn(a)), 6)

        return {
            "strategy": self.strategy,
            "runs": len(self.results),
            "test_mean": stat(np.nanmean, rep),
            "test_std": stat(np.nanstd, rep),
            "regret_mean": stat(np.nanmean, reg),
            "queries_mean": float(np.mean([r.queries for r in self.results])) if self.results else 0.0,
            "simulated_seconds_mean": round(float(np.mean([r.seconds for r in self.results])), 3)
            if self.results else 0.0,
            "wall_seconds": round(self.wall_seconds, 3),
        }

    def curve(self, grid: np.ndarray | None = None, points: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Best-so-far report value on a grid of seconds: (grid, mean, std) over runs (NaN before any)."""
        if grid is None:
            grid = np.linspace(0.0, self.budget_seconds, points)
        rows = []
        for r in self.results:
            t = np.array([s.seconds for s in r.steps])
            v = np.array([s.best_report for s in r.steps])
            pos = np.searchsorted(t, grid, side="right") - 1
            rows.append(np.where(pos >= 0, v[np.clip(pos, 0, None)] if len(v) else np.nan, np.nan))
        m = np.array(rows, dtype=float)
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return grid, np.nanmean(m, axis=0), np.nanstd(m, axis=0)


def run_seeds(seed: int, runs: int) -> list[int]:
    """The per-run seeds derived from ``seed`` (stable across versions: the SeedSequence spawn rule)."""
    return [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(runs)]


def search(
    name: str,
    *,
    space,
    objectives: dict[str, Objective],
    budget_seconds: float,
    runs: int = 1,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    report_of: Callable[[Hashable], float] | None = None,
    best_report: float = math.nan,
    max_queries: int = 1_000_000,
    on_run: Callable[[int, RunResult], None] | None = None,
    max_archs: int | None = None,
) -> SearchSummary:
    """Run strategy ``name`` for ``runs`` independent seeds; ``on_run(i, result)`` after each run.
    ``max_archs`` stops each run after that many distinct architectures (see :func:`run_search`)."""
    if runs < 1:
        raise InvalidArgument(f"runs must be >= 1, got {runs}")
    params = dict(params or {})
    t0 = time.perf_counter()
    results = []
    for i, s in enumerate(run_seeds(seed, runs)):
        strat = make_strategy(name, space=space, rng=np.random.default_rng(s), budget_seconds=budget_seconds,
                              **params)
        res = run_search(strat, objectives, budget_seconds=budget_seconds, report_of=report_of,
                         best_report=best_report, max_queries=max_queries, seed=s, max_archs=max_archs)
        results.append(res)
        if on_run is not None:
            on_run(i, res)
    return SearchSummary(name, results, time.perf_counter() - t0, best_report, budget_seconds, params)
