"""The NAS-Bench-101 network for a cell.

Layout: a 3x3 conv-BN-ReLU stem with 128 channels, then 3 stacks of 3 cells; between stacks a 2x2 max pool
(stride 2) halves the resolution and the cell channel count doubles (128, 256, 512); then global average
pooling and a dense layer.  Convolutions have no bias; batch normalisation has a scale and a shift.

Inside a cell (pruned, ``n`` vertices, ``C`` output channels):

* the vertices feeding the output split ``C`` between them (the first ``C % k`` of the ``k`` such vertices get
  one extra channel), so that their concatenation has ``C`` channels; every other interior vertex takes the
  largest channel count among its successors;
* a vertex sums its inputs: outputs of earlier interior vertices truncated to its channel count (first
  channels kept), and, if the input vertex feeds it, a 1x1 conv-BN-ReLU projection of the cell input;
* it then applies its operation (3x3 or 1x1 conv-BN-ReLU keeping the channel count, or 3x3 max pooling at
  stride 1);
* the output is the channel concatenation of its interior predecessors, plus a 1x1 projection of the cell
  input when the input feeds the output directly (or only that projection when nothing else does).

Parameter counts equal the benchmark's ``trainable_parameters``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.models.registry import register_builder, reject_unknown_options
from archrank.spaces.nb101 import NB101Space
from archrank.spaces.nb101_graph import CONV1X1, CONV3X3, MAXPOOL3X3, NB101Arch, prune

#: Batch-norm settings of the benchmark's training code (decay 0.997, epsilon 1e-5).
BN_MOMENTUM = 0.003
BN_EPS = 1e-5


class ConvBNReLU(nn.Sequential):
    """Convolution (no bias, 'same' padding), batch normalisation, ReLU."""

    def __init__(self, c_in: int, c_out: int, kernel: int):
        super().__init__(
            nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out, eps=BN_EPS, momentum=BN_MOMENTUM),
            nn.ReLU(inplace=False),
        )


def vertex_channels(c_in: int, c_out: int, matrix: np.ndarray) -> list[int]:
    """Channel count of every vertex of a pruned cell (input ``c_in``, output ``c_out``)."""
    n = matrix.shape[0]
    ch = [0] * n
    ch[0], ch[n - 1] = c_in, c_out
    if n == 2:
        return ch
    feeders = [v for v in range(1, n - 1) if matrix[v, n - 1]]
    base, extra = divmod(c_out, len(feeders))
    for i, v in enumerate(feeders):
        ch[v] = base + (1 if i < extra else 0)
    for v in range(n - 3, 0, -1):
        if not matrix[v, n - 1]:
            ch[v] = max(ch[w] for w in range(v + 1, n - 1) if matrix[v, w])
    return ch


class NB101Cell(nn.Module):
    """One cell: ``c_in`` -> ``c_out`` channels at unchanged resolution."""

    def __init__(self, arch: NB101Arch, c_in: int, c_out: int):
        super().__init__()
        p = prune(arch)
        m = p.as_array()
        n = p.num_vertices
        self.n = n
        self.matrix = m
        self.channels = vertex_channels(c_in, c_out, m)
        self.proj = nn.ModuleDict()
        self.ops = nn.ModuleDict()
        for v in range(1, n - 1):
            c = self.channels[v]
            if m[0, v]:
                self.proj[str(v)] = ConvBNReLU(c_in, c, 1)
            op = p.ops[v]
            if op == CONV3X3:
                self.ops[str(v)] = ConvBNReLU(c, c, 3)
            elif op == CONV1X1:
                self.ops[str(v)] = ConvBNReLU(c, c, 1)
            elif op == MAXPOOL3X3:
                self.ops[str(v)] = nn.MaxPool2d(3, stride=1, padding=1)
            else:  # unreachable for checked cells
                raise InvalidArgument(f"unknown NB101 operation {op!r}")
        if m[0, n - 1]:
            self.proj[str(n - 1)] = ConvBNReLU(c_in, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, m, ch = self.n, self.matrix, self.channels
        values: list[torch.Tensor | None] = [x] + [None] * (n - 1)
        for v in range(1, n - 1):
            terms = [values[u][:, : ch[v]] for u in range(1, v) if m[u, v]]
            if m[0, v]:
                terms.append(self.proj[str(v)](x))
            s = terms[0]
            for t in terms[1:]:
                s = s + t
            values[v] = self.ops[str(v)](s)
        feeders = [values[v] for v in range(1, n - 1) if m[v, n - 1]]
        if not feeders:
            return self.proj[str(n - 1)](x)
        out = feeders[0] if len(feeders) == 1 else torch.cat(feeders, dim=1)
        if m[0, n - 1]:
            out = out + self.proj[str(n - 1)](x)
        return out


class NB101Network(nn.Module):
    """Stem, ``num_stacks`` stacks of ``cells_per_stack`` cells with downsampling between, GAP, dense head."""

    def __init__(
        self,
        arch: NB101Arch,
        num_classes: int = 10,
        *,
        stem_channels: int = 128,
        num_stacks: int = 3,
        cells_per_stack: int = 3,
        in_channels: int = 3,
    ):
        super().__init__()
        if num_classes < 1 or stem_channels < 1 or num_stacks < 1 or cells_per_stack < 1:
            raise InvalidArgument(
                f"num_classes, stem_channels, num_stacks and cells_per_stack must be >= 1; got "
                f"{num_classes}, {stem_channels}, {num_stacks}, {cells_per_stack}"
            )
        self.arch = arch
        layers: list[nn.Module] = [ConvBNReLU(in_channels, stem_channels, 3)]
        c_prev, c = stem_channels, stem_channels
        for stack in range(num_stacks):
            if stack > 0:
                layers.append(nn.MaxPool2d(2, stride=2, ceil_mode=True))
                c *= 2
            for _ in range(cells_per_stack):
                layers.append(NB101Cell(arch, c_prev, c))
                c_prev = c
        self.features = nn.Sequential(*layers)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def feature_blocks(self) -> list[nn.Module]:
        """Stem, cells and the max pools between stacks, in forward order (AZ-NAS's blocks)."""
        return list(self.features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.gap(self.features(x)), 1))


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@register_builder("nb101")
def build(arch: Any, num_classes: int = 10, *, stem_channels: int = 128, num_stacks: int = 3,
          cells_per_stack: int = 3, in_channels: int = 3, **unknown: Any) -> NB101Network:
    """The builder of space ``nb101``: ``arch`` is an NB101Arch, a cell string or ``(matrix, ops)``."""
    reject_unknown_options("nb101", unknown, ("stem_channels", "num_stacks", "cells_per_stack", "in_channels"))
    return NB101Network(NB101Space().coerce(arch), num_classes, stem_channels=stem_channels, num_stacks=num_stacks,
                        cells_per_stack=cells_per_stack, in_channels=in_channels)


__all__ = ["ConvBNReLU", "NB101Cell", "NB101Network", "build", "count_parameters", "vertex_channels"]
