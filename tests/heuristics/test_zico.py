"""ZiCo: the reduction by hand, the gradients against autograd, batch splitting, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from model_doubles import FactorySpace as _ModelSpace
from torch import nn

from archrank.errors import InvalidArgument
from archrank.heuristics import HEURISTICS
from archrank.heuristics.base import ScoreContext
from archrank.heuristics.zico import loss_gradients, split_batches, zico_from_gradients


def test_reduction_by_hand():
    # Layer 1: weight 0 varies (|g| mean 2, std 1), weight 1 is constant across batches (left out).
    # Layer 2: mean |g| = (1, 3), std = (1, 1) -> sum 4.  Layer 3 never varies: contributes nothing.
    layer1 = np.array([[1.0, 2.0], [3.0, 2.0]])
    layer2 = np.array([[0.0, 2.0], [2.0, 4.0]])
    layer3 = np.zeros((2, 3))
    assert zico_from_gradients([layer1, layer2, layer3]) == pytest.approx(math.log(2.0) + math.log(4.0))


def test_gradients_match_autograd_per_batch():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 5), nn.ReLU(), nn.Linear(5, 3))
    x, y = torch.randn(6, 3, 2, 2), torch.tensor([0, 1, 2, 0, 1, 2])
    grads = loss_gradients(model, split_batches(x, y, 2))
    assert [g.shape for g in grads] == [(2, 60), (2, 15)]
    for b, (xb, yb) in enumerate(split_batches(x, y, 2)):
        model.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()
        np.testing.assert_allclose(grads[0][b], model[1].weight.grad.reshape(-1).numpy(), rtol=1e-6)
        np.testing.assert_allclose(grads[1][b], model[3].weight.grad.reshape(-1).numpy(), rtol=1e-6)


def test_split_batches():
    x, y = torch.arange(10.0)[:, None], torch.arange(10)
    parts = split_batches(x, y, 3)
    assert [p[0].shape[0] for p in parts] == [3, 3, 3]
    assert torch.equal(parts[1][1], torch.tensor([3, 4, 5]))
    with pytest.raises(InvalidArgument, match="batches"):
        split_batches(x, y, 1)


def test_score_equals_hand_computation_on_a_linear_model():
    torch.manual_seed(1)
    lin = nn.Linear(4, 3)
    space = _ModelSpace(lambda: nn.Sequential(nn.Flatten(), lin))
    x, y = torch.randn(8, 4), torch.arange(8) % 3
    ctx = ScoreContext(arch="lin", space=space, inputs=x, targets=y)
    gs = []
    for xb, yb in ((x[:4], y[:4]), (x[4:], y[4:])):
        lin.zero_grad()
        nn.functional.cross_entropy(lin(xb), yb).backward()
        gs.append(lin.weight.grad.reshape(-1).double().numpy().copy())
    g = np.stack(gs)
    expected = math.log(np.sum(np.abs(g).mean(0) / g.std(0)))
    assert HEURISTICS.get("zico").fn(ctx) == pytest.approx(expected, rel=1e-6)


def test_deterministic_and_seed_dependent(make_ctx):
    h = HEURISTICS.get("zico")
    assert h.fn(make_ctx(seed=0)) == h.fn(make_ctx(seed=0))
    assert h.fn(make_ctx(seed=0)) != h.fn(make_ctx(seed=1))
    assert h.needs == {"data", "labels", "gradients"} and h.higher_is_better
