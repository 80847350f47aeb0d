"""The fast route for stacks of stride-1 SAME convolutions and nonlinearities with a read-out: row-offset
slices of the pixel-pair kernel, accumulated slice by slice (the method is described in
:mod:`archrank.kernels.cntk`).  :func:`fast_kernels` runs a plan; :func:`fast_route` is the route that
:func:`archrank.kernels.analytic.kernel_fn` takes automatically."""

from __future__ import annotations

import math

import torch

from archrank.errors import InvalidArgument
from archrank.kernels.cntk_plan import ConvPlan, compile_plan
from archrank.kernels.layer import FAST_ROUTES, Layer
from archrank.kernels.linear import Conv, Dense
from archrank.kernels.nonlinear import ABRelu, Nonlinearity
from archrank.kernels.pooling import Flatten, GlobalAvgPool, LocalAvgPool
from archrank.kernels.state import DTYPE, Kernels, KernelState, as_tensor
from archrank.kernels.threads import torch_threads
from archrank.kernels.windows import window_sum_diagonal

BLOCK_BYTES = 3e6  # target size of one slice tensor of a block of image pairs


# ------------------------------------------------------------------------------------ per-image inputs
def _patches(x: torch.Tensor, fh: int, fw: int) -> torch.Tensor:
    """Zero-padded (fh, fw) patches of NHWC images: (N, H, W, fh*fw*C)."""
    ph, pw = fh // 2, fw // 2
    xp = torch.nn.functional.pad(x, (0, 0, pw, pw, ph, ph))
    h, w = x.shape[1:3]
    parts = [xp[:, dy:dy + h, dx:dx + w, :] for dy in range(fh) for dx in range(fw)]
    return torch.cat(parts, dim=-1)


def _features(plan: ConvPlan, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor], torch.Tensor]:
    """(vectors whose pixel-pair dot products give the first kernel, self-variances (N, H, W) at the input
    of each spatial op, self-variances after the body)."""
    c = x.shape[-1]
    if plan.first is not None:
        fh, fw = plan.first.filter_shape
        feats = _patches(x, fh, fw) * (plan.first.W_std / math.sqrt(c * fh * fw))
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


def _slice_conv(t: torch.Tensor, fh: int, fw: int, tmp: torch.Tensor | None = None) -> torch.Tensor:
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


