"""Parameter counts and FLOPs against the NATS-Bench records (archs 0, 11, 284; all three heads; both spaces)."""

from __future__ import annotations

import bz2
import pickle

import pytest
import torch
from torch import nn

from archrank.models import build_model
from archrank.models.flops import count_flops
from archrank.spaces import get_space

DIRS = {"nb201": "NATS-tss-v1_0-3ffb9-simple", "nats_sss": "NATS-sss-v1_0-50262-simple"}
HEADS = {"cifar10": (10, 32), "cifar100": (100, 32), "ImageNet16-120": (120, 16)}


def _records(shared_data, space_name: str, index: int) -> dict[str, tuple[str, float, float]]:
    """dataset -> (arch string, params in millions, flop in millions), checked consistent across records."""
    with bz2.open(shared_data / "nats" / DIRS[space_name] / f"{index:06d}.pickle.pbz2", "rb") as f:
        data = pickle.load(f)
    out: dict[str, tuple[str, float, float]] = {}
    for per_epochs in data.values():
        for (dataset, _seed), rec in per_epochs["all_results"].items():
            if dataset not in HEADS:
                continue
            cfg = rec["arch_config"]
            arch = cfg.get("channels", cfg["arch_str"])
            assert cfg["class_num"] == HEADS[dataset][0]
            value = (arch, float(rec["params"]), float(rec["flop"]))
            assert out.setdefault(dataset, value) == value
    assert set(out) == set(HEADS)
    return out


@pytest.mark.parametrize("space_name", sorted(DIRS))
@pytest.mark.parametrize("index", [0, 11, 284])
def test_params_exact_and_flops_within_one_percent(shared_data, space_name, index):
    space = get_space(space_name)
    for dataset, (arch, params_m, flop_m) in _records(shared_data, space_name, index).items():
        assert space.format(space.index_to_arch(index)) == arch
        num_classes, hw = HEADS[dataset]
        model = build_model(space, arch, num_classes=num_classes)
        assert sum(p.numel() for p in model.parameters()) == round(params_m * 1e6)
        flops = count_flops(model, (1, 3, hw, hw)) / 1e6
        assert flops == pytest.approx(flop_m, rel=0.01)


def test_counting_leaves_the_model_unchanged():
    space = get_space("nb201")
    model = build_model(space, "|none~0|+|nor_conv_3x3~0|none~1|+|none~0|nor_conv_1x1~1|skip_connect~2|", C=4, N=1)
    model.train()
    before = count_flops(model, (1, 3, 8, 8))
    assert model.training
    assert all(getattr(m, "skip_dead", True) for m in model.modules())
    assert count_flops(model, (1, 3, 8, 8)) == before > 0
    # the 1x1 conv fed by the dead node 1 is counted, as the benchmark counts it: C*C*H*W in each stage
    without = build_model(space, "|none~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|skip_connect~2|", C=4, N=1)
    assert before - count_flops(without, (1, 3, 8, 8)) == 4 * 4 * 8 * 8 + 8 * 8 * 4 * 4 + 16 * 16 * 2 * 2


def test_conv_and_linear_rules():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1, bias=True), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(16, 5))
    expected = 4 * 4 * 4 * (3 * 9) + 4 * 4 * 4 + 16 * 5 + 5
    assert count_flops(model, (1, 3, 4, 4)) == expected
    assert isinstance(count_flops(model.to(torch.float64), (1, 3, 4, 4)), int)
