"""The infinite-width kernel (NNGP and NTK) of an NB201 cell network, composed from its operations.

The NB201 network (:mod:`archrank.models.nb201`) is written with the analytic layers of
:mod:`archrank.kernels.analytic`:

* stem: 3x3 convolution;
* each stage: ``N`` cells (the same six operations), stages joined by a residual reduction block
  (ReLU, strided 3x3 conv, ReLU, 3x3 conv, plus a shortcut of 2x2 average pooling and a 1x1 conv);
* head: ReLU, global average pooling, dense read-out.

Cell edges map to layers: ``skip_connect`` -> identity; ``nor_conv_kxk`` -> ReLU then a kxk convolution
(stride 1, SAME); ``avg_pool_3x3`` -> 3x3 average pooling (stride 1, SAME, padding not counted);
``none`` -> the edge is dropped.  A node is the :func:`~archrank.kernels.analytic.parallel_sum` of its
incoming edges; each node's kernel state is computed once and fed to every edge leaving it.

Approximations, stated plainly:

* batch normalisation is left out: at infinite width and initialisation, the pre-activations of a layer are
  Gaussian with a variance fixed by the kernel, and BN only rescales each channel by a constant; it is
  not modelled (the ReLU kernels are positively homogeneous, so a constant scale only changes the kernel's
  scale within a branch, not the shape of the kernel of a single-branch network);
* parallel branches are summed as independent given their input (the combinator's rule), also where two
  branches share an intermediate node of the cell or where two weight-free branches (skip, pooling) meet;
* stride-2 convolutions use the SAME padding convention (padding after), PyTorch pads both sides: the
  kernel is that of a network shifted by one pixel at each reduction;
* for cost, the kernel is usually computed at reduced resolution and with fewer cells per stage
  (:func:`nb201_kernel_fn` ``cells_per_stage``; the heuristics use 1 cell per stage on 8x8 inputs).

A cell whose output node is not reached from the input (only ``none`` paths) makes the network's output
independent of the input: its kernel is identically zero below the read-out bias.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from archrank.errors import InvalidArgument, UnknownName
from archrank.kernels import analytic as ak
from archrank.kernels.layer import Progress
from archrank.spaces.nb201 import EDGES, OPS


def op_layer(op: str, *, W_std: float = math.sqrt(2.0), b_std: float = 0.0) -> ak.Layer | None:
    """The kernel layer of one cell operation (``None`` for ``none``)."""
    if op == "none":
        return None
    if op == "skip_connect":
        return ak.Identity()
    if op == "nor_conv_1x1":
        return ak.serial(ak.Relu(), ak.Conv(None, 1, W_std=W_std, b_std=b_std))
    if op == "nor_conv_3x3":
        return ak.serial(ak.Relu(), ak.Conv(None, 3, W_std=W_std, b_std=b_std))
    if op == "avg_pool_3x3":
        return AvgPoolExcludePad(3)
    raise UnknownName("operation", op, OPS)


class AvgPoolExcludePad(ak.AvgPool):
    """Stride-1 SAME average pooling that divides by the number of real (not padded) pixels in the window,
    as ``nn.AvgPool2d(k, 1, k // 2, count_include_pad=False)``: the NB201 pooling edge."""

    name = "avgpool_exclude_pad"

    def __init__(self, window: int = 3):
        super().__init__(window, 1, "SAME", count_include_pad=False)


class CellLayer(ak.Layer):
    """The kernel layer of a cell (node 0 -> node 3).  Each node's state is computed once and shared by
    the edges leaving it; a node is the sum of its incoming edges' states (branches independent given
    their input, as in :func:`~archrank.kernels.analytic.parallel_sum`)."""

    name = "nb201_cell"

    def __init__(self, ops: Sequence[str], *, W_std: float = math.sqrt(2.0), b_std: float = 0.0):
        ops = tuple(ops)
        if len(ops) != len(EDGES):
            raise InvalidArgument(f"an NB201 cell has {len(EDGES)} operations, got {len(ops)}: {ops}")
        self.ops = ops
        self.layers = [op_layer(op, W_std=W_std, b_std=b_std) for op in ops]
        # which nodes are non-zero (reached from the input through operations other than none)
        live = [True, False, False, False]
        for e, (t, s) in enumerate(EDGES):
            if live[s] and self.layers[e] is not None:
                live[t] = True
        self.live = live

    @property
    def is_zero(self) -> bool:
        return not self.live[3]

    def input_layout(self, out: str) -> str:
        return "full" if any(isinstance(lay, ak.AvgPool) for lay in self.layers) else out

    def apply(self, state: ak.KernelState) -> ak.KernelState:
        if self.is_zero:
            return ak.Zero().apply(state)
        nodes: list[ak.KernelState | None] = [state, None, None, None]
        for j in (1, 2, 3):
            acc: ak.KernelState | None = None
            for e, (t, s) in enumerate(EDGES):
                if t != j or nodes[s] is None or self.layers[e] is None:
                    continue
                out = self.layers[e].apply(nodes[s])
                acc = out if acc is None else _add(acc, out)
            nodes[j] = acc
        assert nodes[3] is not None
        return nodes[3]


def _add(a: ak.KernelState, b: ak.KernelState) -> ak.KernelState:
    return ak.KernelState(nngp=a.nngp + b.nngp, ntk=a.ntk + b.ntk, cov1=a.cov1 + b.cov1,
                          cov2=None if a.cov2 is None else a.cov2 + b.cov2, layout=a.layout)


def cell_layer(ops: Sequence[str], *, W_std: float = math.sqrt(2.0), b_std: float = 0.0) -> ak.Layer | None:
    """The kernel layer of a cell, or ``None`` when its output is identically zero."""
    cell = CellLayer(ops, W_std=W_std, b_std=b_std)
    return None if cell.is_zero else cell


def reduction_layer(*, W_std: float = math.sqrt(2.0), b_std: float = 0.0) -> ak.Layer:
    """The residual block between stages (stride 2)."""
    body = ak.serial(ak.Relu(), ak.Conv(None, 3, strides=2, padding="SAME", W_std=W_std, b_std=b_std),
                     ak.Relu(), ak.Conv(None, 3, W_std=W_std, b_std=b_std))
    shortcut = ak.serial(ak.AvgPool(2, strides=2), ak.Conv(None, 1, W_std=W_std, b_std=b_std))
    return ak.parallel_sum(shortcut, body)


def nb201_network(ops: Sequence[str], *, cells_per_stage: int = 1, stages: int = 3, W_std: float = math.sqrt(2.0),
                  b_std: float = 0.0, readout_W_std: float = 1.0, readout_b_std: float = 0.0) -> ak.Layer | None:
    """The kernel layer of the whole NB201 network for cell ``ops``, or ``None`` if the cell output is
    identically zero (the network's output then does not depend on the input)."""
    if cells_per_stage < 1 or stages < 1:
        raise InvalidArgument(f"cells_per_stage and stages must be >= 1, got {cells_per_stage}, {stages}")
    cell = cell_layer(ops, W_std=W_std, b_std=b_std)
    if cell is None:
        return None
    layers: list[ak.Layer] = [ak.Conv(None, 3, W_std=W_std, b_std=b_std)]
    for stage in range(stages):
        if stage > 0:
            layers.append(reduction_layer(W_std=W_std, b_std=b_std))
        layers.extend([cell] * cells_per_stage)
    layers += [ak.Relu(), ak.GlobalAvgPool(), ak.Dense(None, W_std=readout_W_std, b_std=readout_b_std)]
    return ak.serial(*layers)


def to_nhwc(x: torch.Tensor | np.ndarray, resolution: int | None = None) -> np.ndarray:
    """NCHW image batch (on any device) -> NHWC float64 numpy, average-pooled down to ``resolution`` pixels
    per side."""
    t = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x).detach().to(torch.float64)
    if t.dim() != 4:
        raise InvalidArgument(f"expected an image batch (N, C, H, W), got shape {tuple(t.shape)}")
    if resolution is not None and resolution < t.shape[-1]:
        t = torch.nn.functional.adaptive_avg_pool2d(t, resolution)
    return t.permute(0, 2, 3, 1).contiguous().cpu().numpy()


def nb201_kernel_fn(ops: Sequence[str], x1, x2=None, *, cells_per_stage: int = 1, resolution: int | None = 8,
                    W_std: float = math.sqrt(2.0), b_std: float = 0.0, batch_size: int | None = None,
                    progress: Progress | None = None, device: str | torch.device | None = None) -> ak.Kernels:
    """NNGP and NTK of the NB201 network of cell ``ops`` between image batches ``x1`` and ``x2`` (NCHW, as
    the PyTorch models take them), at ``resolution`` (average-pooled; ``None`` keeps the input size).

    A cell with an identically zero output gives zero kernels (shape ``(N1, N2)``).  ``progress`` and
    ``device`` are those of :func:`archrank.kernels.layer.kernel_fn`."""
    a = to_nhwc(x1, resolution)
    b = None if x2 is None else to_nhwc(x2, resolution)
    net = nb201_network(ops, cells_per_stage=cells_per_stage, W_std=W_std, b_std=b_std)
    if net is None:
        z = np.zeros((a.shape[0], a.shape[0] if b is None else b.shape[0]))
        return ak.Kernels(z, z.copy())
    return ak.kernel_fn(net, a, b, batch_size=batch_size, method="generic", progress=progress, device=device)
