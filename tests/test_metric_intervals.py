"""Confidence intervals of rank correlations: a published worked case, edge cases, and coverage."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archrank.errors import InvalidArgument
from archrank.metrics import kendall_interval, kendall_tau, rank_consistency, spearman, spearman_interval


def test_spearman_interval_matches_bonett_wright_worked_case():
    # statpsych's ci.spear example (Bonett): rho = 0.8699639 on 15 pairs -> [0.5840951, 0.9638297]
    lo, hi = spearman_interval(0.8699639, 15)
    assert lo == pytest.approx(0.5840951, abs=1e-6) and hi == pytest.approx(0.9638297, abs=1e-6)


def test_kendall_interval_by_hand():
    # z = atanh(0.3) +- 1.959964 * sqrt(0.437 / 96)
    half = 1.959964 * math.sqrt(0.437 / 96)
    lo, hi = kendall_interval(0.3, 100)
    assert lo == pytest.approx(math.tanh(math.atanh(0.3) - half), abs=1e-6)
    assert hi == pytest.approx(math.tanh(math.atanh(0.3) + half), abs=1e-6)


def test_interval_edges():
    assert all(math.isnan(v) for v in spearman_interval(0.3, 3))
    assert all(math.isnan(v) for v in kendall_interval(0.3, 4))
    assert all(math.isnan(v) for v in spearman_interval(math.nan, 50))
    assert spearman_interval(1.0, 20) == (1.0, 1.0) and kendall_interval(-1.0, 20) == (-1.0, -1.0)
    narrow, wide = spearman_interval(0.5, 200), spearman_interval(0.5, 30)
    assert wide[0] < narrow[0] < 0.5 < narrow[1] < wide[1]
    with pytest.raises(InvalidArgument, match="confidence level"):
        spearman_interval(0.5, 30, level=1.5)


def test_rank_consistency_rows_carry_the_intervals():
    x = np.arange(30.0)
    y = x + np.random.default_rng(0).normal(0, 8, 30)
    r = rank_consistency(x, y)
    assert (r["spearman_low"], r["spearman_high"]) == spearman_interval(r["spearman"], 30)
    assert (r["kendall_low"], r["kendall_high"]) == kendall_interval(r["kendall"], 30)
    assert r["spearman_low"] < r["spearman"] < r["spearman_high"]


def test_intervals_cover_the_population_value_about_95_percent():
    # bivariate normal with correlation r: Spearman's population rho is (6/pi) asin(r/2), Kendall's (2/pi) asin(r)
    rng = np.random.default_rng(1)
    r, n, reps = 0.6, 40, 400
    rho_s, tau = 6 / math.pi * math.asin(r / 2), 2 / math.pi * math.asin(r)
    cov = [[1, r], [r, 1]]
    hit_s = hit_k = 0
    for _ in range(reps):
        x, y = rng.multivariate_normal([0, 0], cov, size=n).T
        lo, hi = spearman_interval(spearman(x, y), n)
        hit_s += lo <= rho_s <= hi
        lo, hi = kendall_interval(kendall_tau(x, y), n)
        hit_k += lo <= tau <= hi
    assert 0.91 <= hit_s / reps <= 0.99 and 0.91 <= hit_k / reps <= 0.99
