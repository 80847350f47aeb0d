"""Statistics of loss gradients at initialisation: ``gradsign``, ``knas`` and ``nasi``.

All three use the scoring batch with its labels, the cross-entropy loss, batch norm in training mode and
the convolution / linear weights only (as the zero-cost proxies do).  ``gradsign`` and ``knas`` reduce the
per-sample gradients of :mod:`archrank.heuristics.per_sample` (each image run alone); ``nasi`` uses the
gradient of the batch loss.  Definitions, formulas and the choices made: docs/heuristics-modern-b.md.

* ``gradsign`` (Zhang & Jia, ICLR 2022): sum over weights p of |sum_i sign(g_i[p])|: how many samples agree
  on the direction in which each weight should move.  Higher is better.
* ``knas`` (Xu et al., ICML 2021): mean of the Gram matrix G_ij = <g_i, g_j> of the per-sample gradients,
  which equals ||mean_i g_i||^2 (the fast form, from one backward pass).  Higher is better.
* ``nasi`` (Shu et al., ICLR 2022): T = ||dL/dtheta||^2 of the batch loss approximates the trace norm of the
  NTK; the score is T - mu * max(0, T - nu) (the penalised form of NASI's constraint T < nu; by default
  nu = inf, i.e. T itself).  Higher is better.
"""

from __future__ import annotations

import math

import torch

from archrank.heuristics import passes
from archrank.heuristics._util import require_inputs, require_targets
from archrank.heuristics.base import ScoreContext, register_heuristic

_NEEDS = ("data", "labels", "gradients")

#: Classifiers of images or feature vectors (a batch in, one row of logits per sample out).
_DOMAINS = ("image", "vector")


def _batch(ctx: ScoreContext, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    return require_inputs(ctx, name), require_targets(ctx, name)


# ------------------------------------------------------------------------------------------- gradsign
def sign_agreement(grads: torch.Tensor) -> float:
    """GradSign reduction of an ``(N, P)`` per-sample gradient matrix: sum_p |sum_i sign(g_ip)|."""
    return _abs_total((torch.sign(grads).sum(0),))


def _abs_total(sign_sums) -> float:
    """sum_p |s_p| over blocks of per-weight sign sums (integers, so the blocking changes nothing)."""
    return float(sum(t.abs().double().sum() for t in sign_sums))


@register_heuristic("gradsign", needs=_NEEDS, reference="Zhang & Jia, ICLR 2022", domains=_DOMAINS,
                    description="sum over weights of |sum over samples of sign(per-sample loss gradient)| "
                                "(GradSign); higher is better")
def gradsign(ctx: ScoreContext) -> float:
    return _abs_total(passes.per_sample_grads(ctx, "gradsign").sign_sums)  # exactly sign_agreement's value


# ------------------------------------------------------------------------------------------- knas
def gram_mean(grads: torch.Tensor) -> float:
    """Reference KNAS reduction: the mean of the Gram matrix ``grads @ grads.T`` (formed explicitly)."""
    g = grads.double()
    return float((g @ g.T).mean())


def gram_mean_from_sum(summed: torch.Tensor, n: int) -> float:
    """The same value from the summed gradient: mean_ij <g_i, g_j> = ||sum_i g_i||^2 / n^2."""
    s = summed.double()
    return float((s @ s) / (n * n))


@register_heuristic("knas", needs=_NEEDS, reference="Xu et al., ICML 2021", domains=_DOMAINS,
                    description="mean of the Gram matrix of per-sample loss gradients at initialisation "
                                "(KNAS); higher is better")
def knas(ctx: ScoreContext) -> float:
    x, _ = _batch(ctx, "knas")
    return gram_mean_from_sum(passes.summed_sample_grad(ctx, "knas"), x.shape[0])


# ------------------------------------------------------------------------------------------- nasi
def batch_grad_sq_norm(ctx: ScoreContext, name: str) -> float:
    """||dL/dW||^2 over the conv/linear weights W of the mean cross-entropy loss of the whole batch (the
    shared ``loss_grads`` pass)."""
    return float(sum(g.double().pow(2).sum() for g in passes.loss_grads(ctx, name).grads))


def nasi_objective(trace: float, mu: float = 1.0, nu: float = math.inf) -> float:
    """NASI's penalised objective ``T - mu * max(0, T - nu)`` for an NTK trace-norm estimate ``T``."""
    return trace - mu * max(0.0, trace - nu) if math.isfinite(nu) else trace


@register_heuristic("nasi", needs=_NEEDS, reference="Shu et al., ICLR 2022", domains=_DOMAINS,
                    description="NTK trace-norm estimate ||dL/dtheta||^2 at initialisation with NASI's "
                                "penalty mu*max(0, T-nu) (extras nasi_mu, nasi_nu); higher is better")
def nasi(ctx: ScoreContext) -> float:
    t = batch_grad_sq_norm(ctx, "nasi")
    return nasi_objective(t, float(ctx.extras.get("nasi_mu", 1.0)), float(ctx.extras.get("nasi_nu", math.inf)))


__all__ = ["batch_grad_sq_norm", "gram_mean", "gram_mean_from_sum", "nasi_objective", "sign_agreement"]
