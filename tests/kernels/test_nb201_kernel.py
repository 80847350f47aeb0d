"""The analytic kernel of NB201 cell networks: edges compose as the analytic layers they stand for."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from archrank.errors import UnknownName
from archrank.kernels import analytic as ak
from archrank.kernels import nb201_kernel as nk

W = math.sqrt(2.0)
NONE6 = ["none"] * 6


def _cell(**edges: str) -> tuple[str, ...]:
    """Six ops from keyword edges e10, e20, e21, e30, e31, e32 (others none)."""
    names = ["e10", "e20", "e21", "e30", "e31", "e32"]
    return tuple(edges.get(n, "none") for n in names)


@pytest.fixture(scope="module")
def images():
    g = torch.Generator().manual_seed(0)
    return torch.randn(5, 3, 8, 8, generator=g, dtype=torch.float64)


def _network(cell: ak.Layer | None) -> ak.Layer:
    layers = [ak.Conv(None, 3, W_std=W)]
    for stage in range(3):
        if stage:
            layers.append(nk.reduction_layer())
        if cell is not None:
            layers.append(cell)
    return ak.serial(*layers, ak.Relu(), ak.GlobalAvgPool(), ak.Dense(None, W_std=1.0))


def _kernels(net: ak.Layer, x: torch.Tensor) -> ak.Kernels:
    return ak.kernel_fn(net, nk.to_nhwc(x, 4), method="generic")


@pytest.mark.parametrize(("ops", "expected"), [
    (_cell(e30="skip_connect"), None),
    (_cell(e30="nor_conv_3x3"), ak.serial(ak.Relu(), ak.Conv(None, 3, W_std=W))),
    (_cell(e10="nor_conv_1x1", e31="skip_connect", e30="avg_pool_3x3"),
     ak.parallel_sum(ak.AvgPool(3, 1, "SAME", count_include_pad=False), ak.serial(ak.Relu(), ak.Conv(None, 1, W_std=W)))),
    # node 1 feeds node 2 and node 3: its state is shared, as the unrolled tree would recompute it
    (_cell(e10="nor_conv_3x3", e21="skip_connect", e31="skip_connect", e32="nor_conv_1x1"),
     ak.parallel_sum(ak.serial(ak.Relu(), ak.Conv(None, 3, W_std=W)),
                     ak.serial(ak.Relu(), ak.Conv(None, 3, W_std=W), ak.Relu(), ak.Conv(None, 1, W_std=W)))),
])
def test_cells_compose_from_their_edges(images, ops, expected):
    got = nk.nb201_kernel_fn(ops, images, resolution=4)
    want = _kernels(_network(expected), images)
    np.testing.assert_allclose(got.nngp, want.nngp, rtol=1e-10)
    np.testing.assert_allclose(got.ntk, want.ntk, rtol=1e-10)


def test_kernels_are_symmetric_psd_and_cross_kernels_agree(images):
    ops = ("nor_conv_3x3", "avg_pool_3x3", "skip_connect", "nor_conv_1x1", "none", "nor_conv_3x3")
    k = nk.nb201_kernel_fn(ops, images, resolution=4)
    for m in (k.nngp, k.ntk):
        assert m.shape == (5, 5)
        np.testing.assert_allclose(m, m.T, rtol=1e-12)
        assert np.linalg.eigvalsh(m)[0] > -1e-9 * np.abs(m).max()
    assert np.all(k.ntk >= k.nngp - 1e-12)
    cross = nk.nb201_kernel_fn(ops, images[:2], images[2:], resolution=4)
    np.testing.assert_allclose(cross.ntk, k.ntk[:2, 2:], rtol=1e-10)


def test_dead_cells_give_zero_kernels(images):
    assert nk.cell_layer(NONE6) is None
    dead = _cell(e10="nor_conv_3x3", e21="skip_connect")  # node 3 unreachable
    assert nk.nb201_network(dead) is None
    k = nk.nb201_kernel_fn(dead, images)
    assert k.nngp.shape == (5, 5) and not k.nngp.any() and not k.ntk.any()


def test_unknown_operation_names_the_choices():
    with pytest.raises(UnknownName, match="nor_conv_3x3"):
        nk.op_layer("conv_5x5")
