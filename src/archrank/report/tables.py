"""The tables behind ``archrank report`` (data first: every picture is drawn from one of these).

A *task* is one (space, data set the scores were computed on, benchmark column) combination; where a
heuristic was scored under several (batch size, seed) settings of one space and data set, each setting is
its own task.  Each function returns a list of flat dict rows, written as CSV next to the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from archrank.benchmarks.table import BenchmarkTable
from archrank.metrics import usable
from archrank.report.consistency import Paired, consistency_table, paired_scores

SPEARMAN_COLUMNS = ("task", "heuristic", "spearman", "spearman_low", "spearman_high", "kendall", "kendall_low",
                    "kendall_high", "top10", "n", "n_excluded", "seconds_per_arch")
SCATTER_COLUMNS = ("task", "heuristic", "higher_is_better", "arch", "score", "metric")
COST_COLUMNS = ("task", "heuristic", "seconds_per_arch", "spearman", "spearman_low", "spearman_high", "pareto")
TOP_COLUMNS = ("task", "heuristic", "rank", "arch", "score", "metric", "metric_rank", "n")


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


def settings_with_suffix(store) -> list[tuple[tuple[str, str, int, int], str]]:
    """Each score setting with the suffix its label needs: ``" (batch B, seed S)"`` where the space and data
    set were scored under several settings, else empty."""
    settings = score_settings(store)
    per_sd: dict[tuple[str, str], int] = {}
    for sp, ds, _, _ in settings:
        per_sd[(sp, ds)] = per_sd.get((sp, ds), 0) + 1
    return [((sp, ds, bs, sd), f" (batch {bs}, seed {sd})" if per_sd[(sp, ds)] > 1 else "")
            for sp, ds, bs, sd in settings]


def find_tasks(store, benchmarks: list[Benchmark]) -> list[Task]:
    """Every setting x benchmark where at least two stored architectures are found in the benchmark."""
    tasks = []
    for (sp, ds, bs, sd), suffix in settings_with_suffix(store):
        for b in benchmarks:
            paired = paired_scores(store, b.table, b.metric, space=sp, dataset=ds, batch_size=bs, seed=sd)
            paired = {h: p for h, p in paired.items() if len(p.archs) >= 2}
            if not paired:
                continue
            tasks.append(Task(sp, ds, bs, sd, b, f"{sp} / {ds} / {b.label}{suffix}", paired))
    return tasks


def spearman_rows(tasks: list[Task]) -> list[dict[str, Any]]:
    """One row per (heuristic, task): Spearman and Kendall with their 95% intervals
    (:func:`archrank.metrics.with_intervals`), top-10% overlap, n, seconds per architecture."""
    rows = []
    for t in tasks:
        for h, r in consistency_table(t.paired, vote=False).items():
            rows.append({"task": t.label, "heuristic": h, **{c: r[c] for c in SPEARMAN_COLUMNS[2:]}})
    return rows


def heatmap_matrix(rows: list[dict[str, Any]], stat: str = "spearman") -> tuple[list[str], list[str], np.ndarray]:
    """(heuristics, tasks, matrix of ``stat``) from :func:`spearman_rows`; NaN where a pair is missing.
    Heuristics are ordered by mean Spearman over tasks, best first, whatever ``stat`` is shown."""
    tasks = list(dict.fromkeys(r["task"] for r in rows))
    heur = list(dict.fromkeys(r["heuristic"] for r in rows))
    rho = np.full((len(heur), len(tasks)), np.nan)
    m = np.full((len(heur), len(tasks)), np.nan)
    for r in rows:
        i, j = heur.index(r["heuristic"]), tasks.index(r["task"])
        rho[i, j], m[i, j] = r["spearman"], r[stat]
    means = [np.nanmean(row) if np.isfinite(row).any() else -np.inf for row in rho]
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


def ranked(archs: list[str], scores, higher_is_better: bool) -> list[tuple[str, float]]:
    """``(arch, score)`` with a usable score (:func:`archrank.metrics.usable`), best first (``higher_is_better``
    decides), ties by name."""
    sign = 1.0 if higher_is_better else -1.0
    pts = [(a, float(s)) for a, s in zip(archs, scores) if usable(s)]
    return sorted(pts, key=lambda p: (-sign * p[1], p[0]))


def top_rows(label: str, heuristic: str, archs: list[str], scores, higher_is_better: bool,
             metric=None, k: int = 10, key: str = "task") -> list[dict[str, Any]]:
    """The ``k`` best-ranked architectures of one heuristic: rank, arch, score as stored and, with ``metric``
    (aligned with ``archs``; higher is better), the architecture's metric and its rank by metric among the
    ``n`` ranked architectures with a finite metric (1 = the best of them).  ``label`` goes in column ``key``."""
    best = ranked(archs, scores, higher_is_better)
    known = {}
    if metric is not None:
        known = {a: float(m) for a, m in zip(archs, metric) if usable(m)}
    order = {a: i + 1 for i, a in enumerate(sorted((a for a, _ in best if a in known), key=lambda a: -known[a]))}
    rows = []
    for r, (a, s) in enumerate(best[:k], start=1):
        rows.append({key: label, "heuristic": heuristic, "rank": r, "arch": a, "score": s,
                     "metric": known.get(a, math.nan), "metric_rank": order.get(a, ""),
                     "n": len(order) if known else len(best)})
    return rows


def task_top_rows(task: Task, k: int = 10) -> list[dict[str, Any]]:
    """:func:`top_rows` of every heuristic of one task, with the task's benchmark metric."""
    rows = []
    for h, p in task.paired.items():
        rows += top_rows(task.label, h, p.archs, p.scores, p.higher_is_better, p.metric, k)
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
    """Seconds per architecture against Spearman (with its 95% interval), per task, with the Pareto front
    marked (on rho itself).  Heuristics without measured seconds (e.g. imported ones) are kept with ``pareto``
    False."""
    out = []
    for task in dict.fromkeys(r["task"] for r in rows):
        sub = [r for r in rows if r["task"] == task]
        front = pareto_front([r["seconds_per_arch"] for r in sub], [r["spearman"] for r in sub])
        for r, f in zip(sub, front):
            out.append({"task": task, "heuristic": r["heuristic"], "seconds_per_arch": r["seconds_per_arch"],
                        "spearman": r["spearman"], "spearman_low": r["spearman_low"],
                        "spearman_high": r["spearman_high"], "pareto": f})
    return out
