"""Progress callbacks of the kernel block loops (they observe and change no value) and the device the blocks
are computed on (CPU here; the CUDA equality tests run where there is a GPU)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from archrank.kernels import analytic as ak
from archrank.kernels.cntk_plan import compile_plan
from archrank.kernels.cntk_route import fast_kernels
from archrank.kernels.empirical import NTKMLP, empirical_ntk

REPO = Path(__file__).resolve().parents[2]
WB = {"W_std": 1.4, "b_std": 0.1}
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _imgs(n: int, seed: int = 0, h: int = 5, w: int = 4, c: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, h, w, c))


def _gap_net():
    return ak.serial(ak.Conv(None, 3, **WB), ak.Relu(), ak.Conv(None, 3, **WB), ak.Relu(), ak.GlobalAvgPool(),
                     ak.Dense(1, **WB))


# Networks that exercise each layer family on the generic route (full layout, pooling, LAP, quadrature).
GENERIC_NETS = {
    "dense-erf": (ak.serial(ak.Dense(None, **WB), ak.Erf(), ak.Dense(1, **WB)), (7, 6)),
    "conv-pool-lap": (ak.serial(ak.Conv(None, 3, **WB), ak.Relu(), ak.AvgPool(3, 1, "SAME", count_include_pad=False),
                                ak.Conv(None, 3, **WB), ak.LeakyRelu(0.2), ak.LocalAvgPool(1), ak.Dense(1)),
                      (5, 6, 6, 2)),
    "elementwise-flatten": (ak.serial(ak.Conv(None, 3, **WB), ak.Elementwise(torch.tanh, n_quad=8), ak.Flatten(),
                                      ak.Dense(1)), (4, 4, 4, 2)),
}


def _record():
    calls: list[tuple[int, int]] = []
    return calls, lambda done, total: calls.append((done, total))


def _assert_counts(calls: list[tuple[int, int]], total: int) -> None:
    assert calls == [(i, total) for i in range(1, total + 1)]


@pytest.mark.parametrize(("n1", "n2", "b", "total"), [(7, None, 3, 6), (7, 5, 3, 6), (4, None, 4, 1), (5, 2, 1, 10)])
def test_generic_route_progress_counts_blocks_and_changes_nothing(n1, n2, b, total):
    net = ak.serial(ak.Conv(None, 3, **WB), ak.Relu(), ak.GlobalAvgPool(), ak.Dense(1, **WB))
    x1 = _imgs(n1)
    x2 = None if n2 is None else _imgs(n2, seed=1)
    plain = net(x1, x2, batch_size=b, method="generic")
    calls, cb = _record()
    watched = net(x1, x2, batch_size=b, method="generic", progress=cb)
    _assert_counts(calls, total)  # symmetric: blocks on and above the diagonal only (3 blocks: 6)
    assert np.array_equal(plain.nngp, watched.nngp) and np.array_equal(plain.ntk, watched.ntk)


@pytest.mark.parametrize(("n1", "n2", "symmetric", "b", "total"),
                         [(7, None, False, 3, 6), (7, 4, False, 3, 6), (6, 6, True, 2, 6), (5, 5, False, 5, 1)])
def test_fast_route_progress_counts_blocks_and_changes_nothing(n1, n2, symmetric, b, total):
    plan = compile_plan(_gap_net())
    x1 = _imgs(n1)
    x2 = None if n2 is None else (x1[:, :, ::-1].copy() if symmetric else _imgs(n2, seed=1))
    plain = fast_kernels(plan, x1, x2, block=b, symmetric=symmetric)["out"]
    calls, cb = _record()
    watched = fast_kernels(plan, x1, x2, block=b, symmetric=symmetric, progress=cb)["out"]
    _assert_counts(calls, total)
    assert np.array_equal(plain.nngp, watched.nngp) and np.array_equal(plain.ntk, watched.ntk)


def test_kernel_fn_passes_progress_to_the_fast_route():
    net, x = _gap_net(), _imgs(6)
    calls, cb = _record()
    fast = net(x, method="fast", batch_size=2, progress=cb)
    _assert_counts(calls, 6)
    generic = net(x, method="generic")
    assert np.allclose(fast.ntk, generic.ntk, rtol=1e-10) and np.allclose(fast.nngp, generic.nngp, rtol=1e-10)


def test_fast_route_is_found_without_importing_the_cntk_modules():
    # A fresh interpreter that imports only the layer-by-layer API: the fast route must still be taken.
    code = ("import sys, numpy as np\n"
            "from archrank.kernels.spec import parse_net\n"
            "net = parse_net('conv:8:3,relu,gap,dense:1')\n"
            "net(np.ones((2, 4, 4, 1)), method='fast')\n"
            "print('archrank.kernels.cntk_route' in sys.modules)\n")
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), OMP_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120,
                         env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


@pytest.mark.parametrize("name", sorted(GENERIC_NETS))
def test_cpu_device_gives_the_default_values(name):
    net, shape = GENERIC_NETS[name]
    x = np.random.default_rng(3).normal(size=shape)
    x2 = np.random.default_rng(4).normal(size=(3, *shape[1:]))
    for a, b in ((x, None), (x2, x)):
        ref = net(a, b)
        for dev in ("cpu", torch.device("cpu")):
            k = net(a, b, device=dev)
            assert isinstance(k.nngp, np.ndarray)
            assert np.array_equal(k.nngp, ref.nngp) and np.array_equal(k.ntk, ref.ntk)


def test_cpu_device_on_the_fast_route_with_lap_and_tail():
    net = ak.serial(ak.Conv(None, 3, **WB), ak.Relu(), ak.Conv(None, 3, **WB), ak.Relu(), ak.LocalAvgPool(1),
                    ak.Dense(None, **WB), ak.Relu(), ak.Dense(1))
    x, x2 = _imgs(5), _imgs(3, seed=2)
    for a, b in ((x, None), (x, x2)):
        ref = net(a, b, method="fast")
        k = net(a, b, method="fast", device="cpu")
        assert np.array_equal(k.nngp, ref.nngp) and np.array_equal(k.ntk, ref.ntk)


@CUDA
@pytest.mark.parametrize("name", sorted(GENERIC_NETS))
def test_cuda_gives_the_cpu_values_on_the_generic_route(name):
    net, shape = GENERIC_NETS[name]
    x = np.random.default_rng(3).normal(size=shape)
    ref, k = net(x), net(x, device="cuda")
    assert np.allclose(k.nngp, ref.nngp, rtol=1e-9, atol=1e-12) and np.allclose(k.ntk, ref.ntk, rtol=1e-9, atol=1e-12)


@CUDA
def test_cuda_gives_the_cpu_values_on_the_fast_route():
    net = ak.serial(ak.Conv(None, 3, **WB), ak.Relu(), ak.Conv(None, 3, **WB), ak.Relu(), ak.LocalAvgPool(1),
                    ak.Dense(None, **WB), ak.Erf(), ak.Dense(1))
    x, x2 = _imgs(6), _imgs(4, seed=2)
    for a, b in ((x, None), (x, x2)):
        for top in (net, _gap_net()):
            ref, k = top(a, b, method="fast"), top(a, b, method="fast", device="cuda")
            assert np.allclose(k.nngp, ref.nngp, rtol=1e-9) and np.allclose(k.ntk, ref.ntk, rtol=1e-9)


@CUDA
def test_empirical_ntk_stays_on_the_device_of_its_model():
    model = NTKMLP(5, [16], out=2, dtype=torch.float64)
    x = torch.randn(6, 5, dtype=torch.float64)
    ref = empirical_ntk(model, x, block=4)
    k = empirical_ntk(model.cuda(), x.cuda(), block=4)
    assert k.device.type == "cuda"
    assert torch.allclose(k.cpu(), ref, rtol=1e-9)


def test_nb201_kernel_passes_progress_and_device():
    from archrank.kernels.nb201_kernel import nb201_kernel_fn

    ops = ("nor_conv_3x3", "skip_connect", "avg_pool_3x3", "nor_conv_1x1", "none", "skip_connect")
    x = torch.as_tensor(np.random.default_rng(5).normal(size=(5, 3, 8, 8)))
    ref = nb201_kernel_fn(ops, x, resolution=4)
    calls, cb = _record()
    k = nb201_kernel_fn(ops, x, resolution=4, batch_size=2, progress=cb, device="cpu")
    _assert_counts(calls, 6)
    assert np.allclose(k.nngp, ref.nngp, rtol=1e-12) and np.allclose(k.ntk, ref.ntk, rtol=1e-12)


@pytest.mark.parametrize(("n2", "symmetric", "flip", "total"),
                         [(None, False, False, 6), (None, False, True, 12), (4, False, True, 12), (6, True, True, 15)])
def test_cntk_progress_counts_the_blocks_of_both_flip_passes(n2, symmetric, flip, total):
    from archrank.kernels.cntk import cntk

    x1 = _imgs(6)
    x2 = None if n2 is None else (x1[:, :, ::-1].copy() if symmetric else _imgs(n2, seed=1))
    kw = {"depth": 2, "readouts": ("gap", ("lap", 1)), "flip": flip, "block": 2, "symmetric": symmetric}
    plain = cntk(x1, x2, **kw)
    calls, cb = _record()
    watched = cntk(x1, x2, progress=cb, device="cpu", **kw)
    _assert_counts(calls, total)
    for key in plain:
        assert np.array_equal(plain[key].nngp, watched[key].nngp) and np.array_equal(plain[key].ntk, watched[key].ntk)
