"""One block of image pairs on the fast convolutional route: the per-image inputs (patch features and
self-variances), the row-offset slice operators, and :func:`block_readouts`, which carries every slice of
a block through the network and accumulates its read-outs (the method is described in
:mod:`archrank.kernels.cntk`; :mod:`archrank.kernels.cntk_route` drives the blocks)."""

from __future__ import annotations

import math

import torch

from archrank.kernels.cntk_plan import ConvPlan
from archrank.kernels.layer import Layer
from archrank.kernels.linear import Conv, Dense
from archrank.kernels.nonlinear import ABRelu, Nonlinearity
from archrank.kernels.pooling import GlobalAvgPool, LocalAvgPool
from archrank.kernels.state import DTYPE
from archrank.kernels.windows import window_sum_diagonal


# ------------------------------------------------------------------------------------ per-image inputs
def image_patches(x: torch.Tensor, fh: int, fw: int) -> torch.Tensor:
    """Zero-padded (fh, fw) patches of NHWC images: (N, H, W, fh*fw*C)."""
    ph, pw = fh // 2, fw // 2
    xp = torch.nn.functional.pad(x, (0, 0, pw, pw, ph, ph))
    h, w = x.shape[1:3]
    parts = [xp[:, dy:dy + h, dx:dx + w, :] for dy in range(fh) for dx in range(fw)]
    return torch.cat(parts, dim=-1)


def image_features(plan: ConvPlan, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor], torch.Tensor]:
    """(vectors whose pixel-pair dot products give the first kernel, self-variances (N, H, W) at the input
    of each spatial op, self-variances after the body)."""
    c = x.shape[-1]
    if plan.first is not None:
        fh, fw = plan.first.filter_shape
        feats = image_patches(x, fh, fw) * (plan.first.W_std / math.sqrt(c * fh * fw))
    else:
        feats = x / math.sqrt(c)
    v = (feats * feats).sum(-1)
    if plan.first is not None:
        v = v + plan.first.b_std**2
    variances = []
    for op in plan.ops:
        variances.append(v)
        if isinstance(op, Conv):
            (fh, fw) = op.filter_shape
            v = window_sum_diagonal(v, (-2,), fh, 1, "SAME")
            v = op.W_std**2 * window_sum_diagonal(v, (-1,), fw, 1, "SAME") / (fh * fw) + op.b_std**2
        elif isinstance(op, Dense):
            v = op.W_std**2 * v + op.b_std**2
        elif isinstance(op, Nonlinearity):
            v = op.self_expectation(v)
    return feats, variances, v


# ------------------------------------------------------------------------------------- slice operators
def _taps(out: torch.Tensor, t: torch.Tensor, k: int, axes: tuple[int, ...]) -> None:
    """out = sum over shifts d in [-k, k] of t shifted by d along all ``axes`` together (zero padding),
    written into ``out`` (same shape as ``t``) in about k + 1 passes."""

    def sl(start: int | None, stop: int | None) -> tuple[slice, ...]:
        idx = [slice(None)] * t.dim()
        for a in axes:
            idx[a] = slice(start, stop)
        return tuple(idx)

    if k == 0:
        out.copy_(t)
        return
    # positions with a left neighbour: t[x-1] + t[x]; the others (first index on some axis): t[x]
    torch.add(t[sl(None, -1)], t[sl(1, None)], out=out[sl(1, None)])
    for a in axes:
        idx = [slice(None)] * t.dim()
        idx[a] = slice(0, 1)
        out[tuple(idx)] = t[tuple(idx)]
    out[sl(None, -1)] += t[sl(1, None)]
    for d in range(2, k + 1):
        out[sl(d, None)] += t[sl(None, -d)]
        out[sl(None, -d)] += t[sl(d, None)]


