"""AZ-NAS: expressivity and trainability by hand, the rank aggregation, the registered reference form."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from archrank.heuristics import HEURISTICS
from archrank.heuristics.az_nas import (
    PARTS,
    az_nas_aggregate,
    az_parts,
    block_features,
    expressivity_scores,
    reference_parts,
    trainability_scores,
)


def test_isotropic_features_have_entropy_log_c():
    c = 5
    z = torch.cat([torch.eye(c), -torch.eye(c)])  # zero mean, covariance I / c
    f = z.reshape(2 * c, c, 1, 1)
    assert expressivity_scores([f])[0] == pytest.approx(math.log(c), abs=1e-6)
    # One direction only: a single non-zero eigenvalue, entropy 0.
    g = torch.zeros(6, 3, 1, 1)
    g[:, 0, 0, 0] = torch.arange(6.0)
    assert expressivity_scores([g])[0] == pytest.approx(0.0, abs=1e-6)


def test_trainability_by_hand():
    x = torch.randn(2, 3, 4, 4, requires_grad=True)
    identity = x * 1.0
    assert trainability_scores([x, identity], 0) == [-math.inf]
    # f_out = 2 f_in: M = 2 g^T g / n, whose largest singular value we compute directly.
    doubled = 2.0 * x
    gen = torch.Generator().manual_seed(0)
    g = torch.randint(0, 2, doubled.shape, generator=gen).float() * 2 - 1
    a = g.permute(0, 2, 3, 1).reshape(-1, 3).double()
    s = float(torch.linalg.svdvals(2 * a.T @ a / a.shape[0]).max())
    assert trainability_scores([x, doubled], 0) == [pytest.approx(2 - s - 1 / (s + 1e-6))]
    # An output that does not depend on the input: zero pull-back, s = 0.
    const = torch.zeros(2, 3, 4, 4)
    assert trainability_scores([x, const], 0) == [pytest.approx(2 - 1e6)]


def test_block_features_are_stem_and_cells(make_ctx):
    ctx = make_ctx()
    model = ctx.build().train()
    with torch.enable_grad():
        feats = block_features(model, ctx.inputs)
    assert len(feats) == 1 + len(model.cells)
    assert feats[0].shape[1] == model.stem[0].out_channels


def test_aggregation_by_hand():
    parts = {p: {"a": 1.0, "b": 2.0, "c": 3.0} for p in PARTS}
    parts["az_trainability"] = {"a": 3.0, "b": 2.0, "c": -math.inf}
    out = az_nas_aggregate(parts)
    assert out["c"] == pytest.approx(3 * math.log(1.0) + math.log(1 / 3))
    assert out["a"] == pytest.approx(3 * math.log(1 / 3) + math.log(1.0))
    assert out["b"] == pytest.approx(4 * math.log(2 / 3))


def test_registered_form_ranks_against_the_reference_sample(make_ctx):
    ctx = make_ctx()
    ctx.extras["az_reference_size"] = 4
    ref = reference_parts(ctx, 4)
    mine = az_parts(ctx)
    expected = sum(math.log((1 + np.sum(ref[p] < mine[p]) + 0.5 * np.sum(ref[p] == mine[p])) / 5) for p in PARTS)
    assert HEURISTICS.get("az_nas").fn(ctx) == pytest.approx(expected)
    assert expected <= 0.0


def test_parts_deterministic_and_seeded(make_ctx):
    a, b = az_parts(make_ctx(seed=0)), az_parts(make_ctx(seed=0))
    assert a == b
    c = az_parts(make_ctx(seed=1))
    assert c["az_expressivity"] != a["az_expressivity"]
    assert c["az_complexity"] == a["az_complexity"]
