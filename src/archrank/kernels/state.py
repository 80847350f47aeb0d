"""Kernel states: the NNGP and NTK of a pair of input sets at one point of a network, their layouts
(flat, diag, full; see :mod:`archrank.kernels.analytic`) and the state of raw inputs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import torch

from archrank.errors import InvalidArgument

DTYPE = torch.float64
LAYOUT_ORDER = {"flat": 0, "diag": 1, "full": 2}


class Kernels(NamedTuple):
    """The result of a kernel computation: numpy float64 arrays ``(N1, N2)`` (plus spatial axes if the
    network ends before a read-out)."""

    nngp: np.ndarray
    ntk: np.ndarray


@dataclass(frozen=True)
class KernelState:
    """Kernel of a pair of input sets at one point of a network.

    ``nngp``/``ntk``: ``(N1, N2, *S)`` where ``S`` is ``()`` (flat), ``(H, W)`` (diag) or ``(H, W, H, W)``
    (full).  ``cov1``: ``(N1, *S)``, the NNGP of each input of the first set with itself, in the same
    layout; ``cov2`` likewise for the second set, or ``None`` when the two sets are the same inputs.
    """

    nngp: torch.Tensor
    ntk: torch.Tensor
    cov1: torch.Tensor
    cov2: torch.Tensor | None
    layout: str

    @property
    def spatial(self) -> tuple[int, ...]:
        """(H, W) for spatial layouts, () for flat."""
        if self.layout == "flat":
            return ()
        return tuple(self.cov1.shape[1:3])

    @property
    def cov2_or_1(self) -> torch.Tensor:
        return self.cov1 if self.cov2 is None else self.cov2

    def map(self, fn: Callable[[torch.Tensor], torch.Tensor], layout: str | None = None) -> KernelState:
        """Apply the same linear map to nngp, ntk and both self-covariances (which carry one batch axis
        fewer: ``fn`` must act on trailing axes)."""
        return KernelState(
            nngp=fn(self.nngp), ntk=fn(self.ntk), cov1=fn(self.cov1),
            cov2=None if self.cov2 is None else fn(self.cov2), layout=layout or self.layout,
        )

    # broadcast helpers: self-variances aligned with nngp's axes
    def var1(self) -> torch.Tensor:
        v = diag_of(self.cov1, self.layout)
        if self.layout == "full":
            return v[:, None, :, :, None, None]
        return v.reshape(v.shape[0], 1, *v.shape[1:])

    def var2(self) -> torch.Tensor:
        v = diag_of(self.cov2_or_1, self.layout)
        if self.layout == "full":
            return v[None, :, None, None, :, :]
        return v.reshape(1, *v.shape)


def diag_of(cov: torch.Tensor, layout: str) -> torch.Tensor:
    """Same-position variances ``(N, *spatial)`` of a self-covariance in any layout."""
    if layout != "full":
        return cov
    n, h, w = cov.shape[:3]
    return cov.reshape(n, h * w, h * w).diagonal(dim1=1, dim2=2).reshape(n, h, w)


def to_layout(state: KernelState, layout: str) -> KernelState:
    """Reduce a state to a smaller layout (full -> diag); other requests must already hold."""
    if state.layout == layout:
        return state
    if state.layout == "full" and layout == "diag":
        def take(t: torch.Tensor) -> torch.Tensor:
            lead = t.shape[:-4]
            h, w = t.shape[-2:]
            return t.reshape(*lead, h * w, h * w).diagonal(dim1=-2, dim2=-1).reshape(*lead, h, w)
        return state.map(take, "diag")
    raise InvalidArgument(f"cannot turn a {state.layout!r} kernel state into {layout!r}")


def replace_state(state: KernelState, **kw) -> KernelState:
    """``dataclasses.replace`` for kernel states (kept public for layer authors)."""
    return replace(state, **kw)


def as_tensor(x) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x).to(DTYPE)
    if t.dim() not in (2, 4):
        raise InvalidArgument(f"inputs must be (N, D) or images (N, H, W, C); got shape {tuple(t.shape)}")
    return t


def input_state(x1: torch.Tensor, x2: torch.Tensor | None, layout: str) -> KernelState:
    """The kernel state of raw inputs: ``x1 x2^T / d`` (images: per pixel pair, mean over channels)."""
    same = x2 is None
    x2_ = x1 if same else x2
    if x1.dim() == 2:
        d = x1.shape[1]
        nngp = x1 @ x2_.T / d
        cov1 = (x1 * x1).sum(1) / d
        cov2 = None if same else (x2_ * x2_).sum(1) / d
        return KernelState(nngp, torch.zeros_like(nngp), cov1, cov2, "flat")
    c = x1.shape[-1]
    if layout == "full":
        nngp = torch.einsum("ahwc,bijc->abhwij", x1, x2_) / c
        cov1 = torch.einsum("ahwc,aijc->ahwij", x1, x1) / c
        cov2 = None if same else torch.einsum("ahwc,aijc->ahwij", x2_, x2_) / c
    else:
        nngp = torch.einsum("ahwc,bhwc->abhw", x1, x2_) / c
        cov1 = (x1 * x1).sum(-1) / c
        cov2 = None if same else (x2_ * x2_).sum(-1) / c
    return KernelState(nngp, torch.zeros_like(nngp), cov1, cov2, layout)
