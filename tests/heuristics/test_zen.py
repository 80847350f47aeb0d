"""Zen-score: the formula by hand on a network without and with batch norm, determinism, degenerate nets."""

from __future__ import annotations

import math

import pytest
import torch
from model_doubles import FactorySpace
from torch import nn

from archrank.heuristics import HEURISTICS
from archrank.heuristics._hooks import gaussian_init, gaussian_inputs, generator
from archrank.heuristics.base import ScoreContext
from archrank.heuristics.zen import MIXUP_GAMMA, pre_gap_and_bn_variances, zen_from_pass


class _Net(nn.Module):
    def __init__(self, bn: bool):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(4) if bn else nn.Identity()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4, 10)

    def forward(self, x):
        return self.fc(self.pool(torch.relu(self.bn(self.conv(x)))).flatten(1))


def _Space(bn: bool) -> FactorySpace:
    return FactorySpace(lambda: _Net(bn))


@pytest.mark.parametrize("bn", [False, True])
def test_formula_by_hand(bn):
    ctx = ScoreContext(arch="n", space=_Space(bn), inputs=torch.zeros(8, 3, 6, 6), seed=3)
    model = gaussian_init(ctx.build().train(), ctx.seed * 7919)
    x = gaussian_inputs(ctx, "zen")
    eps = torch.randn(x.shape, generator=generator(ctx.seed * 1_000_003 + 104729))
    with torch.no_grad():
        def pre_gap(z):
            return torch.relu(model.bn(model.conv(z)))

        delta = (pre_gap(x) - pre_gap(x + MIXUP_GAMMA * eps)).abs().flatten(1).sum(1).mean()
        expected = math.log(float(delta))
        if bn:
            c = model.conv(x)
            expected += 0.5 * math.log(float(c.transpose(0, 1).reshape(4, -1).var(1, unbiased=False).mean()))
    assert HEURISTICS.get("zen").fn(ctx) == pytest.approx(expected, rel=1e-5)


def test_pass_pieces():
    model = _Net(True).train()
    x = torch.randn(4, 3, 5, 5)
    f, variances = pre_gap_and_bn_variances(model, x)
    assert f.shape == (4, 4, 5, 5) and len(variances) == 1 and variances[0].shape == (4,)
    assert zen_from_pass(f, f, variances) == -math.inf


def test_deterministic_and_input_free(make_ctx):
    h = HEURISTICS.get("zen")
    ctx = make_ctx(seed=5)
    assert h.fn(ctx) == h.fn(make_ctx(seed=5))
    # Gaussian inputs: the values of the data batch do not matter, only its shape.
    other = ScoreContext(arch=ctx.arch, space=ctx.space, inputs=ctx.inputs * 0 + 1, seed=5)
    assert h.fn(other) == h.fn(ctx)
    assert h.needs == frozenset()


def test_input_independent_network_scores_minus_inf(make_ctx):
    ctx = make_ctx("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    assert HEURISTICS.get("zen").fn(ctx) == -math.inf
