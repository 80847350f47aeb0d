"""SWAP (Peng et al., ICLR 2024, "SWAP-NAS: Sample-Wise Activation Patterns for Ultra-fast NAS").

A batch of N samples goes through the network.  Every ReLU unit u (every element of the output of every
``nn.ReLU`` call on a 4-D input) has a *sample-wise* pattern: the N-bit vector [output of u on sample n > 0].
SWAP is the number of distinct patterns over all units, so 1 <= SWAP <= min(#units, 2**N).

``swap_reg`` multiplies SWAP by the parameter regulariser f(P) = exp(-(P - mu)**2 / sigma), P the number of
parameters in thousands.  The value registered is its logarithm, log(SWAP) - (P - mu)**2 / sigma, which ranks
identically and cannot underflow to 0.  mu and sigma come from ``ctx.extras['swap_mu']`` /
``['swap_sigma']``; otherwise, for a space of independent per-edge operation choices (NB201), mu is the
largest and sigma the mean parameter count of the space (in thousands), as in the automatic setting of the
public ports.  The authors' repository leaves both to the user.

Following the authors' code: weights are re-initialised N(0, 1) (biases 0, batch norm 1/0), batch norm uses
batch statistics, the batch is the first ``samples`` images of the context's batch (the authors' default is
16), and the score is the mean over ``repeats`` re-initialisations (authors: 32; here 1 by default, each
repeat seeded from ``ctx.seed``).

Fast form: each unit's N-bit pattern is packed into int64 words and the words are de-duplicated
(a flat sort of one word per unit for up to 62 samples, whole rows as byte strings beyond); the
reference form (:func:`swap_reference`) de-duplicates the transposed sign matrix with ``torch.unique``.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.heuristics._activations import activation_calls
from archrank.heuristics._hooks import gaussian_init
from archrank.heuristics._util import PerSpace, require_inputs
from archrank.heuristics.base import ScoreContext, member_value, register_heuristic

DEFAULT_SAMPLES = 16
_WORD = 62  # bits per packed int64 word


def relu_outputs(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """Outputs of every ``nn.ReLU`` call on a 4-D input (a feature map) or a 3-D one (the tokens of a vision
    transformer or an MLP-Mixer), in call order; on networks with other activations, of every code
    activation (:func:`~archrank.heuristics._activations.activation_calls`, modules or functions: its output is positive exactly where
    its pre-activation is)."""
    feats: list[torch.Tensor] = []

    def keep(inp: torch.Tensor, out: torch.Tensor) -> None:
        if inp.dim() in (3, 4):
            feats.append(out.detach())

    activation_calls(model, x, "swap", keep)
    return feats


def packed_patterns(feats: list[torch.Tensor]) -> torch.Tensor:
    """(units x words) int64: each unit's sample-wise activation bits packed into words of 62 bits."""
    n = feats[0].shape[0]
    weights = [(1 << torch.arange(min(_WORD, n - s), dtype=torch.int64)) for s in range(0, n, _WORD)]
    blocks = []
    for f in feats:
        bits = (f.reshape(n, -1) > 0).to(torch.int64)  # samples x units
        blocks.append(torch.stack([(bits[s:s + len(w)] * w[:, None]).sum(0)
                                   for s, w in zip(range(0, n, _WORD), weights)], dim=1))
    return torch.cat(blocks, dim=0)


def swap_count(feats: list[torch.Tensor]) -> int:
    """Number of distinct sample-wise activation patterns (fast form)."""
    if not feats:
        return 0
    codes = packed_patterns(feats)
    if codes.shape[1] == 1:  # one word per unit: a flat sort (``torch.unique(..., dim=0)`` is far slower)
        return int(torch.unique(codes[:, 0]).shape[0])
    rows = np.ascontiguousarray(codes.numpy())  # several words: de-duplicate whole rows as byte strings
    return int(np.unique(rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1])))).shape[0])


def swap_reference(feats: list[torch.Tensor]) -> int:
    """The authors' form: concatenate, take signs, transpose to (units x samples), count distinct rows."""
    if not feats:
        return 0
    n = feats[0].shape[0]
    acts = torch.sign(torch.cat([f.reshape(n, -1) for f in feats], dim=1))
    return int(torch.unique(acts.T, dim=0).shape[0])


