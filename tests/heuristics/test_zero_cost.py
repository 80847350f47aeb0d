"""Zero-cost proxies: the registered (fast) versions equal the straightforward reference versions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from archrank.errors import InvalidArgument
from archrank.heuristics import HEURISTICS
from archrank.heuristics.base import ScoreContext
from archrank.heuristics.jacob_cov import correlation_score
from archrank.heuristics.reference import REFERENCE
from archrank.spaces import get_space

ZERO_COST = ["grad_norm", "snip", "grasp", "fisher", "synflow", "jacob_cov"]


@pytest.mark.parametrize("name", ZERO_COST)
@pytest.mark.parametrize("which", [0, 1, 2])
def test_fast_equals_reference(name, which, make_ctx, tiny_archs):
    ctx = make_ctx(tiny_archs[which])
    fast = HEURISTICS.get(name).fn(ctx)
    ref = REFERENCE[name](ctx)
    assert np.isfinite(fast)
    # Channels-last layout changes the summation order; grasp, a sum of signed terms, amplifies it most.
    assert fast == pytest.approx(ref, rel=1e-2 if name == "grasp" else 1e-3, abs=1e-10)


@pytest.mark.slow
def test_fast_equals_reference_on_full_nb201():
    """The full-size NB201 network (C=16, N=5) on a small batch of 32x32 images."""
    space = get_space("nb201")
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(2, 3, 32, 32, generator=g), torch.tensor([0, 1])
    arch = space.index_to_arch(1)
    ctx = ScoreContext(arch=arch, space=space, inputs=x, targets=y, seed=3)
    for name in ("snip", "synflow"):
        assert HEURISTICS.get(name).fn(ctx) == pytest.approx(REFERENCE[name](ctx), rel=1e-3), name


def test_directions_and_needs():
    for name in ZERO_COST:
        assert HEURISTICS.get(name).higher_is_better
    assert {"data", "labels", "gradients"} <= HEURISTICS.get("snip").needs
    assert HEURISTICS.get("synflow").needs == frozenset({"gradients"})
    assert "labels" not in HEURISTICS.get("jacob_cov").needs


def test_synflow_uses_only_the_input_shape(make_ctx, tiny_space):
    ctx = make_ctx()
    v = HEURISTICS.get("synflow").fn(ctx)
    ctx2 = ScoreContext(arch=ctx.arch, space=tiny_space, extras={"input_shape": (3, 16, 16)})
    assert HEURISTICS.get("synflow").fn(ctx2) == v
    # Batch-norm statistics play no part: a different batch of the same shape gives the same value.
    ctx3 = ScoreContext(arch=ctx.arch, space=tiny_space, inputs=ctx.inputs * 7 + 1, targets=ctx.targets)
    assert HEURISTICS.get("synflow").fn(ctx3) == v


def test_gradient_proxies_depend_on_the_seed(make_ctx):
    a, b = make_ctx(seed=0), make_ctx(seed=1)
    assert HEURISTICS.get("snip").fn(a) != HEURISTICS.get("snip").fn(b)


def test_missing_data_is_a_clear_error(tiny_space, tiny_archs):
    ctx = ScoreContext(arch=tiny_space.parse(tiny_archs[0]), space=tiny_space)
    for name in ("snip", "jacob_cov", "fisher", "grasp", "grad_norm"):
        with pytest.raises(InvalidArgument, match=name):
            HEURISTICS.get(name).fn(ctx)


def test_correlation_score_closed_form():
    # Orthogonal rows: identity correlation, every eigenvalue 1 (centred +-1 patterns).
    j = np.array([[1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]], dtype=float)
    k = 1e-5
    assert correlation_score(j) == pytest.approx(-3 * (np.log(1 + k) + 1 / (1 + k)))
    # Correlated rows score lower than uncorrelated ones.
    assert correlation_score(np.array([[1, 2, 3, 4.0], [1, 2, 3, 4.1], [4, 1, 3, 2.0]])) < correlation_score(j)
    # A constant row has no correlation: NaN, not a sentinel.
    assert np.isnan(correlation_score(np.array([[1, 1, 1.0], [1, 2, 3.0]])))


def test_params_and_flops_match_the_benchmark(shared_data):
    import csv

    space = get_space("nb201")
    ctx = ScoreContext(arch=space.index_to_arch(0), space=space, extras={"input_shape": (3, 32, 32)})
    p = HEURISTICS.get("params").fn(ctx)
    f = HEURISTICS.get("flops").fn(ctx)
    assert p > 1e5 and f > 1e6
    # More convolutions, more parameters and FLOPs.
    conv = ScoreContext(arch=space.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|"
                                         "nor_conv_3x3~1|nor_conv_3x3~2|"), space=space,
                        extras={"input_shape": (3, 32, 32)})
    assert HEURISTICS.get("params").fn(conv) > p
    assert HEURISTICS.get("flops").fn(conv) > f
    with open(shared_data / "nb201" / "nb201_cifar10.csv") as fh:
        assert next(csv.DictReader(fh))["index"] == "0"


class _LinearContext(ScoreContext):
    """A context whose model is one linear layer (5 inputs, 3 classes), seeded."""

    def build(self, **kwargs) -> torch.nn.Module:
        torch.manual_seed(self.seed)
        return torch.nn.Linear(5, 3)


def test_fisher_counts_each_channel_once_per_weight():
    # One linear layer: a = x W^T + b, dL/da = (softmax(a) - onehot(y)) / N for the mean cross-entropy, and
    # the channel Fisher F_k = 0.5 * mean_n (a_nk dL/da_nk)^2; the network sum counts channel k once per
    # weight of that channel (5 inputs), as the zero-cost proxies' per-parameter sum does.
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(6, 5, generator=g), torch.tensor([0, 1, 2, 0, 1, 2])
    ctx = _LinearContext(arch="linear", space=get_space("nb201"), inputs=x, targets=y, num_classes=3)
    layer = ctx.build()
    with torch.no_grad():
        a = layer(x).double()
        da = (torch.softmax(a, dim=1) - torch.nn.functional.one_hot(y, 3).double()) / len(y)
    per_channel = 0.5 * (a * da).pow(2).mean(0)
    assert HEURISTICS.get("fisher").fn(ctx) == pytest.approx(5 * float(per_channel.sum()), rel=1e-5)
    assert REFERENCE["fisher"](ctx) == pytest.approx(5 * float(per_channel.sum()), rel=1e-5)
