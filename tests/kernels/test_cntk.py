"""Fast CNN-GP / CNTK route: reference agreement, equality with the layer-by-layer route, LAP limits, flip
symmetrisation, preprocessing."""

from __future__ import annotations

import numpy as np
import pytest

from archrank.errors import InvalidArgument
from archrank.kernels import analytic as ak
from archrank.kernels import cntk
from archrank.kernels import predict as kp
from archrank.kernels import preprocess as pp

WB = {"W_std": 1.5, "b_std": 0.05}


def _rel(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def _imgs(n=5, h=6, w=5, c=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, h, w, c))


@pytest.mark.parametrize("top", ["gap", "flatten"])
def test_fast_route_matches_reference(shared_data, top):
    ref = np.load(shared_data / "peers" / "neural_tangents_reference.npz")
    t = ak.GlobalAvgPool() if top == "gap" else ak.Flatten()
    net = ak.serial(ak.Conv(64, 3, **WB), ak.Relu(), ak.Conv(64, 3, **WB), ak.Relu(), t, ak.Dense(10, **WB))
    k = net(ref["cnn_x_nhwc"], method="fast")
    assert _rel(k.nngp, ref[f"cnn2_{top}_nngp"]) < 1e-6
    assert _rel(k.ntk, ref[f"cnn2_{top}_ntk"]) < 1e-6


NETS = {
    "relu-gap": ak.serial(ak.Conv(None, 3, **WB), ak.Relu(), ak.Conv(None, 3, **WB), ak.Relu(), ak.GlobalAvgPool(),
                          ak.Dense(1, **WB)),
    "mixed-lap": ak.serial(ak.Dense(None, W_std=1.2), ak.Erf(), ak.Conv(None, (3, 5), W_std=1.3, b_std=0.1),
                           ak.LeakyRelu(0.1), ak.Conv(None, 1), ak.Relu(), ak.LocalAvgPool(2),
                           ak.Dense(3, W_std=1.1, b_std=0.2), ak.Relu(), ak.Dense(1)),
    "gap-tail": ak.serial(ak.Conv(None, 5, W_std=1.2, b_std=0.3), ak.AbsRelu(), ak.GlobalAvgPool(), ak.Erf(),
                          ak.Dense(1)),
}


@pytest.mark.parametrize("name", sorted(NETS))
def test_fast_route_equals_generic_route(name):
    net, x = NETS[name], _imgs()
    assert cntk.compile_plan(net) is not None
    g, f = net(x, method="generic"), net(x, method="fast", batch_size=2)
    assert _rel(f.nngp, g.nngp) < 1e-9 and _rel(f.ntk, g.ntk) < 1e-9
    g, f = net(x[:2], x, method="generic"), net(x[:2], x, method="fast", batch_size=1)
    assert _rel(f.nngp, g.nngp) < 1e-9 and _rel(f.ntk, g.ntk) < 1e-9


def test_networks_without_fast_route_are_recognised():
    assert cntk.compile_plan(ak.serial(ak.Conv(None, 3, strides=2), ak.Relu(), ak.GlobalAvgPool())) is None
    assert cntk.compile_plan(ak.serial(ak.Conv(None, 3), ak.AvgPool(2), ak.Flatten())) is None
    assert cntk.compile_plan(ak.serial(ak.Conv(None, 3), ak.Relu())) is None
    with pytest.raises(InvalidArgument, match="no fast route"):
        ak.serial(ak.Conv(None, 2), ak.Relu(), ak.GlobalAvgPool())(_imgs(2), method="fast")


