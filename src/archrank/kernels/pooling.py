"""Pooling and read-out kernel layers: average pooling, global average pooling (GAP), flatten and local
average pooling (LAP)."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from archrank.errors import InvalidArgument
from archrank.kernels.layer import Layer
from archrank.kernels.state import DTYPE, KernelState, to_layout
from archrank.kernels.windows import (
    check_padding,
    pair,
    window_sum_axis,
)


class AvgPool(Layer):
    """Average pooling with a window (int or pair), strides (default: the window) and padding (default
    VALID).  With SAME padding, ``count_include_pad=False`` divides by the number of real pixels."""

    name = "avgpool"

    def __init__(self, window: int | Sequence[int] = 2, strides: int | Sequence[int] | None = None,
                 padding: str = "VALID", *, count_include_pad: bool = True):
        self.window = pair(window)
        self.strides = self.window if strides is None else pair(strides)
        self.padding = check_padding(padding)
        self.count_include_pad = count_include_pad

    def input_layout(self, out: str) -> str:
        return "full"

    def apply(self, state: KernelState) -> KernelState:
        if state.layout != "full":
            raise InvalidArgument("average pooling needs the full pixel-pair kernel (internal layout error)")
        (fh, fw), (sh, sw) = self.window, self.strides
        ne = not self.count_include_pad

        def lin(t: torch.Tensor) -> torch.Tensor:
            for ax, f, s in ((-4, fh, sh), (-3, fw, sw), (-2, fh, sh), (-1, fw, sw)):
                t = window_sum_axis(t, ax, f, s, self.padding, ne)
            return t

        return state.map(lin)


class GlobalAvgPool(Layer):
    """Mean over all pixel pairs: spatial -> flat."""

    name = "gap"

    def input_layout(self, out: str) -> str:
        return "full"

    def apply(self, state: KernelState) -> KernelState:
        if state.layout != "full":
            raise InvalidArgument("global average pooling needs the full pixel-pair kernel (internal layout error)")
        return state.map(lambda t: t.mean(dim=(-4, -3, -2, -1)), "flat")


class Flatten(Layer):
    """Flatten an image representation: the mean over same-position pixel pairs (spatial -> flat)."""

    name = "flatten"

    def input_layout(self, out: str) -> str:
        return "diag"

    def apply(self, state: KernelState) -> KernelState:
        if state.layout == "flat":
            return state
        state = to_layout(state, "diag")
        return state.map(lambda t: t.mean(dim=(-2, -1)), "flat")


def lap_weights(n: int, c: int) -> torch.Tensor:
    """(n, n) weights of local average pooling along one axis: the number of windows ``[p-c, p+c]`` (p in
    range) holding both positions; a Gram matrix, so the pooled kernel stays positive semi-definite."""
    if c < 0:
        raise InvalidArgument(f"LAP window parameter c must be >= 0, got {c}")
    pos = torch.arange(n)
    member = ((pos[None, :] - pos[:, None]).abs() <= c).to(DTYPE)  # member[p, q]: q in window of p
    return member.T @ member


class LocalAvgPool(Layer):
    """Local average pooling read-out (LAP, Li et al. 2019): box blur of size 2c+1 (stride 1, zero padding)
    then flatten, normalised by the total weight so that ``c = 0`` is exactly the flatten (FC) read-out
    and ``c >= max(H, W) - 1`` exactly the GAP read-out.  Spatial -> flat."""

    name = "lap"

    def __init__(self, c: int = 0):
        if int(c) < 0:
            raise InvalidArgument(f"LAP window parameter c must be >= 0, got {c}")
        self.c = int(c)

    def input_layout(self, out: str) -> str:
        return "diag" if self.c == 0 else "full"

    def weights(self, h: int, w: int) -> tuple[torch.Tensor, torch.Tensor]:
        wh, ww = lap_weights(h, self.c), lap_weights(w, self.c)
        return wh / wh.sum(), ww / ww.sum()

    def apply(self, state: KernelState) -> KernelState:
        if self.c == 0 or state.layout == "diag":
            if state.layout == "diag" and self.c != 0:
                raise InvalidArgument("LAP with c > 0 needs the full pixel-pair kernel (internal layout error)")
            return Flatten().apply(state)
        h, w = state.spatial
        wh, ww = (t.to(state.nngp.device) for t in self.weights(h, w))
        return state.map(lambda t: torch.einsum("...hwij,hi,wj->...", t, wh, ww), "flat")
