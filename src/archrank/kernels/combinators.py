"""Combinators: :func:`serial` (one layer after another) and :func:`parallel_sum` (branches on the same
input, summed; skip connections)."""

from __future__ import annotations

from collections.abc import Sequence

from archrank.errors import InvalidArgument
from archrank.kernels.layer import Layer
from archrank.kernels.state import LAYOUT_ORDER, KernelState, to_layout


class Serial(Layer):
    name = "serial"

    def __init__(self, layers: Sequence[Layer]):
        self.layers = list(layers)

    def apply(self, state: KernelState) -> KernelState:
        for layer in self.layers:
            state = layer.apply(state)
        return state

    def input_layout(self, out: str) -> str:
        for layer in reversed(self.layers):
            out = layer.input_layout(out)
        return out


class ParallelSum(Layer):
    """FanOut -> one branch per layer -> FanInSum.  Branches are treated as independent given the input
    (exact when all but at most one start with freshly initialised weights)."""

    name = "parallel_sum"

    def __init__(self, branches: Sequence[Layer]):
        if not branches:
            raise InvalidArgument("parallel_sum needs at least one branch")
        self.branches = list(branches)

    def input_layout(self, out: str) -> str:
        return max((b.input_layout(out) for b in self.branches), key=LAYOUT_ORDER.__getitem__)

    def apply(self, state: KernelState) -> KernelState:
        outs = [b.apply(state) for b in self.branches]
        low = min((o.layout for o in outs), key=LAYOUT_ORDER.__getitem__)
        outs = [to_layout(o, low) for o in outs]
        shapes = {tuple(o.nngp.shape) for o in outs}
        if len(shapes) != 1:
            raise InvalidArgument(f"parallel branches give kernels of different shapes {sorted(shapes)}")
        total = outs[0]
        for o in outs[1:]:
            total = KernelState(
                nngp=total.nngp + o.nngp, ntk=total.ntk + o.ntk, cov1=total.cov1 + o.cov1,
                cov2=None if total.cov2 is None else total.cov2 + o.cov2, layout=low,
            )
        return total


def serial(*layers: Layer) -> Serial:
    """Compose layers one after the other."""
    return Serial(layers)


def parallel_sum(*branches: Layer) -> ParallelSum:
    """Sum of branches applied to the same input (skip connections: ``parallel_sum(Identity(), block)``)."""
    return ParallelSum(branches)
