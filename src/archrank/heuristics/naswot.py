"""NASWOT (Mellor et al. 2021, "Neural Architecture Search without Training") and its Euclidean variant.

Every ReLU unit u gives each sample i of a batch a binary code c_i[u] = [input of u > 0].  With N_A the total
number of ReLU units (summed over every ``nn.ReLU`` module call) and d_H the Hamming distance of codes:
(on networks with other activations, every module of :data:`archrank.heuristics._util.CODE_ACTIVATIONS`
counts, GELU, SiLU, ReLU6, ... with the same code: the sign of the unit's pre-activation; on a network with
no such module, every call of an activation function, ``F.relu``, ``torch.relu``, ``F.gelu``, ... counts:
:mod:`archrank.heuristics._activations`)

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

import numpy as np
import torch

from archrank.heuristics._activations import activation_calls
from archrank.heuristics._codes import CodeDistance
from archrank.heuristics._util import require_inputs
from archrank.heuristics.base import ScoreContext, register_heuristic


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
    activation_calls(model, x, name, lambda inp, _out: stats.add(inp), inference=True)
    return stats


def relu_codes(ctx: ScoreContext, name: str) -> CodeDistance:
    """The shared pass ``relu_codes``: :func:`relu_code_distance` computed once per context (read-only)."""
    from archrank.heuristics import passes

    require_inputs(ctx, name)
    if passes._codes_wanted(ctx) and (ctx.computed(("input_jacobian",)) is None
                                      or ctx.computed(("input_jacobian_codes",)) is not None):
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
