"""Networks that apply their activations as functions (F.relu, torch.relu, Tensor.relu_, F.gelu) are read
from those calls, and give the values of their twin written with activation modules."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from archrank import score_model
from archrank.errors import InvalidArgument
from archrank.heuristics._activations import activation_calls

# The codes read from the calls equal those read from modules; the feature blocks found on a functional
# network end before their activation (no module gives the activated map), so zen and AZ-NAS's
# expressivity are finite there but not equal to the twin's.
CODE_HEURISTICS = ["naswot", "naswot_euclid", "swap", "linear_regions"]
BLOCK_HEURISTICS = ["zen", "az_expressivity", "az_progressivity"]


class Net(nn.Module):
    """conv-BN-activation x 3 (ReLU, GELU, in-place ReLU) as modules, pooled by a function."""

    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(3, 8, 3, 1, 1), nn.Conv2d(8, 8, 3, 2, 1), nn.Conv2d(8, 16, 3, 1, 1)])
        self.bns = nn.ModuleList([nn.BatchNorm2d(8), nn.BatchNorm2d(8), nn.BatchNorm2d(16)])
        self.acts = nn.ModuleList([nn.ReLU(), nn.GELU(), nn.ReLU(inplace=True)])
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        for conv, bn, act in zip(self.convs, self.bns, self.acts):
            x = act(bn(conv(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


class Functional(Net):
    """The same network with its activations applied as functions (same parameters, same order)."""

    def __init__(self):
        super().__init__()
        del self.acts

    def forward(self, x):
        for conv, bn, act in zip(self.convs, self.bns, (F.relu, F.gelu, torch.Tensor.relu_)):
            x = act(bn(conv(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def batch():
    g = torch.Generator().manual_seed(3)
    return torch.randn(16, 3, 16, 16, generator=g), torch.arange(16) % 10


def test_a_functional_network_scores_as_its_twin_with_modules():
    x, y = batch()
    with_modules = score_model(Net, (x, y), CODE_HEURISTICS, seed=1)
    with_functions = score_model(Functional, (x, y), CODE_HEURISTICS + BLOCK_HEURISTICS, seed=1)
    for h in CODE_HEURISTICS:
        assert with_functions[h] == pytest.approx(with_modules[h], rel=1e-5, abs=1e-6), h
    for h in BLOCK_HEURISTICS:
        assert math.isfinite(with_functions[h]), h


def test_each_activation_call_is_seen_once_with_its_input():
    seen = []
    activation_calls(Functional().eval(), batch()[0], "naswot", lambda inp, out: seen.append(tuple(inp.shape)))
    assert seen == [(16, 8, 16, 16), (16, 8, 8, 8), (16, 16, 8, 8)]


def test_a_network_with_activation_modules_is_read_from_its_modules_only():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    seen = []

    class Mixed(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = model

        def forward(self, x):
            return F.relu(self.body(x) - 1.0)  # not read: the network has an activation module

    activation_calls(Mixed(), batch()[0], "naswot", lambda inp, out: seen.append(inp))
    assert len(seen) == 1


def test_a_network_with_no_activation_says_what_it_reads():
    with pytest.raises(InvalidArgument, match=r"activation modules \(ReLU.*or functions \(F\.relu.*applies none"):
        activation_calls(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Tanh()), batch()[0], "swap", lambda i, o: None)


def test_codes_read_in_the_shared_jacobian_forward_match_too():
    """With jacob_cov wanted as well, naswot's codes come from the input-Jacobian forward (a shared pass)."""
    x, y = batch()
    alone = score_model(Functional, (x, y), ["naswot"], seed=2)["naswot"]
    shared = score_model(Functional, (x, y), ["naswot", "jacob_cov"], seed=2)
    twin = score_model(Net, (x, y), ["naswot", "jacob_cov"], seed=2)
    assert shared["naswot"] == pytest.approx(alone, rel=1e-6) == twin["naswot"]
    assert math.isfinite(shared["jacob_cov"])
