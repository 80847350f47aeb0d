"""How well each heuristic ranks: its stored scores against a ground truth, with its measured cost."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MEAN_RANK = "mean_rank"


def agreement(scores: np.ndarray, truth: np.ndarray, higher_is_better: bool = True) -> dict[str, float]:
    """Spearman and Kendall over the finite pairs, ``n`` used and ``n_excluded``
    (:func:`archrank.metrics.rank_consistency`: the rule every command applies)."""
    from archrank.metrics import rank_consistency

    rc = rank_consistency(np.asarray(scores, dtype=float), np.asarray(truth, dtype=float),
                          higher_is_better=higher_is_better)
    return {"spearman": float(rc["spearman"]), "kendall": float(rc["kendall"]), "n": int(rc["n"]),
            "n_excluded": int(rc["n_excluded"])}


def mean_rank_scores(columns: dict[str, np.ndarray], directions: dict[str, bool]) -> np.ndarray:
    """Average rank (1 = worst) over heuristics, each oriented so that higher is better; NaN ranks last
    (:func:`archrank.heuristics.aggregate.rank_aggregate`)."""
    from archrank.heuristics.aggregate import rank_aggregate

    n = len(next(iter(columns.values())))
    scores = {name: dict(enumerate(np.asarray(vals, dtype=float).tolist())) for name, vals in columns.items()}
    agg = rank_aggregate(scores, directions)
    return np.array([agg[i] for i in range(n)])


def score_columns(store, setting, archs: Sequence[str], names: Sequence[str]):
    """``(columns, seconds)``: each heuristic's stored scores in the order of ``archs`` (NaN where missing or
    failed) and the seconds measured where it was computed (copies from a class member carry none)."""
    columns = {n: np.full(len(archs), np.nan) for n in names}
    seconds: dict[str, list[float]] = {n: [] for n in names}
    row = {a: i for i, a in enumerate(archs)}
    for r in store.scores(**setting.key):
        if r.heuristic in columns and r.arch in row:
            columns[r.heuristic][row[r.arch]] = r.value
            if r.computed and r.seconds is not None:
                seconds[r.heuristic].append(float(r.seconds))
    return columns, seconds


def ranking_rows(columns: dict[str, np.ndarray], seconds: dict[str, list[float]], directions: dict[str, bool],
                 truth: np.ndarray) -> list[dict]:
    """One row per heuristic (and the mean rank of them all, over the architectures every heuristic scored
    finitely): Spearman and Kendall against ``truth``, mean measured seconds per architecture, and how many
    scores are not finite; best Spearman first (NaN last)."""
    rows = []
    for n, col in columns.items():
        a = agreement(col, truth, directions[n])
        rows.append({"heuristic": n, **a, "seconds_per_arch": float(np.mean(seconds[n])) if seconds[n] else
                     float("nan"), "nonfinite": int((~np.isfinite(col)).sum())})
    if len(columns) > 1:
        # a combination is ranked over the architectures every member scored finitely (the rule of
        # archrank.metrics, as correlate's and the suite's combination rows)
        ok = np.all([np.isfinite(c) for c in columns.values()], axis=0)
        a = agreement(mean_rank_scores({n: c[ok] for n, c in columns.items()}, directions),
                      np.asarray(truth, dtype=float)[ok])
        cost = sum(r["seconds_per_arch"] for r in rows)
        rows.append({"heuristic": MEAN_RANK, **a, "n_excluded": int((~ok).sum()), "seconds_per_arch": cost,
                     "nonfinite": int((~ok).sum())})
    return sorted(rows, key=lambda r: -r["spearman"] if np.isfinite(r["spearman"]) else np.inf)


def best_single(rows: list[dict]) -> dict | None:
    """The best-ranking single heuristic (not the mean rank) with a finite Spearman, or None."""
    for r in rows:
        if r["heuristic"] != MEAN_RANK and np.isfinite(r["spearman"]):
            return r
    return None
