"""The tables behind ``archrank report`` (data first: every picture is drawn from one of these).

A *task* is one (space, data set the scores were computed on, benchmark column) combination; where a
heuristic was scored under several (batch size, seed) settings of one space and data set, each setting is
its own task.  Each function returns a list of flat dict rows, written as CSV next to the page.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from archrank.benchmarks.table import BenchmarkTable
from archrank.metrics import usable
from archrank.report.consistency import Paired, consistency_table, paired_scores

SPEARMAN_COLUMNS = ("task", "heuristic", "spearman", "kendall", "top10", "n", "n_excluded", "seconds_per_arch")
SCATTER_COLUMNS = ("task", "heuristic", "higher_is_better", "arch", "score", "metric")
COST_COLUMNS = ("task", "heuristic", "seconds_per_arch", "spearman", "pareto")
SEARCH_COLUMNS = ("strategy", "cost", "median", "q25", "q75", "mean", "runs")


@dataclass
class Benchmark:
    """A benchmark column to compare with: ``label`` (e.g. ``nb201:c10_test_200``), the table, the column."""

    label: str
    table: BenchmarkTable
    metric: str


@dataclass
class Task:
    space: str
    dataset: str
    batch_size: int
    seed: int
    benchmark: Benchmark
    label: str
    paired: dict[str, Paired]


def score_settings(store) -> list[tuple[str, str, int, int]]:
    """Distinct (space, dataset, batch_size, seed) settings of the store's scores, sorted."""
    return sorted({(r.space, r.dataset, r.batch_size, r.seed) for r in store.scores()})


def find_tasks(store, benchmarks: list[Benchmark]) -> list[Task]:
    """Every setting x benchmark where at least two stored architectures are found in the benchmark."""
    settings = score_settings(store)
    per_sd: dict[tuple[str, str], int] = {}
    for sp, ds, _, _ in settings:
        per_sd[(sp, ds)] = per_sd.get((sp, ds), 0) + 1
    tasks = []
    for sp, ds, bs, sd in settings:
        for b in benchmarks:
            paired = paired_scores(store, b.table, b.metric, space=sp, dataset=ds, batch_size=bs, seed=sd)
            paired = {h: p for h, p in paired.items() if len(p.archs) >= 2}
            if not paired:
                continue
            label = f"{sp} / {ds} / {b.label}"
            if per_sd[(sp, ds)] > 1:
                label += f" (batch {bs}, seed {sd})"
            tasks.append(Task(sp, ds, bs, sd, b, label, paired))
    return tasks


def spearman_rows(tasks: list[Task]) -> list[dict[str, Any]]:
    """One row per (heuristic, task): Spearman, Kendall, top-10% overlap, n, seconds per architecture."""
    rows = []
    for t in tasks:
        for h, r in consistency_table(t.paired, vote=False).items():
            rows.append({"task": t.label, "heuristic": h, "spearman": r["spearman"], "kendall": r["kendall"],
                         "top10": r["top10"], "n": r["n"], "n_excluded": r["n_excluded"],
                         "seconds_per_arch": r["seconds_per_arch"]})
    return rows


def heatmap_matrix(rows: list[dict[str, Any]]) -> tuple[list[str], list[str], np.ndarray]:
    """(heuristics, tasks, matrix of Spearman) from :func:`spearman_rows`; NaN where a pair is missing.
    Heuristics are ordered by mean Spearman over tasks, best first."""
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    heur = list(dict.fromkeys(r["heuristic"] for r in rows))
    m = np.full((len(heur), len(tasks)), np.nan)
    for r in rows:
        m[heur.index(r["heuristic"]), tasks.index(r["task"])] = r["spearman"]
    means = [np.nanmean(row) if np.isfinite(row).any() else -np.inf for row in m]
    order = sorted(range(len(heur)), key=lambda i: -means[i])
    return [heur[i] for i in order], tasks, m[order]


