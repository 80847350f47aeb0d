"""Analytic NNGP/NTK layers: agreement with the peer reference, layouts, batching, pooling, combinators."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from archrank.errors import InvalidArgument
from archrank.kernels import analytic as ak

WB = {"W_std": 1.5, "b_std": 0.05}


@pytest.fixture(scope="module")
def ref(shared_data):
    return dict(np.load(shared_data / "peers" / "neural_tangents_reference.npz"))


def _rel(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


@pytest.mark.parametrize("act", ["relu", "erf"])
def test_fc_matches_reference(ref, act):
    a = ak.Relu if act == "relu" else ak.Erf
    net = ak.serial(ak.Dense(512, **WB), a(), ak.Dense(512, **WB), a(), ak.Dense(1, **WB))
    k = net(ref["fc_x"])
    assert _rel(k.nngp, ref[f"fc_{act}_nngp"]) < 1e-6
    assert _rel(k.ntk, ref[f"fc_{act}_ntk"]) < 1e-6


@pytest.mark.parametrize("top", ["gap", "flatten"])
def test_cnn_matches_reference(ref, top):
    t = ak.GlobalAvgPool() if top == "gap" else ak.Flatten()
    net = ak.serial(ak.Conv(64, 3, **WB), ak.Relu(), ak.Conv(64, 3, **WB), ak.Relu(), t, ak.Dense(10, **WB))
    # the generic route on 4 of the 10 reference images (test_cntk checks all 10 through the fast route)
    x = ref["cnn_x_nhwc"][:4] if top == "gap" else ref["cnn_x_nhwc"]
    n = x.shape[0]
    k = net(x, method="generic")
    assert _rel(k.nngp, ref[f"cnn2_{top}_nngp"][:n, :n]) < 1e-6
    assert _rel(k.ntk, ref[f"cnn2_{top}_ntk"][:n, :n]) < 1e-6


def _small_images(n=5, h=6, w=5, c=3, seed=0):
    return np.random.default_rng(seed).normal(size=(n, h, w, c))


def test_blocks_and_cross_kernels_agree():
    x = _small_images(5)
    net = ak.serial(ak.Conv(None, 3, **WB), ak.Relu(), ak.AvgPool(2, 1, "SAME"), ak.Conv(None, 2, **WB),
                    ak.Erf(), ak.GlobalAvgPool(), ak.Dense(1, **WB))
    full = net(x)
    assert np.allclose(full.nngp, full.nngp.T) and np.allclose(full.ntk, full.ntk.T)
    for b in (1, 2):
        k = net(x, batch_size=b)
        assert np.allclose(k.nngp, full.nngp, rtol=1e-12) and np.allclose(k.ntk, full.ntk, rtol=1e-12)
    cross = net(x[:2], x, batch_size=2)
    assert np.allclose(cross.nngp, full.nngp[:2], rtol=1e-12) and np.allclose(cross.ntk, full.ntk[:2], rtol=1e-12)
    assert np.all(np.linalg.eigvalsh(full.nngp) > -1e-10)


def test_diag_and_full_layouts_agree_for_flatten():
    x = _small_images(3)
    net = ak.serial(ak.Conv(None, 3, **WB), ak.Relu(), ak.Conv(None, 3, strides=2, **WB), ak.Relu())
    diag = net(x, spatial_out="diag")
    full_then_flatten = ak.serial(net, ak.AvgPool(1, 1), ak.Flatten())(x)  # AvgPool(1) forces the full layout
    flat = ak.serial(net, ak.Flatten())(x)
    assert np.allclose(diag.nngp.mean(axis=(2, 3)), flat.nngp)
    assert np.allclose(full_then_flatten.nngp, flat.nngp) and np.allclose(full_then_flatten.ntk, flat.ntk)


def test_pooling_identities():
    x = _small_images(3, h=4, w=4)
    body = ak.serial(ak.Conv(None, 3, **WB), ak.Relu())
    gap = ak.serial(body, ak.GlobalAvgPool())(x)
    pool_all = ak.serial(body, ak.AvgPool(4), ak.Flatten())(x)
    assert np.allclose(gap.nngp, pool_all.nngp) and np.allclose(gap.ntk, pool_all.ntk)
    # a 1x1 convolution is a dense layer applied per pixel
    a = ak.serial(ak.Conv(None, 1, **WB), ak.Relu(), ak.Flatten())(x)
    b = ak.serial(ak.Dense(None, **WB), ak.Relu(), ak.Flatten())(x)
    assert np.allclose(a.nngp, b.nngp) and np.allclose(a.ntk, b.ntk)


def test_strided_valid_conv_subsamples_stride_one():
    x = _small_images(2, h=7, w=7)
    s1 = ak.serial(ak.Conv(None, 3, padding="VALID", **WB), ak.Relu())(x, spatial_out="full").nngp
    s2 = ak.serial(ak.Conv(None, 3, strides=2, padding="VALID", **WB), ak.Relu())(x, spatial_out="full").nngp
    assert s2.shape == (2, 2, 3, 3, 3, 3)
    assert np.allclose(s2, s1[:, :, ::2, ::2, ::2, ::2])


def test_nngp_matches_wide_random_network():
    """Monte Carlo check of the conv / stride / VALID / pooling conventions with a wide random network."""
    x = torch.tensor(_small_images(3, h=7, w=7, c=2), dtype=torch.float64)
    net = ak.serial(ak.Conv(None, 3, strides=2, padding="VALID", W_std=1.3, b_std=0.2), ak.Relu(),
                    ak.AvgPool(2, 1, "VALID"), ak.Flatten())
    k = net(x.numpy()).nngp
    gen = torch.Generator().manual_seed(0)
    n = 20000
    w = torch.randn(n, 2, 3, 3, generator=gen, dtype=torch.float64) * 1.3 / np.sqrt(2 * 9)
    b = torch.randn(n, generator=gen, dtype=torch.float64) * 0.2
    h = torch.relu(torch.nn.functional.conv2d(x.permute(0, 3, 1, 2), w, b, stride=2))
    h = torch.nn.functional.avg_pool2d(h, 2, 1).flatten(1)
    emp = (h @ h.T / h.shape[1]).numpy()
    assert _rel(emp, k) < 0.03


def test_nonlinearities_match_quadrature():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 6))
    # smooth: Gauss-Hermite is exact to high precision (derivative by autograd)
    # kinked (relu family): the kink is not aligned with the quadrature grid, so only ~1% accurate
    cases = ((ak.Erf(), torch.erf, 1e-5), (ak.Relu(), torch.relu, 1e-2),
             (ak.LeakyRelu(0.2), lambda t: torch.nn.functional.leaky_relu(t, 0.2), 1e-2),
             (ak.AbsRelu(), torch.abs, 1e-2))
    for closed, fn, tol in cases:
        a = ak.serial(ak.Dense(None, **WB), closed, ak.Dense(None, **WB), closed, ak.Dense(1, **WB))(x)
        quad = ak.Elementwise(fn, n_quad=40)
        b = ak.serial(ak.Dense(None, **WB), quad, ak.Dense(None, **WB), quad, ak.Dense(1, **WB))(x)
        assert _rel(b.nngp, a.nngp) < tol, closed.name
        assert _rel(b.ntk, a.ntk) < 5 * tol, closed.name


def test_parallel_sum_skip_connection():
    x = np.random.default_rng(2).normal(size=(4, 5))
    block = ak.serial(ak.Dense(None, **WB), ak.Relu(), ak.Dense(None, **WB))
    res = ak.parallel_sum(ak.Identity(), block)(x)
    ident = ak.Identity()(x)
    b = block(x)
    assert np.allclose(res.nngp, ident.nngp + b.nngp) and np.allclose(res.ntk, ident.ntk + b.ntk)
    assert np.allclose(ak.parallel_sum(ak.Zero(), block)(x).nngp, b.nngp)
    # branches of different layouts meet in the smaller one
    imgs = _small_images(2, h=4, w=4)
    mixed = ak.serial(ak.parallel_sum(ak.AvgPool(3, 1, "SAME", count_include_pad=False), ak.Conv(None, 3, **WB)),
                      ak.Relu(), ak.Flatten())(imgs)
    assert mixed.nngp.shape == (2, 2)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(InvalidArgument, match="padding"):
        ak.Conv(8, 3, padding="FULL")
    with pytest.raises(InvalidArgument, match="shape"):
        ak.Dense()(np.zeros(5))
    with pytest.raises(InvalidArgument, match="image"):
        ak.Conv(8, 3)(np.zeros((3, 4)))


def test_kernel_fn_restores_torch_threads():
    before = torch.get_num_threads()
    ak.serial(ak.Dense(None, **WB), ak.Relu())(np.ones((2, 3)), threads=1)
    assert torch.get_num_threads() == before
    with pytest.raises(InvalidArgument, match="method"):
        ak.Dense()(np.ones((2, 3)), method="magic")
