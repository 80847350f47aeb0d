"""NB201 network: official parameter counts and the dead-edge-skipping forward pass."""

from __future__ import annotations

import pytest
import torch

from archrank.models import build_model
from archrank.models.nb201 import build_nb201
from archrank.spaces import get_space

# (index, arch string, params in millions for cifar10 / cifar100 / ImageNet16-120 heads), from the NATS fixtures
OFFICIAL = [
    (0, "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
     (0.129306, 0.135156, 0.136456)),
    (11, "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|",
     (0.802426, 0.808276, 0.809576)),
    (284, "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|none~0|nor_conv_1x1~1|none~2|",
     (0.101306, 0.107156, 0.108456)),
]


def _count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("index,arch,params", OFFICIAL)
def test_official_parameter_counts(index, arch, params):
    space = get_space("nb201")
    assert space.format(space.index_to_arch(index)) == arch
    for num_classes, expected in zip((10, 100, 120), params):
        assert _count(build_model(space, arch, num_classes=num_classes)) == round(expected * 1e6)


def test_output_shape_and_features():
    model = build_model(get_space("nb201"), get_space("nb201").index_to_arch(7), num_classes=100, C=8, N=1)
    x = torch.randn(2, 3, 16, 16)
    assert model(x).shape == (2, 100)
    assert model.features(x).shape == (2, 32)


@pytest.mark.parametrize(
    "arch",
    [
        "|none~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|nor_conv_1x1~1|avg_pool_3x3~2|",  # conv fed by a zero node
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",  # cells output zeros
        "|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",  # node 1 is dead
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
    ],
)
def test_skipping_dead_edges_computes_the_same_function(arch):
    space = get_space("nb201")
    torch.manual_seed(0)
    fast = build_nb201(space.parse(arch), C=4, N=2)
    full = build_nb201(space.parse(arch), C=4, N=2, skip_dead=False)
    full.load_state_dict(fast.state_dict())
    with torch.no_grad():  # move BatchNorm shifts away from 0 so constant outputs of dead-input ops show
        for p, q in zip(fast.parameters(), full.parameters()):
            d = 0.1 * torch.randn_like(p)
            p.add_(d)
            q.add_(d)
    x = torch.randn(3, 3, 8, 8)
    y_fast, y_full = fast(x), full(x)
    torch.testing.assert_close(y_fast, y_full)
    y_fast.square().sum().backward()
    y_full.square().sum().backward()
    for p, q in zip(fast.parameters(), full.parameters()):
        gp = torch.zeros_like(p) if p.grad is None else p.grad
        gq = torch.zeros_like(q) if q.grad is None else q.grad
        torch.testing.assert_close(gp, gq, atol=1e-5, rtol=1e-4)
    fast.eval()
    full.eval()
    torch.testing.assert_close(fast(x), full(x))


def test_one_channel_input():
    model = build_model(get_space("nb201"), 3, num_classes=10, C=4, N=1, in_channels=1)
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)
    sss = build_model(get_space("nats_sss"), "8:8:8:8:8", in_channels=1)
    assert sss(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_bad_build_option():
    from archrank.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="valid: C, N, in_channels, skip_dead"):
        build_model(get_space("nb201"), 0, channels=3)
    with pytest.raises(InvalidArgument, match="C=0 must be an integer >= 1"):
        build_model(get_space("nb201"), 0, C=0)
