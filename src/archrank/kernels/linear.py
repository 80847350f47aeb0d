"""Linear kernel layers: identity, zero, dense and convolution (NTK parameterisation, see
:mod:`archrank.kernels.analytic`)."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from archrank.errors import InvalidArgument
from archrank.kernels.layer import Layer
from archrank.kernels.state import KernelState
from archrank.kernels.windows import (
    check_padding,
    pair,
    window_sum_diagonal,
)


class Identity(Layer):
    name = "identity"

    def apply(self, state: KernelState) -> KernelState:
        return state


class Zero(Layer):
    """The zero map (a 'none' edge in a cell): every kernel is zero."""

    name = "zero"

    def apply(self, state: KernelState) -> KernelState:
        return state.map(torch.zeros_like)


class Dense(Layer):
    """Fully connected layer (on spatial states: the same map per pixel, a 1x1 convolution).  ``width`` is
    descriptive only: infinite-width kernels do not depend on it."""

    name = "dense"

    def __init__(self, width: int | None = None, *, W_std: float = 1.0, b_std: float = 0.0):
        self.width, self.W_std, self.b_std = width, float(W_std), float(b_std)

    def apply(self, state: KernelState) -> KernelState:
        w2, b2 = self.W_std**2, self.b_std**2
        nngp = w2 * state.nngp + b2
        return KernelState(
            nngp=nngp, ntk=nngp + w2 * state.ntk, cov1=w2 * state.cov1 + b2,
            cov2=None if state.cov2 is None else w2 * state.cov2 + b2, layout=state.layout,
        )


class Conv(Layer):
    """2D convolution on NHWC images: ``filter_shape`` (int or (fh, fw)), ``strides``, ``padding`` SAME or
    VALID.  ``channels`` is descriptive only."""

    name = "conv"

    def __init__(self, channels: int | None = None, filter_shape: int | Sequence[int] = 3, *,
                 strides: int | Sequence[int] = 1, padding: str = "SAME", W_std: float = 1.0, b_std: float = 0.0):
        self.channels = channels
        self.filter_shape, self.strides = pair(filter_shape), pair(strides)
        self.padding = check_padding(padding)
        self.W_std, self.b_std = float(W_std), float(b_std)

    def _lin(self, t: torch.Tensor, layout: str) -> torch.Tensor:
        (fh, fw), (sh, sw) = self.filter_shape, self.strides
        if layout == "full":
            t = window_sum_diagonal(t, (-4, -2), fh, sh, self.padding)
            t = window_sum_diagonal(t, (-3, -1), fw, sw, self.padding)
        else:
            t = window_sum_diagonal(t, (-2,), fh, sh, self.padding)
            t = window_sum_diagonal(t, (-1,), fw, sw, self.padding)
        return t / (fh * fw)

    def apply(self, state: KernelState) -> KernelState:
        if state.layout == "flat":
            raise InvalidArgument("conv needs image inputs (N, H, W, C); this state is flat")
        w2, b2 = self.W_std**2, self.b_std**2
        lay = state.layout
        nngp = w2 * self._lin(state.nngp, lay) + b2
        return KernelState(
            nngp=nngp, ntk=nngp + w2 * self._lin(state.ntk, lay), cov1=w2 * self._lin(state.cov1, lay) + b2,
            cov2=None if state.cov2 is None else w2 * self._lin(state.cov2, lay) + b2, layout=lay,
        )
