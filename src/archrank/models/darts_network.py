"""DARTS-family cells and the two networks they are evaluated in (DARTS / NDS / NAS-Bench-301).

Cell (``C`` channels per node): the output of the cell before the previous one is brought to ``C`` channels
by a 1x1 ReLU-Conv-BN, or by a :class:`FactorizedReduce` when the previous cell halved the resolution; the
previous cell's output by a 1x1 ReLU-Conv-BN.  Node ``k`` adds its two operations; in a reduction cell the
operations that read one of the two cell inputs have stride 2.  The output concatenates the states of the
concat list, so a cell outputs ``len(concat) * C`` channels.

Network: a stem, ``layers`` cells with reduction cells at ``layers // 3`` and ``2 * layers // 3`` (each
doubling ``C``), global average pooling and a linear classifier; no auxiliary head, no drop-path.
``affine=False`` makes the BatchNorms inside the operations non-affine (as in NASLib's models);
``pool_bn=True`` puts a non-affine BatchNorm after every pooling operation (NASLib's NB301 network, DARTS's
search supernet).  ``affine=False, pool_bn=True`` with the CIFAR stem, 32 channels and 8 cells is the
network NASLib scores NB301 cells on (docs/spaces-darts.md).

* ``stem="cifar"`` (NAS-Bench-301, DARTS CIFAR): 3x3 conv to ``3 C`` channels and BN; both inputs of the first
  cell are the stem output.
* ``stem="imagenet"`` (NDS, DARTS ImageNet): ``stem0`` = 3x3 conv stride 2 to ``C / 2``, BN, ReLU, 3x3 conv
  stride 2 to ``C``, BN; ``stem1`` = ReLU, 3x3 conv stride 2, BN.  The first cell reads stem0 and stem1 (so
  its first input is factorized-reduced) and the resolution is 1/8 of the input before the first cell.

All operations keep "same" padding, so any input size works (a stride-2 step gives ``ceil(H / 2)``); with
the ImageNet stem a 32x32 image reaches 4x4 before the first cell and 1x1 in the last stage.
"""

from __future__ import annotations

import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.models.darts_ops import FactorizedReduce, ReLUConvBN, make_darts_op
from archrank.spaces.darts_genotype import DartsArch

STEMS = ("cifar", "imagenet")


class DartsCell(nn.Module):
    """One normal or reduction cell."""

    def __init__(self, cell, concat, c_pp: int, c_p: int, c: int, reduction: bool, reduction_prev: bool,
                 affine: bool = True, pool_bn: bool = False):
        super().__init__()
        self.pre0 = FactorizedReduce(c_pp, c) if reduction_prev else ReLUConvBN(c_pp, c, 1)
        self.pre1 = ReLUConvBN(c_p, c, 1)
        self.inputs = tuple(i for _, i in cell)
        self.concat = tuple(concat)
        self.edges = nn.ModuleList(
            make_darts_op(op, c, 2 if reduction and i < 2 else 1, affine, pool_bn) for op, i in cell
        )
        self.out_channels = len(self.concat) * c

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.pre0(s0), self.pre1(s1)]
        for k in range(len(self.edges) // 2):
            a, b = 2 * k, 2 * k + 1
            states.append(self.edges[a](states[self.inputs[a]]) + self.edges[b](states[self.inputs[b]]))
        return torch.cat([states[i] for i in self.concat], dim=1)


class DartsNetwork(nn.Module):
    """Stem, ``layers`` cells (reductions at 1/3 and 2/3), global average pooling, linear classifier."""

    def __init__(self, arch: DartsArch, num_classes: int = 10, *, channels: int, layers: int, stem: str,
                 stem_multiplier: int = 3, in_channels: int = 3, affine: bool = True, pool_bn: bool = False):
        super().__init__()
        if stem not in STEMS:
            raise InvalidArgument(f"unknown stem {stem!r}; valid: {', '.join(STEMS)}")
        if num_classes < 1 or layers < 1 or channels < 2 or channels % 2:
            raise InvalidArgument(
                f"num_classes and layers must be >= 1 and channels even >= 2; got {num_classes}, {layers}, {channels}"
            )
        self.arch, self.stem_kind = arch, stem
        c = channels
        if stem == "cifar":
            self.stem = nn.Sequential(
                nn.Conv2d(in_channels, stem_multiplier * c, 3, padding=1, bias=False),
                nn.BatchNorm2d(stem_multiplier * c),
            )
            c_pp = c_p = stem_multiplier * c
            reduction_prev = False
        else:
            self.stem0 = nn.Sequential(
                nn.Conv2d(in_channels, c // 2, 3, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(c // 2),
                nn.ReLU(inplace=False),
                nn.Conv2d(c // 2, c, 3, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(c),
            )
            self.stem1 = nn.Sequential(
                nn.ReLU(inplace=False), nn.Conv2d(c, c, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c)
            )
            c_pp = c_p = c
            reduction_prev = True
        reductions = {layers // 3, 2 * layers // 3}
        self.cells = nn.ModuleList()
        for i in range(layers):
            reduction = i in reductions
            if reduction:
                c *= 2
            kind = "reduce" if reduction else "normal"
            cell = DartsCell(arch.cell(kind), arch.concat(kind), c_pp, c_p, c, reduction, reduction_prev,
                             affine, pool_bn)
            self.cells.append(cell)
            c_pp, c_p, reduction_prev = c_p, cell.out_channels, reduction
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_p, num_classes)

    def feature_blocks(self) -> list[nn.Module]:
        """The stem (both stems of the ImageNet network) and the cells, in forward order (AZ-NAS's blocks)."""
        stems = [self.stem] if self.stem_kind == "cifar" else [self.stem0, self.stem1]
        return [*stems, *self.cells]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stem_kind == "cifar":
            s0 = s1 = self.stem(x)
        else:
            s0 = self.stem0(x)
            s1 = self.stem1(s0)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(torch.flatten(self.gap(s1), 1))


__all__ = ["STEMS", "DartsCell", "DartsNetwork"]