def _block_readouts(plan: ConvPlan, fa, fb, va, vb, readouts: dict[str, Layer], *,
                    half_offsets: bool = False) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Flat (nngp, ntk) of one block of image pairs for each named read-out layer.

    ``half_offsets`` (a block of an input set with itself): only row offsets dh >= 0 are computed, and the
    others are recovered from the swapped pairs (K(x, x')[dh] is K(x', x)[-dh] transposed)."""
    b1, h, w, _ = fa.shape
    b2 = fb.shape[0]
    acc = {k: (torch.zeros(b1, b2, dtype=DTYPE), torch.zeros(b1, b2, dtype=DTYPE)) for k in readouts}
    zero = {k: (torch.zeros(b1, b2, dtype=DTYPE), torch.zeros(b1, b2, dtype=DTYPE)) for k in readouts}
    lapw = {k: r.weights(h, w) for k, r in readouts.items() if isinstance(r, LocalAvgPool) and r.c > 0}
    needs_offdiag = any(isinstance(r, GlobalAvgPool) for r in readouts.values()) or bool(lapw)
    offsets = range(1) if not needs_offdiag else range(h) if half_offsets else range(-(h - 1), h)
    first = plan.first
    sds = [(torch.sqrt(a).clamp_min(1e-100), torch.sqrt(b).clamp_min(1e-100)) for a, b in zip(va, vb)]
    eye_w = torch.eye(w, dtype=DTYPE)
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
                new_nngp = _slice_conv(nngp, fh, fw, tmp)
                if a_ != 1.0:
                    new_nngp.mul_(a_)
                if op.b_std:
                    new_nngp.add_(op.b_std**2)
                ntk = torch.add(new_nngp, _slice_conv(ntk, fh, fw, tmp), alpha=a_)
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


def _auto_block(h: int, w: int, budget_bytes: float | None = None) -> int:
    budget = BLOCK_BYTES if budget_bytes is None else budget_bytes
    return max(1, int(math.sqrt(budget / (8 * h * w * w))))


def fast_kernels(plan: ConvPlan, x1, x2=None, *, readouts: dict[str, Layer] | None = None,
                 block: int | None = None, symmetric: bool = False, threads: int | None = 1) -> dict[str, Kernels]:
    """Kernels of the plan's network (or of the same body with each of ``readouts``) on NHWC images.

    ``x2=None``: ``x1`` with itself.  ``symmetric=True`` (with ``x2``) promises that the result is a
    symmetric matrix (e.g. ``K(X, flip(X))``) so only half the blocks are computed.  The slices are small,
    so the work runs on ``threads`` torch threads (default 1: on a busy machine several threads per small
    operation cost far more in synchronisation than they gain; ``None`` keeps torch's setting)."""
    with torch_threads(threads):
        return _fast_kernels(plan, x1, x2, readouts=readouts, block=block, symmetric=symmetric)


def _fast_kernels(plan, x1, x2, *, readouts, block, symmetric):
    t1 = as_tensor(x1)
    t2 = None if x2 is None else as_tensor(x2)
    if t1.dim() != 4 or (t2 is not None and t2.shape[1:] != t1.shape[1:]):
        raise InvalidArgument(f"the fast convolutional route needs NHWC images of one shape; got {tuple(t1.shape)}"
                              + ("" if t2 is None else f" and {tuple(t2.shape)}"))
    readouts = readouts or {"out": plan.readout}
    f1, v1, vend1 = _features(plan, t1)
    f2, v2, vend2 = (f1, v1, vend1) if t2 is None else _features(plan, t2)
    n1, h, w = t1.shape[:3]
    n2 = n1 if t2 is None else t2.shape[0]
    half = t2 is None or symmetric
    if symmetric and n1 != n2:
        raise InvalidArgument("symmetric=True needs two input sets of the same size")
    b = block or _auto_block(h, w)
    out = {k: (torch.empty(n1, n2, dtype=DTYPE), torch.empty(n1, n2, dtype=DTYPE)) for k in readouts}
    with torch.no_grad():
        for a0 in range(0, n1, b):
            a1 = min(a0 + b, n1)
            for c0 in range(a0 if half else 0, n2, b):
                c1 = min(c0 + b, n2)
                res = _block_readouts(plan, f1[a0:a1], f2[c0:c1], [v[a0:a1] for v in v1], [v[c0:c1] for v in v2],
                                      readouts, half_offsets=t2 is None and a0 == c0)
                for k, (kn, kt) in res.items():
                    on, ot = out[k]
                    on[a0:a1, c0:c1], ot[a0:a1, c0:c1] = kn, kt
                    if half and c0 != a0:
                        on[c0:c1, a0:a1], ot[c0:c1, a0:a1] = kn.T, kt.T
    result = {}
    for k, (kn, kt) in out.items():
        state = KernelState(kn, kt, torch.empty(0), None, "flat")
        if plan.tail:
            state = _apply_tail(plan, readouts[k], state, t1, t2, kn, vend1, vend2, block=b)
        result[k] = Kernels(state.nngp.numpy(), state.ntk.numpy())
    return result


def _self_readout(plan: ConvPlan, readout: Layer, x: torch.Tensor, vend: torch.Tensor, block: int) -> torch.Tensor:
    """Read-out of each image's kernel with itself (the flat variance the tail's nonlinearities need)."""
    if isinstance(readout, Flatten) or (isinstance(readout, LocalAvgPool) and readout.c == 0):
        return vend.mean(dim=(1, 2))
    f, v, _ = _features(plan, x)
    vals = []
    for s in range(0, x.shape[0], block):
        e = min(s + block, x.shape[0])
        for i in range(s, e):
            res = _block_readouts(plan, f[i:i + 1], f[i:i + 1], [t[i:i + 1] for t in v], [t[i:i + 1] for t in v],
                                  {"r": readout})
            vals.append(res["r"][0][0, 0])
    return torch.stack(vals)


def _apply_tail(plan, readout, state, t1, t2, kn, vend1, vend2, *, block):
    needs_var = any(isinstance(lay, Nonlinearity) for lay in plan.tail)
    if needs_var:
        if t2 is None:
            cov1, cov2 = kn.diagonal().clone(), None
        else:
            cov1 = _self_readout(plan, readout, t1, vend1, block)
            cov2 = _self_readout(plan, readout, t2, vend2, block)
    else:
        cov1 = torch.zeros(kn.shape[0], dtype=DTYPE)
        cov2 = None if t2 is None else torch.zeros(kn.shape[1], dtype=DTYPE)
    state = KernelState(state.nngp, state.ntk, cov1, cov2, "flat")
    for lay in plan.tail:
        state = lay.apply(state)
    return state


def fast_route(net: Layer, x1, x2=None, *, method: str = "auto", batch_size: int | None = None,
               threads: int | None = 1) -> Kernels | None:
    """The kernels of ``net`` by the fast route, or None when ``net`` has another shape or (under
    ``method="auto"``) when its read-out is a flatten or a LAP with ``c=0``, which the layer-by-layer route
    computes as cheaply.  Registered in :data:`archrank.kernels.layer.FAST_ROUTES` as ``"cntk"``."""
    plan = compile_plan(net)
    if plan is None:
        return None
    cheap_generic = isinstance(plan.readout, Flatten) or (isinstance(plan.readout, LocalAvgPool) and plan.readout.c == 0)
    if method != "fast" and cheap_generic:
        return None
    return fast_kernels(plan, x1, x2, block=batch_size, threads=threads)["out"]


FAST_ROUTES.register("cntk", fast_route)
