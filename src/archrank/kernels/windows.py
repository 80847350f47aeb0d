"""Window sums over the spatial axes of kernel tensors: the arithmetic shared by convolution and pooling
layers (:mod:`archrank.kernels.linear`, :mod:`archrank.kernels.pooling`) and the fast route
(:mod:`archrank.kernels.cntk_route`).  ``padding`` is ``"SAME"`` or ``"VALID"``."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from archrank.errors import InvalidArgument


def out_size(n: int, f: int, s: int, padding: str) -> tuple[int, int, int]:
    """(output size, pad before, pad after) with the usual SAME/VALID conventions."""
    if padding == "SAME":
        out = -(-n // s)
        total = max((out - 1) * s + f - n, 0)
        return out, total // 2, total - total // 2
    out = (n - f) // s + 1
    if out < 1:
        raise InvalidArgument(f"window {f} is larger than the input size {n} with VALID padding")
    return out, 0, 0


def pad_axes(t: torch.Tensor, axes: Sequence[int], lo: int, hi: int) -> torch.Tensor:
    if lo == 0 and hi == 0:
        return t
    pad: list[int] = [0] * (2 * t.dim())
    for a in axes:
        a = a % t.dim()
        k = t.dim() - 1 - a
        pad[2 * k], pad[2 * k + 1] = lo, hi
    return torch.nn.functional.pad(t, pad)


def window_sum_diagonal(t: torch.Tensor, axes: Sequence[int], f: int, s: int, padding: str) -> torch.Tensor:
    """Sum over ``d`` in the window of ``t`` shifted by ``d`` along all ``axes`` together (the diagonal
    convolution of a pixel-pair kernel along one spatial dimension)."""
    n = t.shape[axes[0]]
    out, lo, hi = out_size(n, f, s, padding)
    tp = pad_axes(t, axes, lo, hi)
    acc = None
    for d in range(f):
        idx = [slice(None)] * t.dim()
        for a in axes:
            idx[a] = slice(d, d + s * (out - 1) + 1, s)
        piece = tp[tuple(idx)]
        acc = piece.clone() if acc is None else acc.add_(piece)
    assert acc is not None
    return acc


def window_sum_axis(t: torch.Tensor, axis: int, f: int, s: int, padding: str, normalise_edges: bool) -> torch.Tensor:
    """Average over a window along one axis (pooling of one image's coordinate)."""
    n = t.shape[axis]
    out, lo, hi = out_size(n, f, s, padding)
    tp = pad_axes(t, [axis], lo, hi)
    acc = None
    for d in range(f):
        idx = [slice(None)] * t.dim()
        idx[axis] = slice(d, d + s * (out - 1) + 1, s)
        piece = tp[tuple(idx)]
        acc = piece.clone() if acc is None else acc.add_(piece)
    assert acc is not None
    if normalise_edges and (lo or hi):
        ones = torch.ones(n, dtype=t.dtype, device=t.device)
        cnt = window_sum_axis(ones, 0, f, s, padding, False) * f  # real pixels in each window
        shape = [1] * t.dim()
        shape[axis] = out
        return acc / cnt.reshape(shape)
    return acc / f


def pair(v: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    t = tuple(int(a) for a in v)
    if len(t) != 2:
        raise InvalidArgument(f"expected one integer or two (height, width), got {v!r}")
    return t  # type: ignore[return-value]


def check_padding(padding: str) -> str:
    p = padding.upper()
    if p not in ("SAME", "VALID"):
        raise InvalidArgument(f"unknown padding {padding!r}; valid choices: SAME, VALID")
    return p
