"""The PyTorch network of the generic convolutional space (:mod:`archrank.spaces.generic`).

:class:`GenericNetwork` (images ``(N, C, H, W)``): a 3x3 conv-BN-ReLU stem, then the active cells in
order, then global average pooling and a linear head on the last cell.  A cell fed by several nodes sums
them after bringing them to a common shape: the channel count is the largest among its inputs (narrower
inputs pass through a 1x1 convolution without bias) and the resolution is the smallest among its inputs
(larger inputs are average-pooled down to it).  Convolutions keep or set the channel count (``filters``);
all other operations keep it.  The MLP variant is :mod:`archrank.models.generic_mlp`.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from archrank.errors import InvalidArgument, UnknownName
from archrank.models.activations import activation
from archrank.models.pooling import ExcludePadAvgPool2d
from archrank.models.registry import register_builder, reject_unknown_options
from archrank.spaces.generic_cells import CONV_UNIVERSE, CellOp, GenericArch, active_nodes


class SamePadMaxPool(nn.Module):
    """Max pooling with 'same' padding filled with -inf, any kernel/dilation/stride."""

    def __init__(self, kernel: int, stride: int, dilation: int):
        super().__init__()
        self.kernel, self.stride, self.dilation = kernel, stride, dilation
        self.pad = dilation * (kernel - 1) // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad:
            x = F.pad(x, [self.pad] * 4, value=float("-inf"))
        return F.max_pool2d(x, self.kernel, self.stride, dilation=self.dilation)


def make_op(cell: CellOp, channels: int) -> tuple[nn.Module, int]:
    """The module for ``cell`` on ``channels`` input channels, and its output channel count."""
    pad = cell.dilation * (cell.kernel - 1) // 2
    if cell.op == "conv":
        conv = nn.Conv2d(
            channels,
            cell.filters,
            cell.kernel,
            stride=cell.stride,
            padding=pad,
            dilation=cell.dilation,
            padding_mode=cell.padding,
        )
        return conv, cell.filters
    if cell.op == "dwconv":
        conv = nn.Conv2d(
            channels,
            channels,
            cell.kernel,
            stride=cell.stride,
            padding=pad,
            dilation=cell.dilation,
            groups=channels,
            padding_mode=cell.padding,
        )
        return conv, channels
    if cell.op == "maxpool":
        return SamePadMaxPool(cell.kernel, cell.stride, cell.dilation), channels
    if cell.op == "avgpool":
        return ExcludePadAvgPool2d(
            cell.kernel, cell.stride, padding=cell.kernel // 2, count_include_pad=False
        ), channels
    if cell.op == "batchnorm":
        return nn.BatchNorm2d(channels), channels
    if cell.op == "layernorm":
        return nn.GroupNorm(1, channels), channels
    if cell.op in ("identity", "relu", "gelu", "tanh", "sigmoid"):
        return activation(cell.op), channels
    raise UnknownName("generic operation", cell.op, CONV_UNIVERSE)


class GenericNetwork(nn.Module):
    """The image network of a :class:`~archrank.spaces.generic.GenericArch` (inactive cells are not built)."""

    def __init__(
        self, arch: GenericArch, num_classes: int = 10, *, stem_channels: int = 16, in_channels: int = 3
    ):
        super().__init__()
        if num_classes < 1 or stem_channels < 1 or in_channels < 1:
            raise InvalidArgument(
                f"num_classes, stem_channels and in_channels must be >= 1, got {num_classes}, {stem_channels}, {in_channels}"
            )
        active = active_nodes(arch)
        if not active[-1]:
            raise InvalidArgument("the last cell is not reachable from the stem")
        self.arch = arch
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, stem_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(stem_channels),
            nn.ReLU(),
        )
        n = len(arch.cells)
        ch = [stem_channels] + [0] * n
        self.sources: dict[int, list[int]] = {}
        self.cells = nn.ModuleDict()
        self.proj = nn.ModuleDict()
        for j in range(1, n + 1):
            if not active[j]:
                continue
            srcs = [i for i in range(j) if arch.edges[j - 1][i] and active[i]]
            self.sources[j] = srcs
            c_in = max(ch[i] for i in srcs)
            for i in srcs:
                if ch[i] < c_in:
                    self.proj[f"{i}_{j}"] = nn.Conv2d(ch[i], c_in, 1, bias=False)
            self.cells[str(j)], ch[j] = make_op(arch.cells[j - 1], c_in)
        self.num_nodes = n
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(ch[n], num_classes)

    def _merge(self, j: int, values: dict[int, torch.Tensor]) -> torch.Tensor:
        srcs = self.sources[j]
        h = min(values[i].shape[2] for i in srcs)
        w = min(values[i].shape[3] for i in srcs)
        total = None
        for i in srcs:
            x = values[i]
            if x.shape[2] != h or x.shape[3] != w:
                x = F.adaptive_avg_pool2d(x, (h, w))
            key = f"{i}_{j}"
            if key in self.proj:
                x = self.proj[key](x)
            total = x if total is None else total + x
        return total

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values = {0: self.stem(x)}
        for j in range(1, self.num_nodes + 1):
            if j in self.sources:
                values[j] = self.cells[str(j)](self._merge(j, values))
        return self.head(torch.flatten(self.gap(values[self.num_nodes]), 1))


@register_builder("generic")
def build(arch: GenericArch, num_classes: int = 10, *, stem_channels: int = 16, in_channels: int = 3,
          **unknown: Any) -> GenericNetwork:
    """The builder of space ``generic`` (the space passes its ``stem_channels``)."""
    reject_unknown_options("generic", unknown, ("stem_channels", "in_channels"))
    return GenericNetwork(arch, num_classes, stem_channels=stem_channels, in_channels=in_channels)


__all__ = ["GenericNetwork", "SamePadMaxPool", "build", "make_op"]
