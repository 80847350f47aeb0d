"""SWAP and swap_reg: patterns by hand, packed == reference, bounds, the regulariser."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from archrank.heuristics import HEURISTICS
from archrank.heuristics.base import ScoreContext
from archrank.heuristics.swap import (
    log_param_regulariser,
    relu_outputs,
    space_param_prior,
    swap_count,
    swap_reference,
)


def test_patterns_by_hand():
    # 3 samples, 4 units: unit patterns (1,0,1), (1,0,1), (0,0,0), (0,1,1) -> 3 distinct.
    f = torch.tensor([[1.0, 2.0, 0.0, 0.0], [0.0, 0.0, 0.0, 3.0], [5.0, 1.0, 0.0, 1.0]])
    assert swap_count([f]) == swap_reference([f]) == 3
    # Splitting the units over two tensors changes nothing.
    assert swap_count([f[:, :2], f[:, 2:]]) == 3


@pytest.mark.parametrize("n", [1, 5, 16, 62, 63, 130])
def test_packed_equals_reference(n):
    gen = torch.Generator().manual_seed(n)
    feats = [torch.relu(torch.randn(n, 3, 4, 4, generator=gen)), torch.relu(torch.randn(n, 40, generator=gen))]
    feats.append(feats[0].clone())  # duplicated units collapse
    assert swap_count(feats) == swap_reference(feats)


def test_bounds(make_ctx, tiny_archs):
    for text in tiny_archs:
        ctx = make_ctx(text, n=6)
        feats = relu_outputs(ctx.build().train(), ctx.inputs)
        units = sum(f[0].numel() for f in feats)
        s = HEURISTICS.get("swap").fn(ctx)
        assert 1 <= s <= min(units, 2 ** 6)


def test_network_swap_equals_reference_after_reinit(make_ctx):
    from archrank.heuristics._hooks import gaussian_init

    ctx = make_ctx()
    model = gaussian_init(ctx.build().train(), ctx.seed * 7919)
    feats = relu_outputs(model, ctx.inputs[:16])
    assert HEURISTICS.get("swap").fn(ctx) == swap_count(feats) == swap_reference(feats)


def test_regulariser():
    assert log_param_regulariser(10.0, 10.0, 3.0) == 0.0
    assert log_param_regulariser(12.0, 10.0, 2.0) == pytest.approx(-2.0)


def test_swap_reg_with_given_prior(make_ctx):
    ctx = make_ctx()
    p = sum(q.numel() for q in ctx.build().parameters()) / 1e3
    ctx.extras.update(swap_mu=p + 1.0, swap_sigma=4.0)
    s = HEURISTICS.get("swap").fn(ctx)
    assert HEURISTICS.get("swap_reg").fn(ctx) == pytest.approx(math.log(s) - 0.25)


def test_space_prior_nb201_is_max_and_mean(make_ctx):
    from archrank.models.registry import build_model

    ctx = make_ctx()
    mu, sigma = space_param_prior(ctx)
    counts = {op: sum(p.numel() for p in build_model(ctx.space, (op,) * 6, 10).parameters()) / 1e3
              for op in ctx.space.ops}
    assert mu == pytest.approx(max(counts.values()))
    # Parameters add over edges, so the mean over all 5**6 architectures is this average over operations.
    none = counts["none"]
    assert sigma == pytest.approx(none + sum(v - none for v in counts.values()) / 5)
    assert none < sigma < mu


def test_needs_relu():
    from archrank.errors import InvalidArgument
    from archrank.models.registry import BUILDERS, register_builder

    if "swap_test_no_relu" not in BUILDERS:  # a space whose network has no ReLU at all
        register_builder("swap_test_no_relu")(lambda arch, num_classes=10, **kw: nn.Conv2d(3, 2, 1))

    class Space:
        name, domain = "swap_test_no_relu", "image"

    ctx = ScoreContext(arch="c", space=Space(), inputs=torch.randn(2, 3, 4, 4))
    with pytest.raises(InvalidArgument, match="ReLU"):
        HEURISTICS.get("swap").fn(ctx)


def test_space_prior_is_each_space_objects_own(make_ctx):
    import dataclasses

    ctx = make_ctx()

    class Channels(type(ctx.space)):
        def __init__(self, c: int):
            super().__init__()
            self.c = c

        def model_options(self) -> dict:
            return {"C": self.c, "N": 1}

    narrow, wide = (space_param_prior(dataclasses.replace(ctx, space=Channels(c))) for c in (4, 6))
    assert narrow[0] == pytest.approx(space_param_prior(ctx)[0])  # the 4-channel space's own prior
    assert wide[0] > narrow[0] and wide[1] > narrow[1]  # same name and class, wider networks: a larger prior
