"""Kernel heuristics: direction metadata, the helpers they are built from, and behaviour on NB201 cells."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.heuristics import HEURISTICS, ScoreContext, evaluate
from archrank.heuristics import kernel_scores as ks
from archrank.spaces.nb201 import NB201Space

NAMES = ("ntk_cond", "ntk_krr", "nngp_krr", "cntk_krr", "linear_regions")
DEAD = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"


def test_directions_and_needs():
    assert HEURISTICS.get("ntk_cond").higher_is_better is False
    for name in ("ntk_krr", "nngp_krr", "cntk_krr", "linear_regions"):
        assert HEURISTICS.get(name).higher_is_better is True
    assert "gradients" in HEURISTICS.get("ntk_krr").needs and "labels" in HEURISTICS.get("nngp_krr").needs
    assert "labels" not in HEURISTICS.get("linear_regions").needs


def test_condition_number():
    assert ks.condition_number(np.diag([4.0, 2.0, 1.0])) == pytest.approx(4.0)
    assert ks.condition_number(np.ones((3, 3))) == math.inf


def test_krr_accuracy_separable_and_constant_kernels():
    y = np.array([0, 1, 0, 1, 0, 1])
    k = np.eye(6) + np.equal.outer(y, y)  # same-class points are similar
    assert ks.krr_accuracy(k, 4, y[:4], y[4:]) == 1.0
    # identically zero kernel: predicts the most frequent training class
    assert ks.krr_accuracy(np.zeros((6, 6)), 3, np.array([1, 1, 0]), np.array([1, 0, 1])) == pytest.approx(2 / 3)


def test_count_patterns_of_a_one_unit_network():
    model = nn.Sequential(nn.Linear(1, 2), nn.ReLU())
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0], [-1.0]]))
        model[0].bias.zero_()
    x = torch.tensor([[-2.0], [-1.0], [1.0], [3.0]])
    assert ks.count_patterns(model, x) == 2
    assert ks.count_patterns(model, x[:2]) == 1


def test_random_patches_are_seeded_crops():
    x = torch.arange(2 * 3 * 6 * 6, dtype=torch.float32).reshape(2, 3, 6, 6)
    p = ks.random_patches(x, 5, 4, seed=0)
    assert p.shape == (5, 3, 4, 4)
    assert torch.equal(p, ks.random_patches(x, 5, 4, seed=0))
    with pytest.raises(InvalidArgument, match="at least 8x8"):
        ks.random_patches(x, 5, 8, seed=0)


@pytest.mark.parametrize("name", NAMES)
def test_scores_lie_in_their_range(name, make_ctx):
    v = evaluate(HEURISTICS.get(name), make_ctx(n=8)).value
    if name == "ntk_cond":
        assert v >= 1.0
    elif name == "linear_regions":
        assert 1 <= v <= 1000
    else:
        assert 0.0 <= v <= 1.0 and (v * 4) == int(v * 4)  # accuracy on 4 validation images


def test_dead_cell_scores(make_ctx):
    ctx = make_ctx(DEAD, n=8)
    # the output does not depend on the input: the kernel is zero and the score is majority-class accuracy
    assert evaluate(HEURISTICS.get("nngp_krr"), ctx).value == pytest.approx(
        ks.krr_accuracy(np.zeros((8, 8)), 4, ctx.targets[:4].numpy(), ctx.targets[4:].numpy()))


def test_analytic_scores_refuse_other_spaces(make_ctx):
    ctx = make_ctx()

    class Other:
        name = "generic"

    ctx2 = ScoreContext(arch=ctx.arch, space=Other(), inputs=ctx.inputs, targets=ctx.targets)
    with pytest.raises(InvalidArgument, match="NB201 cells only"):
        HEURISTICS.get("nngp_krr").fn(ctx2)


def test_reduced_network_defaults_apply_to_nb201_only():
    ctx = ScoreContext(arch=None, space=NB201Space(), extras={})
    assert ks._model_kwargs(ctx, "kernel_model_kwargs", {"C": 8, "N": 1}) == {"C": 8, "N": 1}
    ctx.extras["kernel_model_kwargs"] = {"C": 16, "N": 5}
    assert ks._model_kwargs(ctx, "kernel_model_kwargs", {"C": 8, "N": 1}) == {"C": 16, "N": 5}
