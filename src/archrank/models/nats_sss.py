"""The NATS-Bench size-space network: one fixed cell topology, five searchable widths.

Widths ``c0:c1:c2:c3:c4`` are used as: stem conv3x3 (3 -> c0) + BN; cell (c0 -> c0); residual reduction
(c0 -> c1); cell (c1 -> c2); residual reduction (c2 -> c3); cell (c3 -> c4); BN-ReLU, global average pooling,
linear classifier.  Inside a cell, edges leaving the cell input map the input width to the cell's width
(``skip_connect`` between different widths is a 1x1 Conv-BN), the other edges keep the cell's width.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import nn

from archrank.models.nb201 import Cell, CellStack
from archrank.models.ops import ResidualReduction
from archrank.models.registry import check_int_options, register_builder, reject_unknown_options
from archrank.spaces.nats_sss import BEST_TOPOLOGY, coerce_arch


class SizeNetwork(CellStack):
    """Cells and residual reductions alternating over the widths ``channels`` (length 3k + 2)."""

    def __init__(
        self,
        channels: Sequence[int],
        *,
        num_classes: int = 10,
        in_channels: int = 3,
        cell_ops: Sequence[str] = BEST_TOPOLOGY,
    ):
        super().__init__()
        channels = [int(c) for c in channels]
        if len(channels) % 3 != 2:
            raise ValueError(f"the number of widths must be 3k+2, got {len(channels)}")
        n = len(channels) // 3
        reductions = [False] * n + [True] + [False] * n + [True] + [False] * n
        self.channels = tuple(channels)
        self.stem = nn.Sequential(nn.Conv2d(in_channels, channels[0], 3, padding=1, bias=False), nn.BatchNorm2d(channels[0]))
        layers: list[nn.Module] = []
        c_prev = channels[0]
        for width, reduce in zip(channels, reductions):
            layers.append(ResidualReduction(c_prev, width, 2) if reduce else Cell(cell_ops, c_prev, width))
            c_prev = width
        self.cells = nn.ModuleList(layers)
        self._add_head(c_prev, num_classes)


def build_nats_sss(channels: Sequence[int], num_classes: int = 10, *, in_channels: int = 3) -> SizeNetwork:
    """A freshly initialised size-space network for the five widths ``channels``."""
    return SizeNetwork(channels, num_classes=num_classes, in_channels=in_channels)


@register_builder("nats_sss")
def build(arch: Any, num_classes: int = 10, *, in_channels: int = 3, **unknown: Any) -> SizeNetwork:
    """The builder of space ``nats_sss``: ``arch`` is a 5-tuple of widths, a ``c0:c1:c2:c3:c4`` string or an
    index."""
    reject_unknown_options("nats_sss", unknown, ("in_channels",))
    check_int_options("nats_sss", {"in_channels": in_channels, "num_classes": num_classes}, low=1)
    return build_nats_sss(coerce_arch(arch), num_classes, in_channels=in_channels)
