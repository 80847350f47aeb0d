"""The NAS-Bench-201 network: a stem, three stages of cells joined by residual reduction blocks, a head.

A cell has 4 nodes; node 0 is the cell input, node 3 its output, and node ``j`` sums one operation applied
to every earlier node.  The six edges are ordered 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2.

Every operation of the architecture is instantiated (so parameter counts equal the benchmark's), but the
forward pass only computes what can change the output: ``none`` edges are skipped, edges into nodes that do
not reach the cell output are skipped, and an operation fed by a node that is identically zero is
evaluated on a tiny zero tensor and broadcast (its output is a per-channel constant, e.g. a BatchNorm
shift), so the function computed -- outputs, gradients and BatchNorm running statistics that influence the
output -- equals that of the straightforward network.  ``skip_dead=False`` computes every edge instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from archrank.models.ops import ResidualReduction, make_op
from archrank.models.registry import check_int_options, register_builder, reject_unknown_options
from archrank.spaces.nb201 import EDGES, coerce_arch

_FULL, _CONST = 0, 1


def cell_plan(ops: Sequence[str], has_params: Sequence[bool]) -> tuple[tuple[tuple[int, int, int], ...], ...]:
    """Per target node 1..3, the edges worth computing as (edge index, source node, mode).

    ``mode`` is ``_FULL`` (apply the op to the source tensor) or ``_CONST`` (the source is identically zero
    and the op has parameters, so its output is a per-channel constant).  An empty plan for node 3 means the
    cell outputs zeros.
    """
    reaches_out = [False, False, False, True]
    for j in (2, 1, 0):
        reaches_out[j] = any(
            ops[e] != "none" and reaches_out[t] for e, (t, s) in enumerate(EDGES) if s == j
        )
    nonzero = [True, False, False, False]
    plan: list[tuple[tuple[int, int, int], ...]] = [()]
    for j in (1, 2, 3):
        steps = []
        if reaches_out[j]:
            for e, (t, s) in enumerate(EDGES):
                if t != j or ops[e] == "none":
                    continue
                if nonzero[s]:
                    steps.append((e, s, _FULL))
                elif has_params[e]:
                    steps.append((e, s, _CONST))
        nonzero[j] = bool(steps)
        plan.append(tuple(steps))
    return tuple(plan)


class Cell(nn.Module):
    """One cell with the given six operations (edges from node 0 map ``c_in`` to ``c_out`` channels)."""

    def __init__(self, ops: Sequence[str], c_in: int, c_out: int, *, skip_dead: bool = True):
        super().__init__()
        if len(ops) != len(EDGES):
            raise ValueError(f"a cell needs {len(EDGES)} operations, got {len(ops)}")
        self.ops = tuple(ops)
        self.c_out = c_out
        self.edges = nn.ModuleList(
            make_op(op, c_in if s == 0 else c_out, c_out, 1) for op, (_, s) in zip(self.ops, EDGES)
        )
        self.skip_dead = skip_dead
        has_params = [any(True for _ in m.parameters()) for m in self.edges]
        self._plan = cell_plan(self.ops, has_params)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.skip_dead:
            nodes = [x]
            for j in (1, 2, 3):
                nodes.append(sum(self.edges[e](nodes[s]) for e, (t, s) in enumerate(EDGES) if t == j))
            return nodes[3]
        b, _, h, w = x.shape
        nodes: list[torch.Tensor | None] = [x, None, None, None]
        for j in (1, 2, 3):
            acc = None
            for e, s, mode in self._plan[j]:
                if mode == _FULL:
                    y = self.edges[e](nodes[s])
                else:
                    c_src = x.shape[1] if s == 0 else self.c_out
                    small = self.edges[e](x.new_zeros(b, c_src, 2, 2))
                    y = small[:, :, :1, :1].expand(b, self.c_out, h, w)
                acc = y if acc is None else acc + y
            nodes[j] = acc
        out = nodes[3]
        return x.new_zeros(b, self.c_out, h, w) if out is None else out


class CellStack(nn.Module):
    """A stem, a list of cells, then BN-ReLU, global average pooling and a linear classifier.

    Subclasses set ``self.stem`` and ``self.cells`` and call :meth:`_add_head` with the last width.
    """

    def _add_head(self, channels: int, num_classes: int) -> None:
        self.lastact = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU())
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(channels, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The pooled features fed to the classifier (batch x channels)."""
        x = self.stem(x)
        for cell in self.cells:
            x = cell(x)
        return self.global_pooling(self.lastact(x)).flatten(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class TinyNetwork(CellStack):
    """Stem conv3x3 + BN, stages of ``N`` cells at C, 2C, 4C channels with residual reductions, BN-ReLU,
    global average pooling and a linear classifier."""

    def __init__(
        self,
        ops: Sequence[str],
        *,
        C: int = 16,
        N: int = 5,
        num_classes: int = 10,
        in_channels: int = 3,
        skip_dead: bool = True,
    ):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        layers: list[nn.Module] = []
        c_prev = C
        for stage, width in enumerate((C, 2 * C, 4 * C)):
            if stage > 0:
                layers.append(ResidualReduction(c_prev, width, 2))
                c_prev = width
            layers.extend(Cell(ops, width, width, skip_dead=skip_dead) for _ in range(N))
        self.cells = nn.ModuleList(layers)
        self._add_head(c_prev, num_classes)


def build_nb201(
    ops: Sequence[str], num_classes: int = 10, *, C: int = 16, N: int = 5, in_channels: int = 3, skip_dead: bool = True
) -> TinyNetwork:
    """A freshly initialised NAS-Bench-201 network for the six cell operations ``ops``."""
    return TinyNetwork(ops, C=C, N=N, num_classes=num_classes, in_channels=in_channels, skip_dead=skip_dead)


@register_builder("nb201")
def build(arch: Any, num_classes: int = 10, *, C: int = 16, N: int = 5, in_channels: int = 3,
          skip_dead: bool = True, **unknown: Any) -> TinyNetwork:
    """The builder of space ``nb201``: ``arch`` is a 6-tuple, an official string or an index.

    C=16, N=5 are the benchmark's settings.  ``skip_dead=False`` computes every edge as the straightforward
    network does (same outputs; only hooks on operations that cannot affect the output see a difference).
    """
    reject_unknown_options("nb201", unknown, ("C", "N", "in_channels", "skip_dead"))
    check_int_options("nb201", {"C": C, "in_channels": in_channels, "num_classes": num_classes}, low=1)
    check_int_options("nb201", {"N": N}, low=0)
    return build_nb201(coerce_arch(arch), num_classes, C=C, N=N, in_channels=in_channels, skip_dead=skip_dead)
