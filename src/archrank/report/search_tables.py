"""The search tables of the report: best-so-far curves of the store's search runs.

A search strategy is told the *signal* (e.g. a validation accuracy, higher is better) of each architecture it
queries, and recommends the architecture with the best signal so far; the harness stores, after each query,
the *report* value (e.g. the test accuracy) of that recommendation.  Two curves follow per run:

* ``best``: the best signal found so far, the running maximum of the values told at the signal fidelity
  (values that are not finite ignored, :func:`archrank.metrics.usable`). This is what "best so far" means and it never falls.
* ``report``: the report value of the recommendation. It can fall, because the recommendation is chosen on
  the signal and a better validation accuracy can come with a worse test accuracy.

Runs are read off a common grid of cumulative cost that starts where the *last* run made its first query,
so every point is a statistic over all runs of the strategy (a median over the runs that happen to have
started would change its members and could fall).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from archrank.metrics import usable

SEARCH_COLUMNS = ("strategy", "cost", "median", "q25", "q75", "report_median", "report_q25", "report_q75", "runs")
SUMMARY_COLUMNS = ("strategy", "signal", "report", "runs", "queries_median", "cost_median", "best_median",
                   "report_median")


@dataclass
class RunCurve:
    """One search run: cumulative cost, best signal so far and report of the recommendation, per step."""

    cost: np.ndarray
    best: np.ndarray
    report: np.ndarray


@dataclass
class StrategyRuns:
    name: str
    signal: str
    report: str
    runs: list[RunCurve]


def _label(config: dict[str, Any]) -> str:
    label = str(config.get("strategy", "search"))
    if config.get("heuristic"):
        label += f" ({config['heuristic']})"
    return label


def search_runs(store) -> list[StrategyRuns]:
    """The store's search runs grouped by strategy (same configuration apart from ``run``, ``run_seed`` and
    ``fidelity``); the store runs of one search run (one per fidelity) are merged back by step."""
    groups: dict[tuple[str, str], dict[int, list]] = {}
    configs: dict[tuple[str, str], dict] = {}
    for info in store.runs("search"):
        cfg = dict(info.config)
        run = cfg.pop("run", 0)
        cfg.pop("run_seed", None)
        fid = cfg.pop("fidelity", "signal")
        key = (_label(cfg), json.dumps(cfg, sort_keys=True, default=str))
        configs[key] = cfg
        groups.setdefault(key, {}).setdefault(run, []).extend((fid, s) for s in store.trajectory(info.run_id))
    out: list[StrategyRuns] = []
    seen: dict[str, int] = {}
    for key in sorted(groups):
        label, _ = key
        seen[label] = seen.get(label, 0) + 1
        name = label if seen[label] == 1 else f"{label} #{seen[label]}"
        curves = []
        for _, steps in sorted(groups[key].items()):
            if not steps:
                continue
            steps.sort(key=lambda fs: fs[1].step)
            cost = np.cumsum([s.cost or 0.0 for _, s in steps])
            told = np.array([s.value if f == "signal" and usable(s.value) else np.nan for f, s in steps], dtype=float)
            best = np.fmax.accumulate(told)
            report = np.array([np.nan if s.best_so_far is None else s.best_so_far for _, s in steps], dtype=float)
            curves.append(RunCurve(cost, best, report))
        cfg = configs[key]
        out.append(StrategyRuns(name, str(cfg.get("signal", "signal")), str(cfg.get("report", "report")), curves))
    return out


def _at(curve: RunCurve, values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    pos = np.searchsorted(curve.cost, grid, side="right") - 1
    return np.where(pos >= 0, values[np.clip(pos, 0, None)], np.nan)


def search_curve_rows(strategies: list[StrategyRuns], points: int = 60) -> list[dict[str, Any]]:
    """Per strategy, on ``points`` costs from the last run's first query to the longest run's end: median,
    25% and 75% quantiles over runs of the best signal so far and of the recommendation's report value.
    ``runs`` is the number of runs with a value at that point (all runs, except where a run has no signal)."""
    rows = []
    for sr in strategies:
        if not sr.runs:
            continue
        start = max(float(c.cost[0]) for c in sr.runs)
        end = max(float(c.cost[-1]) for c in sr.runs)
        grid = np.linspace(start, end, points) if end > start else np.array([start])
        best = np.array([_at(c, c.best, grid) for c in sr.runs])
        report = np.array([_at(c, c.report, grid) for c in sr.runs])
        for j, g in enumerate(grid):
            b = best[:, j][np.isfinite(best[:, j])]
            r = report[:, j][np.isfinite(report[:, j])]
            if b.size == 0:
                continue
            rows.append({"strategy": sr.name, "cost": float(g), "median": float(np.median(b)),
                         "q25": float(np.quantile(b, 0.25)), "q75": float(np.quantile(b, 0.75)),
                         "report_median": float(np.median(r)) if r.size else math.nan,
                         "report_q25": float(np.quantile(r, 0.25)) if r.size else math.nan,
                         "report_q75": float(np.quantile(r, 0.75)) if r.size else math.nan,
                         "runs": int(b.size)})
    return rows


def search_summary_rows(strategies: list[StrategyRuns]) -> list[dict[str, Any]]:
    """One row per strategy: its signal and report columns, runs, and medians over runs of the queries made,
    the cost spent, the final best signal and the final recommendation's report value."""
    rows = []
    for sr in strategies:
        if not sr.runs:
            continue
        rows.append({"strategy": sr.name, "signal": sr.signal, "report": sr.report, "runs": len(sr.runs),
                     "queries_median": float(np.median([c.cost.size for c in sr.runs])),
                     "cost_median": float(np.median([c.cost[-1] for c in sr.runs])),
                     "best_median": float(np.nanmedian([c.best[-1] for c in sr.runs])),
                     "report_median": float(np.nanmedian([c.report[-1] for c in sr.runs]))})
    return rows
