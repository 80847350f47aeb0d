from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.heuristics import HEURISTICS, ScoreContext, evaluate
from archrank.models import BUILDERS, register_builder
from archrank.train.regimes import Regime, build_reduced, parse_regime, resize, subsample, train_under_regime
from archrank.train.trainer import TrainConfig


class ToySpace:
    """A two-architecture space whose builder (registered below) takes a channel count C."""

    name = "regime_toy"

    def format(self, arch):
        return arch


def _build_toy(arch, num_classes=10, *, C=16):
    k = 3 if arch == "wide" else 1
    return nn.Sequential(nn.Conv2d(3, C, k, padding=k // 2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(C, num_classes))


if ToySpace.name not in BUILDERS:
    register_builder(ToySpace.name)(_build_toy)


def test_parse_and_name_roundtrip():
    r = parse_regime("c2r1e6s0.25")
    assert (r.a, r.b, r.d, r.g) == (2, 1, 6, 0.25)
    assert r.channels == 4 and r.resolution == 16 and r.epochs == 3
    assert parse_regime(r.name) == r
    assert parse_regime("e2") == Regime(d=2)
    assert parse_regime("c1", base_channels=32).channels == 16
    assert Regime(d=10).epochs == 1


@pytest.mark.parametrize("bad", ["", "x1", "c-1", "s0", "s1.5", "c1r", "e2c1"])
def test_bad_names(bad):
    with pytest.raises(InvalidArgument):
        parse_regime(bad)


def test_savings():
    r = parse_regime("c1r1e1s0.5")
    assert r.predicted_saving() == 2.0**-3
    assert math.isclose(r.scaling_saving(), 1 / 4 * 1 / 4 * 1 / 2 * 0.5)
    with pytest.raises(InvalidArgument):
        parse_regime("c5")


def test_resize_and_subsample():
    x = torch.arange(4 * 3 * 8 * 8, dtype=torch.float32).reshape(4, 3, 8, 8)
    y = torch.arange(4)
    assert resize(x, 4).shape == (4, 3, 4, 4)
    assert torch.allclose(resize(x, 4)[0, 0, 0, 0], x[0, 0, :2, :2].mean())
    xs, ys = subsample((x, y), 0.5, seed=1)
    assert len(xs) == 2 and torch.equal(xs, x[ys])
    _, ys2 = subsample((x, y), 0.5, seed=1)
    assert torch.equal(ys, ys2)


def test_build_reduced_channels():
    m = build_reduced(ToySpace(), "wide", parse_regime("c2"), num_classes=3)
    assert m[0].out_channels == 4 and m[-1].out_features == 3


def test_train_under_regime_deterministic():
    g = torch.Generator().manual_seed(0)
    data = (torch.randn(40, 3, 16, 16, generator=g), torch.randint(0, 3, (40,), generator=g))
    base = TrainConfig(batch_size=8, lr=0.05)
    r1 = train_under_regime(ToySpace(), "wide", "c2r1e7s0.5", data, valid_data=data, num_classes=3, base_config=base)
    r2 = train_under_regime(ToySpace(), "wide", "c2r1e7s0.5", data, valid_data=data, num_classes=3, base_config=base)
    assert r1.epochs == 2 and r1.valid_acc == r2.valid_acc and r1.train_loss == r2.train_loss


def test_regime_heuristics_registered_and_run():
    names = [n for n in HEURISTICS.names() if n.startswith("econas_")]
    assert "econas_c2r1e6s0.25" in names
    h = HEURISTICS.get("econas_c2r1e6s0.25")
    assert h.needs == frozenset({"data", "labels", "training"}) and h.higher_is_better
    g = torch.Generator().manual_seed(0)
    data = (torch.randn(24, 3, 32, 32, generator=g), torch.randint(0, 10, (24,), generator=g))
    ctx = ScoreContext(arch="wide", space=ToySpace(), extras={
        "train_data": data, "valid_data": data, "train_config": TrainConfig(batch_size=8)})
    res = evaluate(h, ctx)
    assert 0.0 <= res.value <= 100.0 and res.seconds > 0


def test_width_of_real_spaces():
    from archrank.spaces import get_space
    from archrank.train.regimes import width_option

    assert width_option(get_space("nb201")) == ("C", 16)
    assert width_option(get_space("nb101")) == ("stem_channels", 128)
    with pytest.raises(InvalidArgument, match="channel count"):
        width_option(get_space("nats_sss"))
    nb201 = get_space("nb201")
    m = build_reduced(nb201, nb201.index_to_arch(0), parse_regime("c2"))
    assert m.stem[0].out_channels == 4