def slice_conv(t: torch.Tensor, fh: int, fw: int, tmp: torch.Tensor | None = None) -> torch.Tensor:
    """Diagonal window sum on a slice (R, B1, W, B2, W): rows shift along axis 0, columns of both images
    shift together along axes 2 and 4 (zero padding)."""
    mid = torch.empty_like(t) if tmp is None else tmp
    _taps(mid, t, fh // 2, (0,))
    out = torch.empty_like(t)
    _taps(out, mid, fw // 2, (2, 4))
    return out


def _relu_inplace(nngp: torch.Tensor, ntk: torch.Tensor, s1: torch.Tensor, s2: torch.Tensor,
                  scale: float) -> torch.Tensor:
    """ReLU expectations with few passes; s1, s2 are the standard deviations (broadcastable).  Returns
    ``scale * E[relu(u) relu(v)]``; ``ntk`` becomes ``scale * ntk * E[relu'(u) relu'(v)]`` in place."""
    norm = s1 * s2
    c = nngp.div_(norm).clamp_(-1.0, 1.0)
    theta = torch.arccos(c)
    out = torch.sin(theta)
    # scale * E[relu' relu'] = scale * (pi - theta) / (2 pi)
    u = theta.mul_(-scale / (2 * math.pi)).add_(scale / 2)
    ntk.mul_(u)
    # scale * E[relu relu] = norm * (scale * sin / (2 pi) + u c)
    return out.mul_(scale / (2 * math.pi)).addcmul_(u, c).mul_(norm)


def block_readouts(plan: ConvPlan, fa, fb, va, vb, readouts: dict[str, Layer], *,
                    half_offsets: bool = False) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Flat (nngp, ntk) of one block of image pairs for each named read-out layer.

    ``half_offsets`` (a block of an input set with itself): only row offsets dh >= 0 are computed, and the
    others are recovered from the swapped pairs (K(x, x')[dh] is K(x', x)[-dh] transposed)."""
    b1, h, w, _ = fa.shape
    b2 = fb.shape[0]
    dev = fa.device
    acc = {k: (torch.zeros(b1, b2, dtype=DTYPE, device=dev), torch.zeros(b1, b2, dtype=DTYPE, device=dev))
           for k in readouts}
    zero = {k: (torch.zeros(b1, b2, dtype=DTYPE, device=dev), torch.zeros(b1, b2, dtype=DTYPE, device=dev))
            for k in readouts}
    lapw = {k: tuple(t.to(dev) for t in r.weights(h, w)) for k, r in readouts.items()
            if isinstance(r, LocalAvgPool) and r.c > 0}
    needs_offdiag = any(isinstance(r, GlobalAvgPool) for r in readouts.values()) or bool(lapw)
    offsets = range(1) if not needs_offdiag else range(h) if half_offsets else range(-(h - 1), h)
    first = plan.first
    sds = [(torch.sqrt(a).clamp_min(1e-100), torch.sqrt(b).clamp_min(1e-100)) for a, b in zip(va, vb)]
    eye_w = torch.eye(w, dtype=DTYPE, device=dev)
    ops = plan.ops
    # scale folded into the relu output / ntk update: the W_std^2 / filter size of a following linear op
    fold = []
    for k, op in enumerate(ops):
        nxt = ops[k + 1] if k + 1 < len(ops) else None
        if isinstance(nxt, Conv):
            fold.append(nxt.W_std**2 / (nxt.filter_shape[0] * nxt.filter_shape[1]))
        elif isinstance(nxt, Dense):
            fold.append(nxt.W_std**2)
        else:
            fold.append(1.0)
    for dh in offsets:
        r0, r1 = max(0, -dh), min(h, h - dh)
        a = fa[:, r0:r1].permute(1, 0, 2, 3).reshape(r1 - r0, b1 * w, -1)
        b = fb[:, r0 + dh:r1 + dh].permute(1, 0, 2, 3).reshape(r1 - r0, b2 * w, -1)
        nngp = torch.bmm(a, b.transpose(1, 2)).reshape(r1 - r0, b1, w, b2, w)
        if first is not None:
            if first.b_std:
                nngp.add_(first.b_std**2)
            ntk = nngp.clone()
        else:
            ntk = torch.zeros_like(nngp)
        scaled = False  # whether nngp / ntk already carry the scale of the op about to run
        tmp = torch.empty_like(nngp)
        for k, op in enumerate(ops):
            if isinstance(op, Conv):
                fh, fw = op.filter_shape
                a_ = 1.0 if scaled else op.W_std**2 / (fh * fw)
                new_nngp = slice_conv(nngp, fh, fw, tmp)
                if a_ != 1.0:
                    new_nngp.mul_(a_)
                if op.b_std:
                    new_nngp.add_(op.b_std**2)
                ntk = torch.add(new_nngp, slice_conv(ntk, fh, fw, tmp), alpha=a_)
                nngp = new_nngp
                scaled = False
            elif isinstance(op, Dense):
                a_ = 1.0 if scaled else op.W_std**2
                nngp_new = nngp.mul_(a_).add_(op.b_std**2) if (a_ != 1.0 or op.b_std) else nngp
                ntk = torch.add(nngp_new, ntk, alpha=a_)
                nngp = nngp_new
                scaled = False
            elif isinstance(op, Nonlinearity):
                v1 = va[k][:, r0:r1].permute(1, 0, 2)[:, :, :, None, None]
                v2 = vb[k][:, r0 + dh:r1 + dh].permute(1, 0, 2)[:, None, None, :, :]
                if isinstance(op, ABRelu) and op.a == 0.0 and op.b == 1.0:
                    s1, s2 = sds[k]
                    nngp = _relu_inplace(nngp, ntk, s1[:, r0:r1].permute(1, 0, 2)[:, :, :, None, None],
                                         s2[:, r0 + dh:r1 + dh].permute(1, 0, 2)[:, None, None, :, :],
                                         fold[k])
                    scaled = fold[k] != 1.0
                else:
                    nngp, fdot = op.expectations(nngp, v1, v2)
                    ntk = ntk.mul_(fdot)
                    scaled = False
        for name, r in readouts.items():
            an, at = acc[name]
            if isinstance(r, GlobalAvgPool):
                sn, st = nngp.sum(dim=(0, 2, 4)), ntk.sum(dim=(0, 2, 4))
            elif name in lapw:
                wh, ww = lapw[name]
                rows = wh.diagonal(offset=dh)
                sn = torch.einsum("rawbv,r,wv->ab", nngp, rows, ww)
                st = torch.einsum("rawbv,r,wv->ab", ntk, rows, ww)
            elif dh == 0:  # FC / flatten / LAP with c = 0: same-position pairs
                sn = torch.einsum("rawbv,wv->ab", nngp, eye_w)
                st = torch.einsum("rawbv,wv->ab", ntk, eye_w)
            else:
                continue
            an += sn
            at += st
            if dh == 0:
                zero[name][0].copy_(sn)
                zero[name][1].copy_(st)
    norm = {}
    for name, r in readouts.items():
        if isinstance(r, GlobalAvgPool):
            norm[name] = 1.0 / (h * w) ** 2
        elif name in lapw:
            norm[name] = 1.0
        else:
            norm[name] = 1.0 / (h * w)
    result = {}
    for k, (an, at) in acc.items():
        if half_offsets and needs_offdiag and (k in lapw or isinstance(readouts[k], GlobalAvgPool)):
            zn, zt = zero[k]
            an, at = an + an.T - zn, at + at.T - zt
        result[k] = (an * norm[k], at * norm[k])
    return result
