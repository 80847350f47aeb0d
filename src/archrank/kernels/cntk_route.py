"""The fast route for stacks of stride-1 SAME convolutions and nonlinearities with a read-out: row-offset
slices of the pixel-pair kernel, accumulated slice by slice (the method is described in
:mod:`archrank.kernels.cntk`; one block of image pairs is :func:`archrank.kernels.cntk_block.block_readouts`).
:func:`fast_kernels` runs a plan over all blocks; :func:`fast_route` is the route that
:func:`archrank.kernels.analytic.kernel_fn` takes automatically."""

from __future__ import annotations

import math

import torch

from archrank.errors import InvalidArgument
from archrank.kernels.cntk_block import block_readouts, image_features
from archrank.kernels.cntk_plan import ConvPlan, compile_plan
from archrank.kernels.layer import FAST_ROUTES, Layer, Progress
from archrank.kernels.nonlinear import Nonlinearity
from archrank.kernels.pooling import Flatten, LocalAvgPool
from archrank.kernels.state import DTYPE, Kernels, KernelState, as_tensor
from archrank.kernels.threads import torch_threads

BLOCK_BYTES = 3e6  # target size of one slice tensor of a block of image pairs


def _auto_block(h: int, w: int, budget_bytes: float | None = None) -> int:
    budget = BLOCK_BYTES if budget_bytes is None else budget_bytes
    return max(1, int(math.sqrt(budget / (8 * h * w * w))))