def swap_score(ctx: ScoreContext, *, samples: int = DEFAULT_SAMPLES, repeats: int = 1) -> float:
    """Mean over ``repeats`` Gaussian re-initialisations of the SWAP count (shared pass ``swap_count``:
    ``swap_reg`` reads the count ``swap`` computed)."""
    x = require_inputs(ctx, "swap")[:samples]

    def compute() -> float:
        counts = []
        for r in range(repeats):
            model = gaussian_init(ctx.build().train(), ctx.seed * 7919 + r)
            counts.append(swap_count(relu_outputs(model, x)))
        return float(sum(counts) / len(counts))

    return ctx.shared(("swap_count", samples, repeats), compute)


_PRIORS = PerSpace()


def space_param_prior(ctx: ScoreContext) -> tuple[float, float]:
    """(largest, mean) parameter count in thousands over a space of independent uniform per-edge operation
    choices: parameters add over edges, so both follow from the networks with one operation on every edge."""
    from archrank.models.registry import build_model

    ops = tuple(getattr(ctx.space, "ops", ()) or ())
    arch = ctx.arch
    if not ops or not isinstance(arch, tuple) or not all(a in ops for a in arch):
        raise InvalidArgument(f"swap_reg needs extras 'swap_mu' and 'swap_sigma' for space "
                              f"{getattr(ctx.space, 'name', ctx.space)!r} (no per-edge operation menu)")
    cache = _PRIORS.of(ctx.space)
    key = (len(arch), ops, ctx.num_classes, tuple(sorted(ctx.model_kwargs.items())))
    if key not in cache:
        def count(op: str) -> float:
            m = build_model(ctx.space, (op,) * len(arch), ctx.num_classes, seed=0, **ctx.model_kwargs)
            return sum(p.numel() for p in m.parameters()) / 1e3

        per_op = {op: count(op) for op in ops}
        base = min(per_op.values())
        cache[key] = (max(per_op.values()), base + sum(v - base for v in per_op.values()) / len(ops))
    return cache[key]


def log_param_regulariser(params_k: float, mu: float, sigma: float) -> float:
    """log f(P) = -(P - mu)**2 / sigma (P, mu in thousands of parameters)."""
    if sigma <= 0:
        raise InvalidArgument(f"swap_reg needs sigma > 0, got {sigma}")
    return -((params_k - mu) ** 2) / sigma


@register_heuristic("swap", needs=("data",), reference="Peng et al., ICLR 2024", domains=("image",))
def swap(ctx: ScoreContext) -> float:
    """Number of distinct sample-wise ReLU activation patterns over 16 samples (Gaussian re-init)."""
    return swap_score(ctx, samples=int(ctx.extras.get("swap_samples", DEFAULT_SAMPLES)),
                      repeats=int(ctx.extras.get("swap_repeats", 1)))


def has_edge_menu(space) -> str | None:
    """None when the architectures of ``space`` are tuples of per-edge operations from ``space.ops`` (what
    the parameter prior of :func:`space_param_prior` needs), else the reason."""
    import numpy as np

    ops = tuple(getattr(space, "ops", ()) or ())
    try:
        arch = space.sample(np.random.default_rng(0)) if ops else None
    except Exception:  # noqa: BLE001 - a space that cannot sample has no usable menu either
        arch = None
    if ops and isinstance(arch, tuple) and all(a in ops for a in arch):
        return None
    return "its parameter prior needs a per-edge operation menu (or extras 'swap_mu' and 'swap_sigma')"


@register_heuristic("swap_reg", needs=("data",), reference="Peng et al., ICLR 2024", domains=("image",),
                    canonical_invariant=False, space_check=has_edge_menu)
def swap_reg(ctx: ScoreContext) -> float:
    """log(SWAP * exp(-(P - mu)^2 / sigma)), P = parameters in thousands (mu/sigma: extras or space prior)."""
    s = member_value(ctx, "swap")
    if "swap_mu" in ctx.extras and "swap_sigma" in ctx.extras:
        mu, sigma = float(ctx.extras["swap_mu"]), float(ctx.extras["swap_sigma"])
    else:
        mu, sigma = space_param_prior(ctx)
    p = sum(q.numel() for q in ctx.init_model().parameters()) / 1e3
    return (math.log(s) if s > 0 else -math.inf) + log_param_regulariser(p, mu, sigma)
