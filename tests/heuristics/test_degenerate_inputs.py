"""Heuristics on degenerate inputs: no batch for flops, a network that ignores its input for jacob_cov."""

from __future__ import annotations

import pytest

from archrank.errors import InvalidArgument
from archrank.heuristics import HEURISTICS, ScoreContext, evaluate
from archrank.spaces import get_space


@pytest.mark.parametrize("dataset, classes, expected_m", [("cifar10", 10, 15.64737), ("imagenet16-120", 120, 3.91948)])
def test_flops_uses_the_dataset_input_shape(dataset, classes, expected_m):
    sp = get_space("nb201")
    ctx = ScoreContext(arch=sp.index_to_arch(0), space=sp, dataset=dataset, num_classes=classes)
    # NATS-Bench's figures for arch 0 (see tests/models/test_flops.py for all fixtures)
    assert evaluate(HEURISTICS.get("flops"), ctx).value / 1e6 == pytest.approx(expected_m, rel=1e-6)


def test_flops_without_any_shape_is_a_clear_error():
    sp = get_space("nb201")
    ctx = ScoreContext(arch=sp.index_to_arch(0), space=sp, dataset="")
    with pytest.raises(InvalidArgument, match="input shape"):
        evaluate(HEURISTICS.get("flops"), ctx)


def test_jacob_cov_of_a_network_blind_to_its_input_is_minus_infinity():
    import math

    import torch

    sp = get_space("nb201")
    arch = sp.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")
    x = torch.randn(8, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    ctx = ScoreContext(arch=arch, space=sp, inputs=x, targets=torch.zeros(8, dtype=torch.long))
    assert evaluate(HEURISTICS.get("jacob_cov"), ctx).value == -math.inf
    live = ScoreContext(arch=sp.index_to_arch(0), space=sp, inputs=x, targets=torch.zeros(8, dtype=torch.long))
    assert math.isfinite(evaluate(HEURISTICS.get("jacob_cov"), live).value)
