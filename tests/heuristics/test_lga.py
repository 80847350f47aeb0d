"""lga: the centred alignment by hand, its invariances, and the shared NTK."""

from __future__ import annotations

import numpy as np
import pytest

from archrank.heuristics import HEURISTICS
from archrank.heuristics.kernel_scores import _empirical_sum
from archrank.heuristics.lga import centred_alignment, label_matrix


def test_label_matrix_and_perfect_alignment():
    y = [0, 1, 0, 2]
    L = label_matrix(y)
    assert L.tolist() == [[1, 0, 1, 0], [0, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 1]]
    assert centred_alignment(L, L) == pytest.approx(1.0)
    assert centred_alignment(-L, L) == pytest.approx(-1.0)
    # affine changes of either matrix do not move the value (centring + normalisation)
    assert centred_alignment(3 * L + 7, 2 * L - 1) == pytest.approx(1.0)


def test_alignment_by_hand():
    k = np.array([[2.0, 1.0], [1.0, 0.0]])
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    a, b = k - 1.0, t - 0.5
    assert centred_alignment(k, t) == pytest.approx(float((a * b).sum() / np.linalg.norm(a) / np.linalg.norm(b)))
    assert np.isnan(centred_alignment(np.ones((2, 2)), t))


def test_lga_uses_the_ntk_cond_kernel(make_ctx):
    ctx = make_ctx()
    k = _empirical_sum(ctx, "lga").numpy()
    v = HEURISTICS.get("lga").fn(ctx)
    assert v == pytest.approx(centred_alignment(k, label_matrix(ctx.targets.numpy())))
    assert -1.0 <= v <= 1.0
    assert v == HEURISTICS.get("lga").fn(make_ctx())
    assert v != HEURISTICS.get("lga").fn(make_ctx(seed=1))


@pytest.mark.slow
def test_on_real_nb201_archs(shared_data):
    from nb201_real import contexts, sample_archs

    ctxs = contexts(shared_data, sample_archs(shared_data, 20), batch=32)
    v = np.array([HEURISTICS.get("lga").fn(c) for c in ctxs])
    ok = np.isfinite(v)
    assert ok.sum() >= 18 and ((v[ok] >= -1) & (v[ok] <= 1)).all() and np.unique(v[ok]).size > 10
