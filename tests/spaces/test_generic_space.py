"""Generic space (image cells with a DAG edge map) and its MLP variant: values, strings, moves, models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from archrank.errors import InvalidArgument, UnknownName
from archrank.models import build_model
from archrank.models.generic import GenericNetwork
from archrank.models.generic_mlp import MLPNetwork
from archrank.spaces import get_space
from archrank.spaces.generic import CellOp, GenericArch, GenericSpace
from archrank.spaces.generic_mlp import GenericMLPArch, GenericMLPSpace

SPACE = GenericSpace()
MLP = GenericMLPSpace()
TEXT = "conv(k=3,d=1,s=2,p=zeros,f=32)+relu+maxpool(k=3,d=2,s=2)+batchnorm|1-01-101-0011|lr=0.01,bs=64,ep=4"


def test_registered_default_and_config():
    s = get_space("generic")
    assert isinstance(s, GenericSpace) and s.num_cells == 4 and s.size is None
    small = GenericSpace(
        num_cells=2,
        universe=("conv", "relu"),
        kernel_sizes=(3,),
        dilations=(1,),
        strides=(1,),
        paddings=("zeros",),
        filters=(8,),
        learning_rates=(0.1,),
        batch_sizes=(32,),
        epochs=(1,),
    )
    # per cell: conv (1 setting) + relu = 2 choices; 2 cells; 3 edge bits
    assert small.cardinality == 2**2 * 2**3
    with pytest.raises(UnknownName, match="valid choices"):
        GenericSpace(universe=("conv", "lstm"))
    with pytest.raises(InvalidArgument, match="odd"):
        GenericSpace(kernel_sizes=(2, 3))
    with pytest.raises(InvalidArgument):
        GenericSpace(num_cells=0)
    with pytest.raises(TypeError):
        GenericSpace(4)  # keyword-only


def test_parse_format_roundtrip_and_training_attributes():
    a = SPACE.parse(TEXT)
    assert isinstance(a, GenericArch) and SPACE.format(a) == TEXT
    assert a.cells[0] == CellOp("conv", kernel=3, dilation=1, stride=2, padding="zeros", filters=32)
    assert a.cells[1] == CellOp("relu")  # neutral hyperparameters
    assert (a.learning_rate, a.batch_size, a.epochs) == (0.01, 64, 4)
    assert a.training == {"learning_rate": 0.01, "batch_size": 64, "epochs": 4}
    assert hash(a) == hash(SPACE.parse(TEXT))


@pytest.mark.parametrize(
    "text, part",
    [
        ("conv(k=3)+relu+relu+relu|1-01-001-0001|lr=0.01,bs=64,ep=4", "missing hyperparameter"),
        ("conv(k=4,d=1,s=1,p=zeros,f=32)+relu+relu+relu|1-01-001-0001|lr=0.01,bs=64,ep=4", "kernel=4"),
        ("relu(k=3)+relu+relu+relu|1-01-001-0001|lr=0.01,bs=64,ep=4", "valid keys: none"),
        ("relu+relu+relu|1-01-001|lr=0.01,bs=64,ep=4", "num_cells=4"),
        ("relu+relu+relu+relu|1-01-001|lr=0.01,bs=64,ep=4", "edge map"),
        ("relu+relu+relu+relu|1-01-0x1-0001|lr=0.01,bs=64,ep=4", "edge map"),
        ("relu+relu+relu+relu|1-01-001-0000|lr=0.01,bs=64,ep=4", "not reachable"),
        ("relu+relu+relu+relu|1-01-001-0001|lr=0.5,bs=64,ep=4", "lr=0.5"),
        ("relu+relu+relu+relu|1-01-001-0001|lr=0.01,bs=64", "missing training"),
        ("relu+relu+relu+relu|1-01-001-0001|lr=0.01,bs=64,ep=4,wd=1", "unknown training"),
        ("relu+relu+relu+relu|1-01-001-0001", "expected 3 parts"),
        ("re lu+relu+relu+relu|1-01-001-0001|lr=0.01,bs=64,ep=4", "malformed cell"),
    ],
)
def test_parse_errors(text, part):
    with pytest.raises(InvalidArgument) as info:
        SPACE.parse(text)
    assert part in str(info.value)


def test_unknown_op_lists_universe():
    with pytest.raises(UnknownName, match="dwconv"):
        SPACE.parse("lstm+relu+relu+relu|1-01-001-0001|lr=0.01,bs=64,ep=4")


def test_canonical_blanks_inactive_cells():
    # cell 2 has no input, so it is inactive; changing its op does not change the canonical form
    a = SPACE.parse("relu+tanh+gelu+sigmoid|1-00-011-0011|lr=0.01,bs=64,ep=4")
    b = SPACE.parse("relu+conv(k=1,d=1,s=1,p=zeros,f=16)+gelu+sigmoid|1-00-011-0011|lr=0.01,bs=64,ep=4")
    assert SPACE.active(a) == [True, True, False, True, True]
    assert a != b and SPACE.canonical(a) == SPACE.canonical(b)
    assert SPACE.canonical(a) == "relu+identity+gelu+sigmoid|1-00-010-0001|lr=0.01,bs=64,ep=4"
    c = SPACE.parse("relu+tanh+gelu+sigmoid|1-00-011-0011|lr=0.1,bs=64,ep=4")
    assert SPACE.canonical(c) != SPACE.canonical(a)  # training hyperparameters are part of the identity


def test_sample_mutate_neighbours_encode_decisions():
    rng = np.random.default_rng(0)
    archs = [SPACE.sample(rng) for _ in range(25)]
    again = np.random.default_rng(0)
    assert archs == [SPACE.sample(again) for _ in range(25)]
    lengths = set()
    for a in archs:
        assert SPACE.parse(SPACE.format(a)) == a
        assert SPACE.from_decisions(SPACE.to_decisions(a)) == a
        lengths.add(len(SPACE.encode(a)))
        nbrs = SPACE.neighbours(a)
        assert nbrs and a not in nbrs and len(set(nbrs)) == len(nbrs)
        for b in nbrs[:: max(1, len(nbrs) // 7)]:
            assert SPACE.parse(SPACE.format(b)) == b
            ea, eb = SPACE.encode(a), SPACE.encode(b)
            assert not np.array_equal(ea, eb)
        assert SPACE.mutate(a, np.random.default_rng(1)) in nbrs
    assert lengths == {len(SPACE.encode(archs[0]))}
    assert len(SPACE.decisions()) == len(SPACE.to_decisions(archs[0]))


def test_build_runs_on_images_with_skips_strides_and_channel_changes():
    torch.manual_seed(0)
    a = SPACE.parse(TEXT)
    net = build_model(SPACE, a, num_classes=5, in_channels=1)
    assert isinstance(net, GenericNetwork)
    # stem (16 ch, 12x12) -> conv s2 (32 ch) ; maxpool gets stem (16) + relu (32): a 1x1 projection 16->32
    assert "0_3" in net.proj and net.proj["0_3"].in_channels == 16
    y = net(torch.randn(3, 1, 12, 12))
    assert y.shape == (3, 5) and torch.isfinite(y).all()
    rng = np.random.default_rng(3)
    for _ in range(8):
        arch = SPACE.sample(rng)
        out = build_model(SPACE, arch, num_classes=3)(torch.randn(2, 3, 8, 8))
        assert out.shape == (2, 3)


def test_mlp_variant():
    a = MLP.parse("64:relu+32:erf|lr=0.01,bs=64,ep=4")
    assert isinstance(a, GenericMLPArch) and MLP.format(a) == "64:relu+32:erf|lr=0.01,bs=64,ep=4"
    assert a.training["batch_size"] == 64 and len(a.layers) == 2
    net = build_model(MLP, a, num_classes=1, in_features=3)
    assert isinstance(net, MLPNetwork)
    assert sum(p.numel() for p in net.parameters()) == (3 * 64 + 64) + (64 * 32 + 32) + (32 + 1)
    assert net(torch.randn(4, 3)).shape == (4, 1)
    lazy = build_model(MLP, a, num_classes=2)
    assert lazy(torch.randn(4, 7)).shape == (4, 2)
    rng = np.random.default_rng(0)
    for _ in range(10):
        s = MLP.sample(rng)
        assert MLP.parse(MLP.format(s)) == s
        assert 1 <= len(s.layers) <= 4 and MLP.encode(s).shape == MLP.encode(a).shape
        assert MLP.mutate(s, rng) in MLP.neighbours(s)
    nb = MLP.neighbours(a)
    assert any(len(b.layers) == 1 for b in nb) and any(len(b.layers) == 3 for b in nb)
    assert MLP.cardinality == sum(30**d for d in range(1, 5)) * 64
    for bad, part in [
        ("64relu|lr=0.01,bs=64,ep=4", "WIDTH:ACTIVATION"),
        ("65:relu|lr=0.01,bs=64,ep=4", "width 65"),
    ]:
        with pytest.raises(InvalidArgument, match=part):
            MLP.parse(bad)
    with pytest.raises(UnknownName):
        MLP.parse("64:swish|lr=0.01,bs=64,ep=4")
    with pytest.raises(InvalidArgument, match="depth 5"):
        MLP.parse("+".join(["16:relu"] * 5) + "|lr=0.01,bs=64,ep=4")
