"""NASWOT (Mellor et al. 2021, "Neural Architecture Search without Training") and its Euclidean variant.

Every ReLU unit u gives each sample i of a batch a binary code c_i[u] = [input of u > 0].  With N_A the total
number of ReLU units (summed over every ``nn.ReLU`` module call) and d_H the Hamming distance of codes:
(on networks with other activations, every module of :data:`archrank.heuristics._util.CODE_ACTIVATIONS`
counts, GELU, SiLU, ReLU6, ... with the same code: the sign of the unit's pre-activation)

* ``naswot``:        K_H[i, j] = N_A - d_H(c_i, c_j);        score = log|K_H|
* ``naswot_euclid``: K_E[i, j] = N_A - sqrt(d_H(c_i, c_j));  score = log|K_E|

(log|.| is the log of the absolute determinant, from ``slogdet``; a singular kernel gives -inf, kept as is.)

The kernel is built without storing codes: for one ReLU with codes c (n x units), d_H = s_i + s_j - 2 c c^T
where s holds the number of active units per sample, so each ReLU adds one (n x n) matrix product to a
running sum.  The forward pass runs in inference mode with batch norm on batch statistics.  A tensor that
feeds several ReLU modules (a cell node feeding several ReLU-conv-BN edges) is reduced once and counted for
each module, which gives exactly the per-module sum.  When the input Jacobian (jacob_cov, epe_nas) is
wanted on the same context, its forward (the same model, layout and batch-norm mode, with gradients)
gives the codes: one forward for both (:func:`archrank.heuristics.passes.jacobian_and_codes`).
"""

from __future__ import annotations

import weakref

import numpy as np
import torch

from archrank.heuristics._hooks import run_hooked
from archrank.heuristics._util import activation_modules, require_inputs
from archrank.heuristics.base import ScoreContext, register_heuristic


def _flat(x: torch.Tensor, n: int) -> torch.Tensor:
    """``x`` as (n, units) without a copy where possible; the order of units is irrelevant to distances."""
    if x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
        return x.permute(0, 2, 3, 1).reshape(n, -1)
    return x.reshape(n, -1)


class CodeDistance:
    """Running Hamming statistics of ReLU codes over one batch: ``add(x)`` for each ReLU input ``x``."""

    def __init__(self, n: int, device: torch.device | str = "cpu"):
        self.n = n
        self.gram = torch.zeros((n, n), dtype=torch.float64, device=device)
        self.active = torch.zeros(n, dtype=torch.float64, device=device)
        self.units = 0
        self._seen: dict[int, tuple[weakref.ref, torch.Tensor, torch.Tensor, int]] = {}
        self._buffers: dict[int, torch.Tensor] = {}

    def add(self, x: torch.Tensor) -> None:
        hit = self._seen.get(id(x))
        if hit is not None and hit[0]() is x:
            gram, active, units = hit[1], hit[2], hit[3]
        else:
            flat = _flat(x, self.n)
            units = flat.shape[1]
            buf = self._buffers.get(flat.numel())
            if buf is None:
                buf = self._buffers[flat.numel()] = torch.empty(flat.shape, dtype=torch.float32, device=flat.device)
            c = torch.gt(flat, 0, out=buf.view(flat.shape))
            # float32 products of 0/1 values are exact while a row has fewer than 2**24 units.
            gram = (c @ c.T).double() if units < 2**24 else c.double() @ c.double().T
            active = gram.diagonal().clone()  # c_i . c_i = number of active units of sample i
            self._seen[id(x)] = (weakref.ref(x), gram, active, units)
        self.gram += gram
        self.active += active
        self.units += units

    def hamming(self) -> torch.Tensor:
        """Matrix of Hamming distances between the full codes of the samples (float64)."""
        d = self.active[:, None] + self.active[None, :] - 2.0 * self.gram
        return d.clamp_min_(0.0)


def logabsdet(k: torch.Tensor | np.ndarray) -> float:
    """log|det K| in float64 (-inf for a singular matrix)."""
    if isinstance(k, torch.Tensor):
        k = k.detach().cpu()
    _, ld = np.linalg.slogdet(np.asarray(k, dtype=np.float64))
    return float(ld)


def relu_code_distance(ctx: ScoreContext, name: str = "naswot") -> CodeDistance:
    """Forward one batch through a fresh model of ``ctx`` and return the code statistics of all its ReLUs."""
    x = require_inputs(ctx, name)
    model = ctx.build().train()
    if x.dim() == 4:
        # Channels-last layout: pooling and convolutions are several times faster on CPU in this layout.
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    stats = CodeDistance(x.shape[0], x.device)
    relus = activation_modules(model, name)
    run_hooked(model, x, [m.register_forward_hook(lambda _m, inp, _out: stats.add(inp[0])) for m in relus],
               inference=True)
    return stats


def relu_codes(ctx: ScoreContext, name: str) -> CodeDistance:
    """The shared pass ``relu_codes``: :func:`relu_code_distance` computed once per context (read-only)."""
    from archrank.heuristics import passes

    require_inputs(ctx, name)
    if passes._codes_wanted(ctx) and ctx.computed(("input_jacobian",)) is None:
        # jacob_cov / epe_nas are wanted too: their input-Jacobian forward gives the codes.
        return ctx.shared(("relu_codes",), lambda: _raise_or(passes.jacobian_and_codes(ctx, name)[1]))
    return ctx.shared(("relu_codes",), lambda: relu_code_distance(ctx, name))


def _raise_or(stats: CodeDistance | Exception) -> CodeDistance:
    if isinstance(stats, Exception):
        raise stats
    return stats


def kernel_hamming(stats: CodeDistance) -> torch.Tensor:
    return stats.units - stats.hamming()


def kernel_euclid(stats: CodeDistance) -> torch.Tensor:
    return stats.units - stats.hamming().sqrt()


@register_heuristic("naswot", domains=("image",), needs=("data",), reference="Mellor et al., ICML 2021")
def naswot(ctx: ScoreContext) -> float:
    """log|K_H|, K_H = N_A - Hamming distance of the binary ReLU codes of a batch (Mellor et al. 2021)."""
    return logabsdet(kernel_hamming(relu_codes(ctx, "naswot")))


@register_heuristic("naswot_euclid", domains=("image",), needs=("data",),
                    reference="Mellor et al., ICML 2021 (variant: square-root Hamming distance)")
def naswot_euclid(ctx: ScoreContext) -> float:
    """log|K_E|, K_E = N_A - sqrt(Hamming distance) of the binary ReLU codes of a batch."""
    return logabsdet(kernel_euclid(relu_codes(ctx, "naswot_euclid")))
