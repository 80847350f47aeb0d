"""DARTS-family networks: parameter counts equal the NDS records' and NASLib's NB301 figures; forward passes."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from archrank.cli.describe import describe
from archrank.errors import InvalidArgument
from archrank.models.darts_ops import DARTS_OPS, make_darts_op
from archrank.models.registry import BUILDERS, build_model
from archrank.spaces import get_space

NAMES = ("nds_darts", "nds_enas", "nds_amoeba", "nds_nasnet", "nds_pnas", "nb301")


def _params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _match_counts(shared_data, file: str, space: str) -> tuple[int, int, int]:
    """(within 0.5 %, exactly equal, records) for the records of ``file`` built with 1000 classes."""
    sp = get_space(space)
    with open(shared_data / "nds" / file) as f:
        recs = json.load(f)
    close = exact = 0
    for r in recs:
        n = _params(build_model(sp, sp.from_json(r["net"]), 1000))
        close += abs(n - r["params"]) <= 0.005 * r["params"]
        exact += n == r["params"]
    return close, exact, len(recs)


@pytest.mark.slow
@pytest.mark.parametrize("file,space", [("DARTS_in.json", "nds_darts"), ("ENAS_in.json", "nds_enas")])
def test_parameter_counts_match_nds_records(shared_data, file, space):
    close, exact, n = _match_counts(shared_data, file, space)
    assert n > 100
    assert close >= 0.95 * n, f"{close}/{n} within 0.5%"
    # measured: every record matches exactly (121/121 DARTS, 117/117 ENAS)
    assert exact == n, f"{exact}/{n} exact"


@pytest.mark.slow
def test_nb301_parameter_counts_match_naslib_with_non_affine_op_batchnorm(shared_data):
    with open(shared_data / "naslib" / "zc_nasbench301.json") as f:
        table = json.load(f)["nasbench301"]["cifar10"]
    nb = get_space("nb301")
    keys = list(table)[::5]  # 100 of the 500 keys
    for k in keys:
        a = nb.from_compact(k)
        assert round(_params(build_model(nb, a, affine=False)) / 1e6, 6) == round(table[k]["params"], 6)
    # the DARTS evaluation network (affine BatchNorm everywhere) has more: the ops' BN scales and shifts
    a = nb.from_compact(keys[0])
    assert _params(build_model(nb, a)) > table[keys[0]]["params"] * 1e6


def test_every_space_has_a_builder_and_the_vocabulary_is_built():
    for name in NAMES:
        assert name in BUILDERS
        assert set(get_space(name).ops) <= set(DARTS_OPS)
    x = torch.randn(2, 4, 9, 9)
    for op in DARTS_OPS:
        for stride, hw in ((1, 9), (2, 5)):
            assert make_darts_op(op, 4, stride)(x).shape == (2, 4, hw, hw), op


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("size", [16, 32, 33])
def test_forward_shapes_on_small_inputs(name, size):
    sp = get_space(name)
    a = sp.sample(np.random.default_rng(3))
    model = build_model(sp, a, 10, seed=0, channels=8, layers=4, input_size=size)
    assert model.input_size == size
    out = model(torch.randn(2, 3, size, size))
    assert out.shape == (2, 10) and torch.isfinite(out).all()


def test_cifar_stem_and_seeded_builds():
    sp = get_space("nds_pnas")
    a = sp.sample(np.random.default_rng(0))
    m1 = build_model(sp, a, 10, seed=7, stem="cifar", channels=8, layers=3)
    m2 = build_model(sp, a, 10, seed=7, stem="cifar", channels=8, layers=3)
    for p, q in zip(m1.parameters(), m2.parameters()):
        assert torch.equal(p, q)
    assert hasattr(m1, "stem") and not hasattr(m1, "stem0")
    with pytest.raises(InvalidArgument, match="stem"):
        build_model(sp, a, 10, stem="mnist")
    with pytest.raises(InvalidArgument, match="input_size"):
        build_model(sp, a, 10, input_size=0)


def test_nb301_network_settings():
    nb = get_space("nb301")
    a = nb.sample(np.random.default_rng(0))
    m = build_model(nb, a)
    assert len(m.cells) == 8 and m.stem[0].out_channels == 96 and m.classifier.in_features == 4 * 128
    assert [c.pre1[1].out_channels for c in m.cells] == [32, 32, 64, 64, 64, 128, 128, 128]


def test_darts_v2_cifar_network_is_the_published_size():
    nb = get_space("nb301")
    v2 = {  # DARTS-V2 (Liu et al., ICLR 2019)
        "normal": [["sep_conv_3x3", 0], ["sep_conv_3x3", 1], ["sep_conv_3x3", 0], ["sep_conv_3x3", 1],
                   ["sep_conv_3x3", 1], ["skip_connect", 0], ["skip_connect", 0], ["dil_conv_3x3", 2]],
        "reduce": [["max_pool_3x3", 0], ["max_pool_3x3", 1], ["skip_connect", 2], ["max_pool_3x3", 1],
                   ["max_pool_3x3", 0], ["skip_connect", 2], ["skip_connect", 2], ["max_pool_3x3", 1]],
    }
    m = build_model(nb, nb.from_json(v2), 10, channels=36, layers=20)
    assert 3.2e6 < _params(m) < 3.4e6  # DARTS reports 3.3M for DARTS (second order) on CIFAR-10


def test_describe_prints_record_parameters(shared_data):
    with open(shared_data / "nds" / "DARTS_in.json") as f:
        rec = json.load(f)[0]
    out = describe("nds_darts", arch=json.dumps(rec["net"]))
    assert out["params_m"] == round(rec["params"] / 1e6, 6)
    # FLOPs (conv and linear multiply-accumulates at 224x224) come out a few percent under the records'
    assert 0.9 * rec["flops"] / 1e6 < out["flops_m"] <= rec["flops"] / 1e6
    nb = get_space("nb301")
    s = nb.format(nb.sample(np.random.default_rng(0)))
    small = describe("nb301", arch=s)
    assert small["arch"] == s and 0.5 < small["params_m"] < 2.5


# A cell of every pooling kind on both cell inputs and on an intermediate node, in both cells.
POOLED = {
    "normal": [["avg_pool_3x3", 0], ["max_pool_3x3", 1], ["sep_conv_3x3", 0], ["skip_connect", 2],
               ["dil_conv_3x3", 1], ["avg_pool_3x3", 3], ["sep_conv_5x5", 0], ["dil_conv_5x5", 4]],
    "reduce": [["max_pool_3x3", 0], ["avg_pool_3x3", 1], ["skip_connect", 0], ["max_pool_3x3", 2],
               ["sep_conv_3x3", 1], ["avg_pool_3x3", 2], ["skip_connect", 1], ["dil_conv_3x3", 3]],
}


def test_pool_bn_puts_a_non_affine_batchnorm_after_every_pooling_edge_and_nothing_else():
    from archrank.models.darts_ops import PoolBN

    nb = get_space("nb301")
    a = nb.from_json(POOLED)
    small = {"channels": 8, "layers": 3}
    plain = build_model(nb, a, seed=0, affine=False, **small)
    naslib = build_model(nb, a, seed=0, affine=False, pool_bn=True, **small)
    default = build_model(nb, a, seed=0, **small)
    n_pools = 0
    for c_plain, c_naslib, c_default, kind in zip(plain.cells, naslib.cells, default.cells,
                                                  ["normal", "reduce", "reduce"]):
        for (op, _), e_plain, e_naslib, e_default in zip(a.cell(kind), c_plain.edges, c_naslib.edges,
                                                         c_default.edges):
            if "_pool_" in op:
                n_pools += 1
                assert isinstance(e_naslib, PoolBN) and type(e_naslib[0]) is type(e_plain)
                assert isinstance(e_naslib[1], torch.nn.BatchNorm2d) and not e_naslib[1].affine
                assert not isinstance(e_default, PoolBN)  # the default network: plain pooling
                assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in e_default.modules())
            else:
                assert type(e_naslib) is type(e_plain) and not isinstance(e_naslib, PoolBN)
    assert n_pools == 3 + 2 * 4  # one normal cell (3 pooling edges), two reduction cells (4 each)
    bn = [sum(isinstance(m, torch.nn.BatchNorm2d) for m in x.modules()) for x in (plain, naslib, default)]
    assert bn[1] == bn[0] + n_pools and bn[2] == bn[0]
    # The pooling BatchNorm draws no weights and has none: the same seed gives the same parameters.
    pa, pb = list(plain.parameters()), list(naslib.parameters())
    assert len(pa) == len(pb) and all(torch.equal(p, q) for p, q in zip(pa, pb))
    x = torch.randn(4, 3, 16, 16)
    out_plain, out_naslib = plain(x), naslib(x)
    assert out_naslib.shape == (4, 10) and torch.isfinite(out_naslib).all()
    assert not torch.allclose(out_plain, out_naslib)  # batch statistics after pooling change the function


def test_pool_bn_and_affine_must_be_booleans():
    nb = get_space("nb301")
    a = nb.from_json(POOLED)
    with pytest.raises(InvalidArgument, match="pool_bn"):
        build_model(nb, a, pool_bn="yes")
    with pytest.raises(InvalidArgument, match="affine"):
        build_model(nb, a, affine=0)
    assert make_darts_op("max_pool_3x3", 4, 1, pool_bn=True)(torch.randn(2, 4, 5, 5)).shape == (2, 4, 5, 5)


def test_a_space_with_model_options_builds_the_naslib_network_under_its_own_name():
    from archrank.models.darts_ops import PoolBN

    nb = get_space("nb301")
    variant = nb.with_model_options(pool_bn=True, affine=False)
    assert variant.name == "nb301[affine=false,pool_bn=true]" and nb.name == "nb301"
    assert variant.model_options() == {"pool_bn": True, "affine": False} and nb.model_options() == {}
    assert nb.with_model_options() is nb
    a = variant.from_json(POOLED)
    m = build_model(variant, a, channels=8, layers=3)
    assert isinstance(m.cells[0].edges[0], PoolBN)
    assert not any(isinstance(e, PoolBN) for c in build_model(nb, a, channels=8, layers=3).cells for e in c.edges)
    with pytest.raises(InvalidArgument, match="colour"):
        build_model(nb.with_model_options(colour="red"), a)
