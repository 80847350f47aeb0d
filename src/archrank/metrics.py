"""Rank consistency: how well a heuristic's ordering agrees with the true one.

* :func:`spearman`: Spearman's rho.  Without ties it is equation 8 of the survey,
  ``1 - 6 * sum(d_i^2) / (K (K^2 - 1))`` with ``d_i`` the rank difference of entry ``i``; with ties
  every tied group gets its average rank and rho is the Pearson correlation of the ranks (which reduces to
  equation 8 when there are no ties, and equals ``scipy.stats.spearmanr``).
* :func:`kendall_tau`: Kendall's tau-b (ties in either variable handled; equals ``scipy.stats.kendalltau``).
* :func:`top_k_overlap`: the fraction of the top ``frac`` by score that is also in the top ``frac`` by metric.
* :func:`pairwise_agreement`: the fraction of pairs (untied in the metric) that the score orders the same way.
* :func:`copeland_scores` / :func:`majority_agreement`: majority vote of several heuristics.
* :func:`spearman_interval` / :func:`kendall_interval`: Fisher-z confidence intervals (:data:`INTERVAL_METHOD`).

All functions take scores oriented so that higher is better: :func:`oriented` flips lower-is-better
scores.

**The rule for non-finite values** (one rule for every command: ``correlate``, ``suite``, ``report``, the
demo and the search strategies all apply it through this module).  A score or a metric value that is not a
finite number (NaN, ``+inf``, ``-inf``: a failed computation, naswot's log-determinant of a singular kernel,
an overflow) carries no usable order, so its architecture is *excluded* from that heuristic's figures and
*counted*: :func:`finite_pairs` returns the finite pairs and the number excluded; :func:`rank_consistency`
reports ``n`` (pairs used) and ``n_excluded`` (the rest), and Spearman/Kendall are NaN with fewer than
:data:`MIN_PAIRS` pairs.  :func:`usable` is the same test for one value.  :func:`spearman` and
:func:`kendall_tau` themselves accept infinities (``-inf`` ranks lowest) for callers ranking raw values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from archrank.errors import InvalidArgument

_CHUNK = 512  # rows per block in the pairwise O(n^2) computations (bounded memory)
MIN_PAIRS = 3  # fewer usable pairs than this: Spearman and Kendall are NaN (two points always agree or not)


def _vec(x: Sequence[float] | np.ndarray, name: str = "values") -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 1:
        raise InvalidArgument(f"{name} must be one-dimensional, got shape {a.shape}")
    return a


def _pair(x, y) -> tuple[np.ndarray, np.ndarray]:
    a, b = _vec(x, "scores"), _vec(y, "metric")
    if a.shape != b.shape:
        raise InvalidArgument(f"scores and metric differ in length: {a.size} vs {b.size}")
    if np.isnan(a).any() or not np.isfinite(b).all():
        raise InvalidArgument("scores must not be NaN and the metric must be finite; drop such entries with "
                              "finite_pairs()")
    return a, b


def oriented(values: Sequence[float] | np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Scores turned so that higher is better (lower-is-better heuristics change sign)."""
    a = _vec(values)
    return a if higher_is_better else -a


def usable(value: float | None) -> bool:
    """Whether one score or metric value enters a ranking: a finite number (not None, NaN or ``±inf``)."""
    return value is not None and math.isfinite(value)


def finite_pairs(scores, metric) -> tuple[np.ndarray, np.ndarray, int]:
    """``(scores, metric, n_excluded)``: the entries whose score and metric are both finite, and how many
    others there were (NaN and ``±inf`` alike are excluded and counted: the rule in the module docstring)."""
    a, b = _vec(scores, "scores"), _vec(metric, "metric")
    if a.shape != b.shape:
        raise InvalidArgument(f"scores and metric differ in length: {a.size} vs {b.size}")
    keep = np.isfinite(a) & np.isfinite(b)
    return a[keep], b[keep], int((~keep).sum())


def average_ranks(x) -> np.ndarray:
    """Ranks 1..n of ``x``, tied values sharing the average of the ranks they span."""
    a = _vec(x)
    order = np.argsort(a, kind="mergesort")
    sorted_a = a[order]
    # Start of each run of equal values in sorted order.
    starts = np.flatnonzero(np.r_[True, sorted_a[1:] != sorted_a[:-1]])
    ends = np.r_[starts[1:], a.size]
    avg = (starts + ends + 1) / 2.0  # mean of ranks starts+1 .. ends
    ranks = np.empty(a.size)
    ranks[order] = np.repeat(avg, ends - starts)
    return ranks


