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
     ak.parallel_sum(nk.AvgPoolExcludePad(3), ak.serial(ak.Relu(), ak.Conv(None, 1, W_std=W)))),
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


def test_pooling_excludes_padding_like_pytorch():
    """The pixel-pair kernel of pooled features equals pooling applied to the features themselves."""
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 4, 5, 5, generator=g, dtype=torch.float64)  # NCHW features
    pooled = torch.nn.AvgPool2d(3, 1, 1, count_include_pad=False)(x)
    want = torch.einsum("achw,bcij->abhwij", pooled, pooled) / 4
    st = ak.input_state(torch.from_numpy(nk.to_nhwc(x)), None, "full")
    got = nk.AvgPoolExcludePad(3).apply(st).nngp
    assert torch.allclose(got, want, atol=1e-12)


def test_unknown_operation_names_the_choices():
    with pytest.raises(UnknownName, match="nor_conv_3x3"):
        nk.op_layer("conv_5x5")


class _NTKConv(torch.nn.Module):
    """Convolution in the NTK parameterisation (standard normal weights, scaled by W_std / sqrt(fan_in))."""

    def __init__(self, c_in: int, c_out: int, k: int, g: torch.Generator):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(c_out, c_in, k, k, generator=g))
        self.scale = W / math.sqrt(c_in * k * k)

    def forward(self, x):
        return self.scale * torch.nn.functional.conv2d(x, self.weight, padding=self.weight.shape[-1] // 2)


class _WideCellNet(torch.nn.Module):
    """Stem conv, one NB201 cell (no batch norm), ReLU, GAP, dense read-out; NTK parameterisation."""

    def __init__(self, ops, width: int, seed: int):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.ops = ops
        self.stem = _NTKConv(3, width, 3, g)
        self.edges = torch.nn.ModuleList()
        for op in ops:
            k = {"nor_conv_3x3": 3, "nor_conv_1x1": 1}.get(op)
            self.edges.append(torch.nn.Sequential(torch.nn.ReLU(), _NTKConv(width, width, k, g)) if k
                              else torch.nn.AvgPool2d(3, 1, 1, count_include_pad=False) if op == "avg_pool_3x3"
                              else torch.nn.Identity())
        self.readout = torch.nn.Parameter(torch.randn(1, width, generator=g))

    def forward(self, x):
        nodes = [self.stem(x)]
        for j in (1, 2, 3):
            nodes.append(sum(self.edges[e](nodes[s]) for e, (t, s) in enumerate(nk.EDGES)
                             if t == j and self.ops[e] != "none"))
        h = torch.relu(nodes[3]).mean(dim=(2, 3))
        return h @ self.readout.T / math.sqrt(h.shape[1])


def test_analytic_cell_kernel_matches_a_wide_network(images):
    """Empirical NTK of a wide BN-free network with one cell -> the CellLayer kernel (branches that meet at a
    node are independent here: each pair has at least one freshly weighted branch, so the parallel sum is
    exact at infinite width)."""
    from archrank.kernels.empirical import empirical_ntk

    ops = ("nor_conv_3x3", "nor_conv_1x1", "skip_connect", "avg_pool_3x3", "none", "nor_conv_3x3")
    x = torch.nn.functional.adaptive_avg_pool2d(images[:3], 4)
    net = ak.serial(ak.Conv(None, 3, W_std=W), nk.CellLayer(ops), ak.Relu(), ak.GlobalAvgPool(), ak.Dense(None, W_std=1.0))
    exact = ak.kernel_fn(net, nk.to_nhwc(x), method="generic")
    emp = np.mean([empirical_ntk(_WideCellNet(ops, 1024, s), x.float(), block=3).numpy() for s in range(3)], axis=0)
    # measured: 0.095 at width 256, 0.030 at width 1024 (mean of three seeds)
    assert np.linalg.norm(emp - exact.ntk) / np.linalg.norm(exact.ntk) < 0.08