def test_lap_limits_are_fc_and_gap():
    x = _imgs(4, h=5, w=4)
    res = cntk.cntk(x, depth=2, readouts=("fc", "gap", ("lap", 0), ("lap", 1), ("lap", 4)))
    for kind in ("nngp", "ntk"):
        fc, gap = getattr(res["fc"], kind), getattr(res["gap"], kind)
        assert np.allclose(getattr(res["lap0"], kind), fc, rtol=1e-12)
        assert np.allclose(getattr(res["lap4"], kind), gap, rtol=1e-12)
        assert not np.allclose(getattr(res["lap1"], kind), fc) and not np.allclose(getattr(res["lap1"], kind), gap)
    # LAP is average pooling (window 2c+1, stride 1, SAME) then flatten, up to a constant factor
    body = cntk.cntk_body(2)
    pooled = ak.serial(body, ak.AvgPool(3, 1, "SAME"), ak.Flatten())(x).nngp
    ratio = res["lap1"].nngp / pooled
    assert np.allclose(ratio, ratio[0, 0])
    # the generic route computes the same multi-read-out kernels
    assert np.allclose(ak.serial(body, ak.LocalAvgPool(1), ak.Dense(1))(x, method="generic").ntk, res["lap1"].ntk)


def test_flip_symmetrisation_equals_augmented_regression():
    rng = np.random.default_rng(3)
    x, xt = _imgs(6, h=5, w=5, seed=1), _imgs(3, h=5, w=5, seed=2)
    y = rng.normal(size=6)
    reg = 1e-2
    sym_train = cntk.cntk(x, depth=2, readouts=("gap",), flip=True)["gap"].ntk
    sym_test = cntk.cntk(xt, x, depth=2, readouts=("gap",), flip=True)["gap"].ntk
    pred_sym = kp.kernel_regression(sym_train, sym_test, y, reg=reg / 2)
    xa = np.concatenate([x, cntk.flip_horizontal(x)])
    k_aug = cntk.cntk(xa, depth=2, readouts=("gap",))["gap"].ntk
    k_aug_test = cntk.cntk(xt, xa, depth=2, readouts=("gap",))["gap"].ntk
    pred_aug = kp.kernel_regression(k_aug, k_aug_test, np.concatenate([y, y]), reg=reg)
    assert np.allclose(pred_sym, pred_aug, rtol=1e-8, atol=1e-10)
    # the symmetrised train kernel is symmetric and flip invariant
    assert np.allclose(sym_train, sym_train.T)
    flipped = cntk.cntk(cntk.flip_horizontal(x), depth=2, readouts=("gap",), flip=True)["gap"].ntk
    assert np.allclose(flipped, sym_train)


def test_readout_errors():
    with pytest.raises(InvalidArgument, match="valid choices"):
        cntk.readout_layer("max")
    with pytest.raises(InvalidArgument, match="window parameter"):
        cntk.readout_layer("lap")
    with pytest.raises(InvalidArgument, match="depth"):
        cntk.cntk_body(0)


def test_preprocessing():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(40, 6, 6, 3)) * rng.uniform(0.5, 3, size=(40, 1, 1, 1)) + 2.0
    z = pp.normalize_per_image(x)
    assert np.allclose(z.mean(axis=(1, 2, 3)), 0) and np.allclose((z**2).mean(axis=(1, 2, 3)), 1)
    zca = pp.ZCAWhitening(strength=1e6).fit(x[:30])
    w = zca.transform(x[:30]).reshape(30, -1)
    cov = np.cov(w.T)
    top = np.linalg.eigvalsh(cov)[-20:]  # the 29 non-null directions are equalised
    assert top.max() / top.min() < 1.01
    pw = pp.PatchWhitening(size=3, strength=1e6).fit(x)
    pt = pw.transform(x)
    assert pt.shape == (40, 6, 6, 27)
    c = np.cov(pt.reshape(-1, 27)[:, :].T)
    assert np.abs(c - np.diag(np.diag(c))).max() < 0.2 * np.diag(c).mean()
    feats = pp.random_patch_features(x[:30], x[30:], n_filters=8, size=3)
    assert feats[0].shape == (30, 6, 6, 8) and feats[1].shape == (10, 6, 6, 8) and (feats[1] >= 0).all()
    with pytest.raises(InvalidArgument, match="NHWC"):
        pp.normalize_per_image(np.zeros((3, 4)))
