"""logsynflow: the shared synflow pass, its two reductions, and the bound log(1+g) <= g."""

from __future__ import annotations

import math

import pytest
import torch

from archrank.heuristics import HEURISTICS
from archrank.heuristics.base import ScoreContext
from archrank.heuristics.logsynflow import linear_flow, log_flow, synflow_pass


def test_reductions_by_hand():
    w = [torch.tensor([[2.0, -1.0]], dtype=torch.float64)]
    g = [torch.tensor([[math.e - 1, 0.0]], dtype=torch.float64)]
    assert log_flow(w, g) == pytest.approx(2.0)
    assert linear_flow(w, g) == pytest.approx(2 * (math.e - 1))


@pytest.mark.parametrize("which", [0, 1, 2])
def test_pass_reproduces_synflow_and_bounds_logsynflow(which, make_ctx, tiny_archs):
    ctx = make_ctx(tiny_archs[which])
    w, g = synflow_pass(ctx)
    assert linear_flow(w, g) == pytest.approx(HEURISTICS.get("synflow").fn(ctx), rel=1e-12)
    v = HEURISTICS.get("logsynflow").fn(ctx)
    assert 0 < v <= linear_flow(w, g)
    assert all(bool((t >= 0).all()) for t in g)


def test_data_free_and_deterministic(make_ctx, tiny_space):
    ctx = make_ctx()
    v = HEURISTICS.get("logsynflow").fn(ctx)
    assert HEURISTICS.get("logsynflow").fn(ScoreContext(arch=ctx.arch, space=tiny_space,
                                                        extras={"input_shape": (3, 16, 16)})) == v
    assert HEURISTICS.get("logsynflow").fn(make_ctx(seed=1)) != v


@pytest.mark.slow
def test_on_real_nb201_archs(shared_data):
    import numpy as np
    from nb201_real import contexts, sample_archs

    archs = sample_archs(shared_data, 20)
    ctxs = contexts(shared_data, archs, batch=2)
    log = np.array([HEURISTICS.get("logsynflow").fn(c) for c in ctxs])
    lin = np.array([HEURISTICS.get("synflow").fn(c) for c in ctxs])
    assert np.isfinite(log).all() and (log <= lin).all() and np.unique(log).size > 10
    # the log compresses the range: the spread of logsynflow is orders of magnitude smaller
    pos = lin > 0
    assert np.ptp(np.log10(log[pos])) < np.ptp(np.log10(lin[pos]))
