"""zen and the AZ-NAS parts on the NB101 and DARTS-family networks (their pooling module and their blocks)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from archrank.heuristics import HEURISTICS, ScoreContext, evaluate
from archrank.heuristics.az_nas import block_features, feature_blocks
from archrank.models.registry import build_model
from archrank.spaces import get_space

# Small versions of each network (the builders' own options), so that the checks take seconds.
SMALL = {
    "nb101": {"stem_channels": 8, "num_stacks": 2, "cells_per_stack": 1},
    "nb301": {"channels": 8, "layers": 3},
    "nds_darts": {"channels": 8, "layers": 3},
}


def _ctx(space: str, seed: int = 0) -> ScoreContext:
    sp = get_space(space)
    arch = sp.sample(np.random.default_rng(seed))
    return ScoreContext(arch=arch, space=sp, inputs=torch.randn(6, 3, 32, 32, generator=torch.Generator().manual_seed(1)),
                        targets=torch.arange(6) % 10, seed=seed, model_kwargs=SMALL[space])


@pytest.mark.parametrize("space", sorted(SMALL))
def test_global_pooling_is_a_module_and_changes_nothing(space):
    ctx = _ctx(space)
    model = ctx.build().eval()
    pools = [m for m in model.modules() if isinstance(m, torch.nn.AdaptiveAvgPool2d)]
    assert len(pools) == 1
    seen = {}

    def keep(_m, inp, _out) -> None:
        seen["pre"] = inp[0]

    pools[0].register_forward_hook(keep)
    with torch.no_grad():
        out = model(ctx.inputs)
        by_mean = model.classifier(seen["pre"].mean(dim=(2, 3)))
    torch.testing.assert_close(out, by_mean, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("space", sorted(SMALL))
def test_blocks_are_consecutive_and_in_forward_order(space):
    ctx = _ctx(space)
    model = ctx.build().train()
    blocks = feature_blocks(model)
    with torch.enable_grad():
        feats = block_features(model, ctx.inputs)
    assert len(feats) == len(blocks) >= 4
    # every feature depends on the one before it (a pull-back exists), and resolutions never grow
    for prev, cur in itertools.pairwise(feats):
        (g,) = torch.autograd.grad(cur.sum(), prev, retain_graph=True, allow_unused=True)
        assert g is not None and float(g.abs().sum()) > 0
        assert cur.shape[2] <= prev.shape[2] and cur.shape[2] in (prev.shape[2], prev.shape[2] // 2)


@pytest.mark.parametrize("space", sorted(SMALL))
@pytest.mark.parametrize("name", ["zen", "az_expressivity", "az_progressivity", "az_trainability"])
def test_scores_are_finite_and_seeded(space, name):
    h = HEURISTICS.get(name)
    assert h.applies_to(get_space(space)) is None
    a, b = evaluate(h, _ctx(space)).value, evaluate(h, _ctx(space)).value
    assert math.isfinite(a) and a == pytest.approx(b, rel=1e-9)


def test_nb101_blocks_include_the_pools_between_stacks():
    model = build_model("nb101", get_space("nb101").sample(np.random.default_rng(0)), **SMALL["nb101"])
    kinds = [type(m).__name__ for m in feature_blocks(model)]
    assert kinds == ["ConvBNReLU", "NB101Cell", "MaxPool2d", "NB101Cell"]


@pytest.mark.parametrize("space,dataset", [("nb101", "cifar10"), ("nb301", "cifar10"), ("nds_darts", "cifar10-64"),
                                           ("nds_enas", "cifar10-64")])
def test_linear_regions_count_on_the_thin_network_does_not_saturate(space, dataset, shared_data):
    # At the spaces' own widths every distinct patch of real images gets its own pattern; each space's thin
    # network leaves the count below the number of patches and different between architectures.
    from archrank.data.loaders import one_batch

    sp = get_space(space)
    x, _ = one_batch(dataset, 16, 0, shared_data)
    counts = []
    for seed in range(4):
        ctx = ScoreContext(arch=sp.sample(np.random.default_rng(seed)), space=sp, inputs=x, targets=torch.arange(16) % 10,
                           seed=0)
        counts.append(evaluate(HEURISTICS.get("linear_regions"), ctx).value)
    assert all(1 < c < 1000 for c in counts), counts
    assert len(set(counts)) > 1, counts
