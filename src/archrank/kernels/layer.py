"""The kernel-layer protocol (:class:`Layer`) and the driver that evaluates a network on inputs
(:func:`kernel_fn`, blocked over inputs so memory stays bounded; calling a layer is the same)."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from archrank.errors import InvalidArgument
from archrank.kernels.state import DTYPE, Kernels, KernelState, as_tensor, input_state, to_layout
from archrank.kernels.threads import torch_threads
from archrank.registry import Registry


class Layer:
    """Base of all kernel layers: ``apply`` maps a state to the next one; ``input_layout`` says which
    layout the layer needs at its input to deliver ``out`` at its output."""

    name = "layer"

    def apply(self, state: KernelState) -> KernelState:
        raise NotImplementedError

    def input_layout(self, out: str) -> str:
        return out

    def __call__(self, x1, x2=None, **kw) -> Kernels:
        return kernel_fn(self, x1, x2, **kw)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


#: A progress callback: ``progress(blocks_done, blocks_total)``, called once after each block is computed.
Progress = Callable[[int, int], None]

#: Faster routes for networks of special shapes, keyed by name.  Each is
#: ``route(net, x1, x2, *, method, batch_size, threads, progress, device) -> Kernels | None`` (None: not this
#: route's shape, or the layer-by-layer route is cheaper under ``method="auto"``).  The CNTK route of
#: :mod:`archrank.kernels.cntk_route` is registered lazily, so :func:`kernel_fn` finds it without the caller
#: importing that module.
FAST_ROUTES: Registry[Callable[..., Kernels | None]] = Registry("fast kernel route")
FAST_ROUTES.register_lazy("cntk", "archrank.kernels.cntk_route:fast_route")


def _auto_batch(x: torch.Tensor, layout: str, budget_bytes: float = 2.5e8) -> int:
    per_pair = 1 if x.dim() == 2 else (x.shape[1] * x.shape[2]) ** (2 if layout == "full" else 1)
    b = int(math.sqrt(budget_bytes / (8 * 10 * per_pair)))
    return max(1, min(b, x.shape[0]))


def kernel_fn(net: Layer, x1, x2=None, *, batch_size: int | None = None, spatial_out: str = "diag",
              method: str = "auto", threads: int | None = 1, progress: Progress | None = None,
              device: str | torch.device | None = None) -> Kernels:
    """NNGP and NTK of ``net`` between ``x1`` and ``x2`` (``x2=None``: ``x1`` with itself, symmetric).

    Works in blocks of ``batch_size`` inputs per side (auto: keeps each block's tensors near 250 MB), so
    memory stays bounded as the number of inputs grows.  ``spatial_out`` ("diag" or "full") is the layout
    returned when the network ends on a spatial representation.

    ``method``: ``"auto"`` sends stacks of stride-1 SAME convolutions and nonlinearities with a GAP or LAP
    read-out to the fast route of :mod:`archrank.kernels.cntk_route` (same values, far less time and memory);
    ``"generic"`` always uses the layer-by-layer route here; ``"fast"`` insists on the fast route.
    ``threads``: torch intra-op threads used meanwhile (default 1, restored afterwards: the operations are
    small and many, and on a shared machine several threads per operation cost more than they gain;
    ``None`` keeps torch's setting).

    ``progress(done, total)`` is called after each block of input pairs (``total`` blocks in all, the last
    call has ``done == total``); it only observes, the values are the same without it.  ``device`` (a torch
    device such as ``"cpu"`` or ``"cuda:0"``; default: the CPU) is where the blocks are computed; the
    result is always a pair of numpy arrays."""
    if method not in ("auto", "generic", "fast"):
        raise InvalidArgument(f"unknown method {method!r}; valid choices: auto, generic, fast")
    t1 = as_tensor(x1)
    if method != "generic" and t1.dim() == 4:
        for route in FAST_ROUTES.names():
            out = FAST_ROUTES.get(route)(net, x1, x2, method=method, batch_size=batch_size, threads=threads,
                                         progress=progress, device=device)
            if out is not None:
                return out
        if method == "fast":
            raise InvalidArgument("this network has no fast route (it needs stride-1 SAME convolutions with odd "
                                  "filters, dense layers and nonlinearities, then a flatten/GAP/LAP read-out)")
    dev = torch.device("cpu" if device is None else device)
    t1 = t1.to(dev)
    t2 = None if x2 is None else as_tensor(x2).to(dev)
    if t2 is not None and t1.shape[1:] != t2.shape[1:]:
        raise InvalidArgument(f"x1 and x2 have different input shapes {tuple(t1.shape[1:])} and {tuple(t2.shape[1:])}")
    if spatial_out not in ("diag", "full"):
        raise InvalidArgument(f"unknown spatial_out {spatial_out!r}; valid choices: diag, full")
    layout = "flat" if t1.dim() == 2 else net.input_layout("flat")
    if layout == "flat" and t1.dim() == 4:  # network does not reduce space: keep the requested layout
        layout = net.input_layout(spatial_out)
        layout = "diag" if layout == "flat" else layout
    b = batch_size or _auto_batch(t1, layout)
    n1 = t1.shape[0]
    n2 = n1 if t2 is None else t2.shape[0]
    blocks1 = [(s, min(s + b, n1)) for s in range(0, n1, b)]
    blocks2 = blocks1 if t2 is None else [(s, min(s + b, n2)) for s in range(0, n2, b)]
    total = len(blocks1) * (len(blocks1) + 1) // 2 if t2 is None else len(blocks1) * len(blocks2)
    done = 0
    out_nngp = out_ntk = None
    with torch.no_grad(), torch_threads(threads):
        for i, (a0, a1) in enumerate(blocks1):
            for j, (c0, c1) in enumerate(blocks2):
                if t2 is None and j < i:
                    continue
                xa = t1[a0:a1]
                if t2 is None and i == j:
                    st = input_state(xa, None, layout)
                else:
                    st = input_state(xa, (t1 if t2 is None else t2)[c0:c1], layout)
                st = net.apply(st)
                if st.layout == "full" and spatial_out == "diag":
                    st = to_layout(st, "diag")
                nngp, ntk = st.nngp.cpu(), st.ntk.cpu()  # the result is gathered on the CPU
                if out_nngp is None:
                    out_nngp = torch.empty((n1, n2, *nngp.shape[2:]), dtype=DTYPE)
                    out_ntk = torch.empty_like(out_nngp)
                out_nngp[a0:a1, c0:c1] = nngp
                out_ntk[a0:a1, c0:c1] = ntk
                if t2 is None and j > i:
                    out_nngp[c0:c1, a0:a1] = _swap(nngp)
                    out_ntk[c0:c1, a0:a1] = _swap(ntk)
                done += 1
                if progress is not None:
                    progress(done, total)
    assert out_nngp is not None and out_ntk is not None
    return Kernels(out_nngp.numpy(), out_ntk.numpy())


def _swap(t: torch.Tensor) -> torch.Tensor:
    """Transpose a cross kernel block: swap the two inputs (and their pixel coordinates in full layout)."""
    t = t.transpose(0, 1)
    if t.dim() == 6:
        t = t.permute(0, 1, 4, 5, 2, 3)
    return t
