"""Rank-consistency metrics against scipy and hand-worked cases."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest
from scipy import stats

from archrank.errors import InvalidArgument
from archrank.metrics import (
    average_ranks,
    copeland_scores,
    finite_pairs,
    kendall_tau,
    majority_agreement,
    oriented,
    pairwise_agreement,
    rank_consistency,
    spearman,
    top_k_overlap,
)


def _cases():
    rng = np.random.default_rng(0)
    x = rng.normal(size=700)  # more than one block of the pairwise loops
    yield x, 0.6 * x + rng.normal(size=700)
    a = rng.integers(0, 5, size=60).astype(float)  # heavy ties in both
    yield a, a + rng.integers(0, 3, size=60)
    yield rng.integers(0, 3, size=40).astype(float), rng.normal(size=40)
    yield np.arange(10.0), -np.arange(10.0)


@pytest.mark.parametrize("x,y", list(_cases()))
def test_spearman_and_kendall_match_scipy(x, y):
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)
    assert kendall_tau(x, y) == pytest.approx(stats.kendalltau(x, y).statistic, abs=1e-12)


def test_spearman_is_equation_8_without_ties():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    y = np.array([2.0, 1.0, 4.0, 3.0, 5.0])
    d2 = 1 + 1 + 1 + 1 + 0
    assert spearman(x, y) == pytest.approx(1 - 6 * d2 / (5 * 24))


def test_average_ranks_and_degenerate_cases():
    assert average_ranks([10, 20, 20, 5]).tolist() == [2.0, 3.5, 3.5, 1.0]
    assert math.isnan(spearman([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]))
    assert math.isnan(kendall_tau([1.0], [2.0]))
    with pytest.raises(InvalidArgument, match="finite"):
        spearman([1.0, math.nan], [1.0, 2.0])
    with pytest.raises(InvalidArgument, match="differ in length"):
        kendall_tau([1.0, 2.0], [1.0])


def test_top_k_overlap():
    metric = np.arange(100.0)
    assert top_k_overlap(metric, metric) == 1.0
    assert top_k_overlap(-metric, metric) == 0.0
    scores = metric.copy()
    scores[95:] = -1  # five of the true top ten ranked last
    assert top_k_overlap(scores, metric) == 0.5
    assert top_k_overlap(np.arange(5.0), np.arange(5.0), 0.1) == 1.0  # k is at least one


def _brute_agreement(s, m):
    agree = pairs = 0.0
    for i, j in combinations(range(len(s)), 2):
        if m[i] == m[j]:
            continue
        pairs += 1
        if s[i] == s[j]:
            agree += 0.5
        elif (s[i] > s[j]) == (m[i] > m[j]):
            agree += 1
    return agree / pairs


def test_pairwise_agreement_matches_brute_force():
    rng = np.random.default_rng(1)
    s, m = rng.integers(0, 6, 30).astype(float), rng.integers(0, 8, 30).astype(float)
    assert pairwise_agreement(s, m) == pytest.approx(_brute_agreement(s, m))
    x = rng.normal(size=50)
    assert pairwise_agreement(x, x) == 1.0 and pairwise_agreement(-x, x) == 0.0


def test_orientation_and_finite_pairs():
    assert oriented([1.0, 2.0], higher_is_better=False).tolist() == [-1.0, -2.0]
    s, m, n = finite_pairs([1.0, math.nan, 3.0, math.inf, -math.inf], [1.0, 2.0, math.nan, 4.0, 5.0])
    assert s.tolist() == [1.0] and m.tolist() == [1.0] and n == 4


def test_infinite_scores_are_excluded_and_counted():
    # naswot gives -inf for a singular kernel: like NaN it carries no usable order (one rule everywhere)
    x = np.array([-math.inf, 1.0, 2.0, -math.inf, 3.0, 0.5, math.inf])
    y = np.array([0.5, 2.0, 3.0, 0.4, 4.0, 1.0, 9.0])
    r = rank_consistency(x, y)
    assert r["n"] == 4 and r["n_excluded"] == 3
    assert r["spearman"] == pytest.approx(1.0) and r["kendall"] == pytest.approx(1.0) and r["pairwise"] == 1.0
    # the rank functions themselves still order infinities (-inf lowest) for callers that want that
    assert spearman(x[:6], y[:6]) == pytest.approx(stats.spearmanr(x[:6], y[:6])[0])
    x = np.arange(20.0)
    r = rank_consistency(-x, x, higher_is_better=False)
    assert r["spearman"] == pytest.approx(1.0) and r["kendall"] == pytest.approx(1.0) and r["top10"] == 1.0
    r = rank_consistency(np.r_[x[:-2], math.nan, math.nan], x)
    assert (r["n"], r["n_excluded"]) == (18, 2) and r["pairwise"] == 1.0


def test_copeland_majority_vote():
    # Three voters over four archs a, b, c, d; every pair is decided 2:1 for the earlier arch.
    m = np.array([
        [4.0, 3.0, 2.0, 1.0],
        [4.0, 3.0, 1.0, 2.0],
        [1.0, 4.0, 3.0, 2.0],
    ])
    # brute force Copeland: wins minus losses
    want = []
    for i in range(4):
        w = 0
        for j in range(4):
            if i != j:
                v = np.sign(np.sign(m[:, i] - m[:, j]).sum())
                w += v
        want.append(w)
    assert copeland_scores(m).tolist() == want
    assert want == [3.0, 1.0, -1.0, -3.0]
    assert majority_agreement(m, np.array([4.0, 3.0, 2.0, 1.0])) == 1.0
    metric = np.array([3.0, 4.0, 2.0, 1.0])
    assert majority_agreement(m, metric) == pytest.approx(5 / 6)
    assert copeland_scores(m[:1]).tolist() == [3.0, 1.0, -1.0, -3.0]  # one voter: its own order
    assert majority_agreement(m[:1], metric) == pytest.approx(pairwise_agreement(m[0], metric))