def block_count(shape1: tuple[int, ...], n2: int | None, block: int | None, *, half: bool) -> int:
    """How many blocks :func:`fast_kernels` computes for NHWC inputs of ``shape1`` against ``n2`` images
    (``None``: the first set with itself), ``block`` images per side (None: automatic); ``half``: only the
    blocks on and above the diagonal (an input set with itself, or ``symmetric=True``)."""
    n1, h, w = shape1[:3]
    b = block or _auto_block(h, w)
    nb1, nb2 = -(-n1 // b), -(-(n1 if n2 is None else n2) // b)
    return nb1 * (nb1 + 1) // 2 if half else nb1 * nb2


def fast_kernels(plan: ConvPlan, x1, x2=None, *, readouts: dict[str, Layer] | None = None,
                 block: int | None = None, symmetric: bool = False, threads: int | None = 1,
                 progress: Progress | None = None, device: str | torch.device | None = None) -> dict[str, Kernels]:
    """Kernels of the plan's network (or of the same body with each of ``readouts``) on NHWC images.

    ``x2=None``: ``x1`` with itself.  ``symmetric=True`` (with ``x2``) promises that the result is a
    symmetric matrix (e.g. ``K(X, flip(X))``) so only half the blocks are computed.  The slices are small,
    so the work runs on ``threads`` torch threads (default 1: on a busy machine several threads per small
    operation cost far more in synchronisation than they gain; ``None`` keeps torch's setting).

    ``progress(done, total)`` is called after each block of image pairs (the last call has ``done ==
    total``) and changes no value.  ``device`` (default: the CPU) is where the blocks are computed; the
    kernels come back as numpy arrays."""
    with torch_threads(threads):
        return _fast_kernels(plan, x1, x2, readouts=readouts, block=block, symmetric=symmetric,
                             progress=progress, device=torch.device("cpu" if device is None else device))


def _fast_kernels(plan, x1, x2, *, readouts, block, symmetric, progress, device):
    t1 = as_tensor(x1).to(device)
    t2 = None if x2 is None else as_tensor(x2).to(device)
    if t1.dim() != 4 or (t2 is not None and t2.shape[1:] != t1.shape[1:]):
        raise InvalidArgument(f"the fast convolutional route needs NHWC images of one shape; got {tuple(t1.shape)}"
                              + ("" if t2 is None else f" and {tuple(t2.shape)}"))
    readouts = readouts or {"out": plan.readout}
    f1, v1, vend1 = image_features(plan, t1)
    f2, v2, vend2 = (f1, v1, vend1) if t2 is None else image_features(plan, t2)
    n1, h, w = t1.shape[:3]
    n2 = n1 if t2 is None else t2.shape[0]
    half = t2 is None or symmetric
    if symmetric and n1 != n2:
        raise InvalidArgument("symmetric=True needs two input sets of the same size")
    b = block or _auto_block(h, w)
    out = {k: (torch.empty(n1, n2, dtype=DTYPE, device=device), torch.empty(n1, n2, dtype=DTYPE, device=device))
           for k in readouts}
    total = block_count(tuple(t1.shape), None if t2 is None else n2, b, half=half)
    done = 0
    with torch.no_grad():
        for a0 in range(0, n1, b):
            a1 = min(a0 + b, n1)
            for c0 in range(a0 if half else 0, n2, b):
                c1 = min(c0 + b, n2)
                res = block_readouts(plan, f1[a0:a1], f2[c0:c1], [v[a0:a1] for v in v1], [v[c0:c1] for v in v2],
                                      readouts, half_offsets=t2 is None and a0 == c0)
                for k, (kn, kt) in res.items():
                    on, ot = out[k]
                    on[a0:a1, c0:c1], ot[a0:a1, c0:c1] = kn, kt
                    if half and c0 != a0:
                        on[c0:c1, a0:a1], ot[c0:c1, a0:a1] = kn.T, kt.T
                done += 1
                if progress is not None:
                    progress(done, total)
    result = {}
    for k, (kn, kt) in out.items():
        state = KernelState(kn, kt, torch.empty(0, device=device), None, "flat")
        if plan.tail:
            state = _apply_tail(plan, readouts[k], state, t1, t2, kn, vend1, vend2, block=b)
        result[k] = Kernels(state.nngp.cpu().numpy(), state.ntk.cpu().numpy())
    return result


def _self_readout(plan: ConvPlan, readout: Layer, x: torch.Tensor, vend: torch.Tensor, block: int) -> torch.Tensor:
    """Read-out of each image's kernel with itself (the flat variance the tail's nonlinearities need)."""
    if isinstance(readout, Flatten) or (isinstance(readout, LocalAvgPool) and readout.c == 0):
        return vend.mean(dim=(1, 2))
    f, v, _ = image_features(plan, x)
    vals = []
    for s in range(0, x.shape[0], block):
        e = min(s + block, x.shape[0])
        for i in range(s, e):
            res = block_readouts(plan, f[i:i + 1], f[i:i + 1], [t[i:i + 1] for t in v], [t[i:i + 1] for t in v],
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
        cov1 = torch.zeros(kn.shape[0], dtype=DTYPE, device=kn.device)
        cov2 = None if t2 is None else torch.zeros(kn.shape[1], dtype=DTYPE, device=kn.device)
    state = KernelState(state.nngp, state.ntk, cov1, cov2, "flat")
    for lay in plan.tail:
        state = lay.apply(state)
    return state


def fast_route(net: Layer, x1, x2=None, *, method: str = "auto", batch_size: int | None = None,
               threads: int | None = 1, progress: Progress | None = None,
               device: str | torch.device | None = None) -> Kernels | None:
    """The kernels of ``net`` by the fast route, or None when ``net`` has another shape or (under
    ``method="auto"``) when its read-out is a flatten or a LAP with ``c=0``, which the layer-by-layer route
    computes as cheaply.  Registered in :data:`archrank.kernels.layer.FAST_ROUTES` as ``"cntk"``."""
    plan = compile_plan(net)
    if plan is None:
        return None
    cheap_generic = isinstance(plan.readout, Flatten) or (isinstance(plan.readout, LocalAvgPool) and plan.readout.c == 0)
    if method != "fast" and cheap_generic:
        return None
    return fast_kernels(plan, x1, x2, block=batch_size, threads=threads, progress=progress, device=device)["out"]


FAST_ROUTES.register("cntk", fast_route)
