"""The axis rule: linear unless the magnitudes span more than three decades; then log (all positive) or
symmetric log (zeros or negative values)."""

from __future__ import annotations

import numpy as np
import pytest

from archrank.report.scales import DECADES, axis_scale, histogram_edges


def test_linear_when_the_spread_is_small():
    assert axis_scale(np.linspace(1, 900, 50)).kind == "linear"
    assert axis_scale(np.linspace(-3, 3, 50)).kind == "linear"  # mixed sign, continuous near zero
    assert axis_scale([5.0]).kind == "linear" and axis_scale([]).kind == "linear"


def test_log_for_positive_scores_over_many_decades():
    synflow_like = 10.0 ** np.linspace(10, 34, 40)
    s = axis_scale(synflow_like)
    assert s.kind == "log" and s.decades > 20


def test_symlog_for_signed_scores_over_many_decades():
    v = np.r_[-(10.0 ** np.linspace(0, 8, 20)), 0.0, 10.0 ** np.linspace(0, 8, 20)]
    s = axis_scale(v)
    assert s.kind == "symlog" and s.linthresh == pytest.approx(np.quantile(np.abs(v[v != 0]), 0.1))
    assert "symlog" in s.label()


def test_one_outlier_near_zero_does_not_decide():
    v = np.r_[np.linspace(1, 100, 99), 1e-9]  # one value near zero: the low quantile ignores it
    assert axis_scale(v).kind == "linear"


def test_non_finite_values_are_ignored():
    v = np.r_[np.linspace(1, 100, 20), np.nan, np.inf, -np.inf]
    assert axis_scale(v).kind == "linear" and axis_scale(v).decades < DECADES


@pytest.mark.parametrize("values", [10.0 ** np.linspace(10, 34, 40), np.linspace(-5, 5, 30),
                                    np.r_[-(10.0 ** np.linspace(0, 8, 20)), 0.0, 10.0 ** np.linspace(0, 8, 20)]])
def test_histogram_edges_cover_the_values_once(values):
    edges = histogram_edges(values, axis_scale(values), bins=12)
    assert edges.size == 13 and (np.diff(edges) > 0).all()
    assert edges[0] == pytest.approx(values.min()) and edges[-1] == pytest.approx(values.max())
    counts, _ = np.histogram(values, bins=edges)
    assert counts.sum() == values.size


def test_symlog_ticks_are_few_and_mirrored():
    v = np.r_[-(10.0 ** np.linspace(0, 30, 20)), 0.0, 10.0 ** np.linspace(0, 30, 20)]
    s = axis_scale(v)
    ticks, labels = s.symlog_ticks()
    pos = [t for t in ticks if t > 0]
    assert 0.0 in ticks and len(pos) <= 5 and pos == sorted(pos) and max(pos) <= s.top
    assert [-t for t in ticks if t < 0] == pos[::-1] and len(labels) == len(ticks)
    only_positive = axis_scale(np.r_[0.0, 0.0, 10.0 ** np.linspace(10, 34, 30)])
    assert only_positive.kind == "symlog" and min(only_positive.symlog_ticks()[0]) == 0.0