def spearman(x, y) -> float:
    """Spearman's rho (equation 8 without ties; Pearson of average ranks with ties). NaN if undefined."""
    a, b = _pair(x, y)
    k = a.size
    if k < 2:
        return math.nan
    ra, rb = average_ranks(a), average_ranks(b)
    if np.unique(a).size == k and np.unique(b).size == k:
        d = ra - rb
        return float(1.0 - 6.0 * np.dot(d, d) / (k * (k * k - 1.0)))
    ra -= ra.mean()
    rb -= rb.mean()
    den = math.sqrt(float(np.dot(ra, ra)) * float(np.dot(rb, rb)))
    return float(np.dot(ra, rb) / den) if den > 0 else math.nan


def _cmp(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """sign(u - v) by comparison, so that equal infinities compare as ties (their difference is NaN)."""
    return (u > v).astype(np.int8) - (u < v).astype(np.int8)


def _tied_pairs(a: np.ndarray) -> int:
    _, counts = np.unique(a, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def _sign_sum(a: np.ndarray, b: np.ndarray) -> int:
    """sum over i<j of sign(a_i - a_j) * sign(b_i - b_j), in blocks of rows."""
    total = 0
    n = a.size
    for s in range(0, n, _CHUNK):
        e = min(n, s + _CHUNK)
        sa = _cmp(a[s:e, None], a[None, :])
        sb = _cmp(b[s:e, None], b[None, :])
        total += int((sa * sb).sum())
    return total // 2  # every unordered pair was counted twice


def kendall_tau(x, y) -> float:
    """Kendall's tau-b: (concordant - discordant) / sqrt((n0 - ties_x) (n0 - ties_y)). NaN if undefined."""
    a, b = _pair(x, y)
    n = a.size
    if n < 2:
        return math.nan
    n0 = n * (n - 1) // 2
    den = math.sqrt(float(n0 - _tied_pairs(a)) * float(n0 - _tied_pairs(b)))
    return _sign_sum(a, b) / den if den > 0 else math.nan


def top_k_overlap(scores, metric, frac: float = 0.1) -> float:
    """Fraction of the top ``frac`` architectures by score that are also in the top ``frac`` by metric.

    ``k = max(1, round(frac * n))``; ties at the cut are broken by position (stable order).
    """
    a, b = _pair(scores, metric)
    if not 0 < frac <= 1:
        raise InvalidArgument(f"top-k fraction must be in (0, 1], got {frac}")
    n = a.size
    if n == 0:
        return math.nan
    k = max(1, round(frac * n))
    top_a = np.argsort(-a, kind="stable")[:k]
    top_b = np.argsort(-b, kind="stable")[:k]
    return len(np.intersect1d(top_a, top_b)) / k


def pairwise_agreement(scores, metric) -> float:
    """Fraction of pairs untied in the metric that the scores order the same way (a score tie counts half)."""
    a, b = _pair(scores, metric)
    n = a.size
    agree = 0.0
    pairs = 0
    for s in range(0, n, _CHUNK):
        e = min(n, s + _CHUNK)
        sa = _cmp(a[s:e, None], a[None, :])
        sb = _cmp(b[s:e, None], b[None, :])
        untied = sb != 0
        pairs += int(untied.sum())
        agree += float((sa == sb)[untied].sum()) + 0.5 * float((sa == 0)[untied].sum())
    return agree / pairs if pairs else math.nan


def _votes(matrix: np.ndarray, s: int, e: int) -> np.ndarray:
    """Net votes (heuristics preferring row i over column j, minus the reverse) for rows s..e."""
    return sum(_cmp(m[s:e, None], m[None, :]) for m in matrix)


def _matrix(score_matrix) -> np.ndarray:
    m = np.asarray(score_matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] < 1:
        raise InvalidArgument(f"score matrix must be (heuristics, architectures), got shape {m.shape}")
    if np.isnan(m).any():
        raise InvalidArgument("score matrix must not hold NaN")
    return m


def copeland_scores(score_matrix) -> np.ndarray:
    """Copeland score of each architecture under a majority vote of several heuristics.

    ``score_matrix`` is (heuristics, architectures), each row oriented higher-is-better.  For every pair,
    the architecture preferred by more heuristics wins; the score is wins minus losses (a split vote
    counts for neither).
    """
    m = _matrix(score_matrix)
    n = m.shape[1]
    out = np.zeros(n)
    for s in range(0, n, _CHUNK):
        e = min(n, s + _CHUNK)
        out[s:e] = np.sign(_votes(m, s, e)).sum(axis=1)
    return out


def majority_agreement(score_matrix, metric) -> float:
    """Pairwise agreement of the majority vote with the metric (pairs untied in the metric; split votes
    count half)."""
    m = _matrix(score_matrix)
    b = _vec(metric, "metric")
    if b.size != m.shape[1] or not np.isfinite(b).all():
        raise InvalidArgument("metric must be finite and as long as the score matrix has architectures")
    n = b.size
    agree, pairs = 0.0, 0
    for s in range(0, n, _CHUNK):
        e = min(n, s + _CHUNK)
        vote = np.sign(_votes(m, s, e))
        sb = _cmp(b[s:e, None], b[None, :])
        untied = sb != 0
        pairs += int(untied.sum())
        agree += float((vote == sb)[untied].sum()) + 0.5 * float((vote == 0)[untied].sum())
    return agree / pairs if pairs else math.nan


def rank_consistency(scores, metric, *, higher_is_better: bool = True, top_frac: float = 0.1) -> dict:
    """Spearman, Kendall, top-``frac`` overlap and pairwise agreement of one heuristic against a metric.

    Non-finite scores and metric values (NaN, ``±inf``) are excluded; ``n`` counts the pairs used,
    ``n_excluded`` the rest; Spearman and Kendall are NaN below :data:`MIN_PAIRS` pairs.
    ``top1`` is the metric of the heuristic's pick, the best-scored architecture (the mean metric of the
    architectures tied at the best score, so that a tie picks no favourite).  ``spearman_low/high`` and
    ``kendall_low/high`` are 95% confidence intervals (:func:`with_intervals`).
    """
    a, b, excluded = finite_pairs(oriented(scores, higher_is_better), metric)
    enough = a.size >= MIN_PAIRS
    return with_intervals({
        "top1": float(np.mean(b[a == a.max()])) if a.size else math.nan,
        "spearman": spearman(a, b) if enough else math.nan,
        "kendall": kendall_tau(a, b) if enough else math.nan,
        "top10": top_k_overlap(a, b, top_frac) if a.size else math.nan,
        "pairwise": pairwise_agreement(a, b),
        "n": int(a.size),
        "n_excluded": excluded,
    })


#: How :func:`spearman_interval` and :func:`kendall_interval` are computed (shown on the report page).
INTERVAL_METHOD = ("Fisher z intervals: z = atanh(r) +- q * se, mapped back with tanh, q the normal quantile; "
                   "se = sqrt((1 + rho^2 / 2) / (n - 3)) for Spearman (Bonett & Wright 2000), "
                   "se = sqrt(0.437 / (n - 4)) for Kendall's tau (Fieller, Hartley & Pearson 1957)")


def _fisher_interval(r: float, se: float, level: float) -> tuple[float, float]:
    from statistics import NormalDist

    if not 0 < level < 1:
        raise InvalidArgument(f"confidence level must be in (0, 1), got {level}")
    if not (math.isfinite(r) and math.isfinite(se)):
        return math.nan, math.nan
    if abs(r) >= 1.0:  # a perfect sample correlation: z is infinite, the interval degenerates to the point
        return float(r), float(r)
    z = math.atanh(r)
    half = NormalDist().inv_cdf(0.5 + level / 2) * se
    return math.tanh(z - half), math.tanh(z + half)


def spearman_interval(rho: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of Spearman's ``rho`` over ``n`` pairs: Fisher z with Bonett and Wright's (2000)
    standard error sqrt((1 + rho^2/2) / (n - 3)).  ``(nan, nan)`` for n <= 3 or a NaN rho."""
    if n <= 3 or not math.isfinite(rho):
        return math.nan, math.nan
    return _fisher_interval(rho, math.sqrt((1.0 + rho * rho / 2.0) / (n - 3)), level)


def kendall_interval(tau: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Confidence interval of Kendall's ``tau`` over ``n`` pairs: Fisher z with the standard error
    sqrt(0.437 / (n - 4)) of Fieller, Hartley and Pearson (1957).  ``(nan, nan)`` for n <= 4 or a NaN tau."""
    if n <= 4 or not math.isfinite(tau):
        return math.nan, math.nan
    return _fisher_interval(tau, math.sqrt(0.437 / (n - 4)), level)


def with_intervals(row: dict, level: float = 0.95) -> dict:
    """``row`` (with ``spearman``, ``kendall``, ``n``) plus ``spearman_low/high`` and ``kendall_low/high``."""
    row["spearman_low"], row["spearman_high"] = spearman_interval(row["spearman"], row["n"], level)
    row["kendall_low"], row["kendall_high"] = kendall_interval(row["kendall"], row["n"], level)
    return row
