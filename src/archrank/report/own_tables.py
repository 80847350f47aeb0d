"""The tables of a report on a store with no ground truth (the user's own space): what the heuristics say,
how their scores are spread, how much they agree with one another, and what they cost.

A *group* is one score setting (space, data set, batch size, seed) of the store.  Every table is a list of
flat dict rows, written as CSV next to the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from archrank.metrics import (
    MIN_PAIRS,
    average_ranks,
    finite_pairs,
    oriented,
    spearman,
    spearman_interval,
    usable,
)
from archrank.report.scales import axis_scale
from archrank.report.tables import settings_with_suffix, top_rows

DISTRIBUTION_COLUMNS = ("group", "heuristic", "higher_is_better", "n", "n_nonfinite", "n_failed", "min", "q25",
                        "median", "q75", "max", "scale", "decades")
AGREEMENT_COLUMNS = ("group", "heuristic_a", "heuristic_b", "spearman", "spearman_low", "spearman_high", "n")
OWN_COST_COLUMNS = ("group", "heuristic", "seconds_per_arch", "computed", "seconds_total")


@dataclass
class Scores:
    """One heuristic's stored scores in one group (values as stored; NaN for failures)."""

    heuristic: str
    higher_is_better: bool
    archs: list[str]
    values: np.ndarray
    seconds: list[float]  # measured seconds of the records that were computed (not copied)
    n_failed: int = 0


@dataclass
class Group:
    space: str
    dataset: str
    batch_size: int
    seed: int
    label: str
    scores: dict[str, Scores]


def score_groups(store) -> list[Group]:
    """One :class:`Group` per score setting of the store, each with every heuristic scored under it."""
    from archrank.report.consistency import _direction

    info = store.heuristic_info()
    out = []
    for (sp, ds, bs, sd), suffix in settings_with_suffix(store):
        by_h: dict[str, list] = {}
        for r in store.scores(space=sp, dataset=ds, batch_size=bs, seed=sd):
            by_h.setdefault(r.heuristic, []).append(r)
        scores = {}
        for h, recs in sorted(by_h.items()):
            scores[h] = Scores(h, _direction(h, info), [r.arch for r in recs],
                               np.array([r.value for r in recs], dtype=np.float64),
                               [r.seconds for r in recs if r.computed and r.seconds is not None],
                               sum(r.error is not None for r in recs))
        out.append(Group(sp, ds, bs, sd, f"{sp} / {ds}{suffix}", scores))
    return out


def _usable(values: np.ndarray) -> np.ndarray:
    """Mask of the scores that enter a ranking (:func:`archrank.metrics.usable`: finite numbers only)."""
    return np.array([usable(v) for v in values.tolist()], dtype=bool)


def ranking_rows(group: Group, k: int = 10) -> list[dict[str, Any]]:
    """The ``k`` best-ranked architectures of every heuristic (no metric: the store has no ground truth)."""
    rows = []
    for h, s in group.scores.items():
        rows += top_rows(group.label, h, s.archs, s.values, s.higher_is_better, None, k, key="group")
    return rows


def consensus_rows(group: Group, k: int = 10, heuristics: list[str] | None = None) -> list[dict[str, Any]]:
    """The ``k`` architectures with the best mean rank over the group's heuristics, with each heuristic's
    rank (1 = its best; ties share their average rank).  Only architectures every heuristic of the group
    scored finitely are ranked (``n``).  ``heuristics`` names the rank columns (default: the group's); a
    heuristic the group lacks gets empty cells."""
    names = list(group.scores)
    finite = {h: {a: v for a, v in zip(s.archs, oriented(s.values, s.higher_is_better)) if usable(v)}
              for h, s in group.scores.items()}
    common = sorted(set.intersection(*(set(f) for f in finite.values()))) if finite else []
    ranks = {h: dict(zip(common, (len(common) + 1 - average_ranks([finite[h][a] for a in common])).tolist()))
             for h in names}
    mean = {a: float(np.mean([ranks[h][a] for h in names])) for a in common}
    rows = []
    for r, a in enumerate(sorted(common, key=lambda a: (mean[a], a))[:k], start=1):
        row = {"group": group.label, "rank": r, "arch": a, "mean_rank": mean[a], "n": len(common)}
        row.update({f"rank_{h}": ranks[h][a] if h in ranks else "" for h in (heuristics or names)})
        rows.append(row)
    return rows


def distribution_rows(group: Group) -> list[dict[str, Any]]:
    """Quantiles of every heuristic's finite scores (as stored), and the axis they are drawn on."""
    rows = []
    for h, s in group.scores.items():
        v = s.values[_usable(s.values)]
        q = np.quantile(v, [0.0, 0.25, 0.5, 0.75, 1.0]) if v.size else np.full(5, np.nan)
        sc = axis_scale(v)
        rows.append({"group": group.label, "heuristic": h, "higher_is_better": s.higher_is_better, "n": int(v.size),
                     "n_nonfinite": int(s.values.size - v.size), "n_failed": s.n_failed,
                     "min": float(q[0]), "q25": float(q[1]), "median": float(q[2]), "q75": float(q[3]),
                     "max": float(q[4]), "scale": sc.label(), "decades": round(sc.decades, 2)})
    return rows


def agreement_rows(group: Group) -> list[dict[str, Any]]:
    """Spearman's rho between every pair of heuristics (both oriented higher-is-better), over the architectures
    both scored finitely (:func:`archrank.metrics.finite_pairs`; NaN below ``MIN_PAIRS``), with its 95%
    interval; the diagonal is included (rho 1 over the heuristic's own n)."""
    names = list(group.scores)
    values = {h: dict(zip(s.archs, oriented(s.values, s.higher_is_better).tolist())) for h, s in group.scores.items()}
    rows = []
    for a in names:
        for b in names:
            both = sorted(set(values[a]) & set(values[b]))
            x, y, _ = finite_pairs([values[a][k] for k in both], [values[b][k] for k in both])
            n = int(x.size)
            rho = spearman(x, y) if n >= MIN_PAIRS else math.nan
            lo, hi = spearman_interval(rho, n)
            rows.append({"group": group.label, "heuristic_a": a, "heuristic_b": b, "spearman": rho,
                         "spearman_low": lo, "spearman_high": hi, "n": n})
    return rows


def agreement_matrix(rows: list[dict[str, Any]]) -> tuple[list[str], np.ndarray]:
    """(heuristics, square matrix of Spearman) from :func:`agreement_rows` of one group."""
    names = list(dict.fromkeys(r["heuristic_a"] for r in rows))
    m = np.full((len(names), len(names)), np.nan)
    for r in rows:
        m[names.index(r["heuristic_a"]), names.index(r["heuristic_b"])] = r["spearman"]
    return names, m


def own_cost_rows(group: Group) -> list[dict[str, Any]]:
    """Mean and total measured seconds of every heuristic (computed records only; imported ones have none)."""
    rows = []
    for h, s in group.scores.items():
        rows.append({"group": group.label, "heuristic": h,
                     "seconds_per_arch": float(np.mean(s.seconds)) if s.seconds else math.nan,
                     "computed": len(s.seconds), "seconds_total": float(np.sum(s.seconds)) if s.seconds else math.nan})
    return rows