def scatter_rows(task: Task) -> list[dict[str, Any]]:
    """The finite (score, metric) points of every heuristic of one task, scores as stored (the points
    :func:`spearman_rows` ranks: :func:`archrank.metrics.usable`)."""
    rows = []
    for h, p in task.paired.items():
        for a, s, m in zip(p.archs, p.scores, p.metric):
            if usable(s) and usable(m):
                rows.append({"task": task.label, "heuristic": h, "higher_is_better": p.higher_is_better,
                             "arch": a, "score": float(s), "metric": float(m)})
    return rows


def pareto_front(cost: list[float], quality: list[float]) -> list[bool]:
    """True for points no other point beats (cost no higher and quality no lower, one strictly)."""
    out = []
    for i, (c, q) in enumerate(zip(cost, quality)):
        if not (math.isfinite(c) and math.isfinite(q)):
            out.append(False)
            continue
        dominated = any(math.isfinite(c2) and math.isfinite(q2) and c2 <= c and q2 >= q and (c2 < c or q2 > q)
                        for j, (c2, q2) in enumerate(zip(cost, quality)) if j != i)
        out.append(not dominated)
    return out


def cost_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Seconds per architecture against Spearman, per task, with the Pareto front marked.  Heuristics
    without measured seconds (e.g. imported ones) are kept with ``pareto`` False."""
    out = []
    for task in dict.fromkeys(r["task"] for r in rows):
        sub = [r for r in rows if r["task"] == task]
        front = pareto_front([r["seconds_per_arch"] for r in sub], [r["spearman"] for r in sub])
        for r, f in zip(sub, front):
            out.append({"task": task, "heuristic": r["heuristic"], "seconds_per_arch": r["seconds_per_arch"],
                        "spearman": r["spearman"], "pareto": f})
    return out


def _search_label(config: dict[str, Any]) -> str:
    label = str(config.get("strategy", "search"))
    if config.get("heuristic"):
        label += f" ({config['heuristic']})"
    return label


def search_runs(store) -> dict[str, list[list[tuple[float, float]]]]:
    """``{label: [run: [(cumulative cost, best so far), ...]]}`` of the store's search runs; the store runs
    of one search run (one per fidelity) are merged back by step."""
    groups: dict[tuple[str, str], dict[int, list]] = {}
    for info in store.runs("search"):
        cfg = dict(info.config)
        run = cfg.pop("run", 0)
        cfg.pop("run_seed", None)
        cfg.pop("fidelity", None)
        key = (_search_label(cfg), json.dumps(cfg, sort_keys=True, default=str))
        groups.setdefault(key, {}).setdefault(run, []).extend(store.trajectory(info.run_id))
    out: dict[str, list] = {}
    labels = {}
    for (label, cfg), runs in sorted(groups.items()):
        n = labels[label] = labels.get(label, 0) + 1
        name = label if n == 1 else f"{label} #{n}"
        curves = []
        for _, steps in sorted(runs.items()):
            steps.sort(key=lambda s: s.step)
            cost = np.cumsum([s.cost or 0.0 for s in steps])
            curves.append([(float(c), float(s.best_so_far) if s.best_so_far is not None else math.nan)
                           for c, s in zip(cost, steps)])
        out[name] = curves
    return out


def search_curve_rows(runs: dict[str, list[list[tuple[float, float]]]], points: int = 60) -> list[dict[str, Any]]:
    """Best so far on a common cost grid per strategy: median, 25% and 75% quantiles, mean, runs."""
    rows = []
    for name, curves in runs.items():
        curves = [c for c in curves if c]
        if not curves:
            continue
        end = max(c[-1][0] for c in curves)
        grid = np.linspace(0.0, end, points)
        vals = np.full((len(curves), points), np.nan)
        for i, c in enumerate(curves):
            cost = np.array([x for x, _ in c])
            best = np.array([y for _, y in c])
            pos = np.searchsorted(cost, grid, side="right") - 1
            vals[i] = np.where(pos >= 0, best[np.clip(pos, 0, None)], np.nan)
        for j, g in enumerate(grid):
            col = vals[:, j][np.isfinite(vals[:, j])]
            if col.size == 0:
                continue
            rows.append({"strategy": name, "cost": float(g), "median": float(np.median(col)),
                         "q25": float(np.quantile(col, 0.25)), "q75": float(np.quantile(col, 0.75)),
                         "mean": float(col.mean()), "runs": int(col.size)})
    return rows
