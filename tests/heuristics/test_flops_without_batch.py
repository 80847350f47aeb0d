"""``flops`` needs no data: without a batch it takes the input shape from the data set's catalogue."""

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
