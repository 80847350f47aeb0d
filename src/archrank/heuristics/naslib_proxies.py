"""Proxies of the zero-cost-nas / NAS-Bench-Suite-Zero code: ``epe_nas``, ``l2_norm`` and ``plain``.

* ``epe_nas`` (Lopes et al. 2021): the input Jacobians J_i = d(sum of outputs of sample i)/dx_i (batch norm
  in training mode; the pass it shares with ``jacob_cov``, :func:`archrank.heuristics.passes.input_jacobian`), grouped by label.  For each class c, with C_c the correlation matrix of its Jacobians,
  s_c = sum of log(|C_c| + 1e-5) over all entries; the score is sum_c |s_c| (for more than 100 classes,
  s_c is divided by the class's sample count and the score is sum_{c,c'} |s_c - s_c'| / #classes).
  Higher is better.  A network whose output does not depend on its input gets -inf.
* ``l2_norm``: sum over conv/linear layers of the Frobenius norm of the weight at initialisation (no data).
* ``plain``: sum over conv/linear weights of W * dL/dW (signed, not absolute), cross-entropy loss, batch
  norm in training mode (the shared ``loss_grads`` pass; :func:`weight_times_grad` is the same alone).

Directions as the zero-cost literature registers them (higher is better for all three), although ``plain``
correlates negatively with accuracy on NAS-Bench-201.  See docs/heuristics-modern-b.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from archrank.heuristics._util import require_targets, weight_layers
from archrank.heuristics.base import ScoreContext, register_heuristic

_K = 1e-5

#: Classifiers of images or feature vectors (a batch in, one row of logits per sample out).
_DOMAINS = ("image", "vector")


# ------------------------------------------------------------------------------------------- epe_nas
def input_jacobians(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor | None:
    """``(N, D)``: row i = d(sum of the outputs of sample i)/d x_i (one backward pass of the output sum);
    None when the output does not depend on the input."""
    x = x.detach().clone()
    with torch.enable_grad():
        x.requires_grad_(True)
        out = model(x).sum()
        if not out.requires_grad:
            return None
        (jac,) = torch.autograd.grad(out, [x], allow_unused=True)
    if jac is None or not bool(jac.any()):
        return None
    return jac.reshape(jac.shape[0], -1)


def per_class_correlation_score(jacobians: np.ndarray, labels: Sequence[int], num_classes: int) -> float:
    """EPE-NAS reduction of per-sample Jacobians grouped by label (see the module docstring)."""
    j = np.asarray(jacobians, dtype=np.float64)
    labels = np.asarray(labels)
    per_class: dict[int, float] = {}
    for c in np.unique(labels):
        rows = j[labels == c]
        with np.errstate(invalid="ignore", divide="ignore"):
            corr = np.atleast_2d(np.corrcoef(rows))
        s = float(np.sum(np.log(np.abs(corr) + _K)))
        if num_classes > 100:
            s /= len(corr)
        per_class[int(c)] = s
    values = np.array(list(per_class.values()))
    if num_classes <= 100:
        return float(np.sum(np.abs(values)))
    return float(np.sum(np.abs(values[:, None] - values[None, :])) / len(values))


@register_heuristic("epe_nas", needs=("data", "labels", "gradients"), reference="Lopes et al., ICANN 2021",
                    domains=_DOMAINS,
                    description="per-class correlation of the input Jacobians at initialisation (EPE-NAS); "
                                "higher is better")
def epe_nas(ctx: ScoreContext) -> float:
    from archrank.heuristics.passes import input_jacobian

    y = require_targets(ctx, "epe_nas")
    jac = input_jacobian(ctx, "epe_nas")
    if jac is None:
        return float("-inf")
    return per_class_correlation_score(jac.cpu().numpy(), y.cpu().numpy(), ctx.num_classes)


# ------------------------------------------------------------------------------------------- l2_norm
def weight_norm_sum(model: torch.nn.Module) -> float:
    """Sum over conv/linear layers of the Frobenius norm of the weight."""
    return float(sum(m.weight.detach().double().norm() for m in weight_layers(model)))


@register_heuristic("l2_norm", needs=(), canonical_invariant=False, domains=None,
                    reference="Abdelfattah et al., ICLR 2021 (zero-cost-nas code)",
                    description="sum over conv/linear layers of the Frobenius norm of the initial weights; "
                                "higher is better")
def l2_norm(ctx: ScoreContext) -> float:
    return weight_norm_sum(ctx.init_model())


# ------------------------------------------------------------------------------------------- plain
def weight_times_grad(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """sum over conv/linear weights W of W * dL/dW (signed) for the cross-entropy loss of the batch."""
    ws = [m.weight for m in weight_layers(model)]
    with torch.enable_grad():
        gs = torch.autograd.grad(F.cross_entropy(model(x), y), ws, allow_unused=True)
    return float(sum((w.detach() * g).double().sum() for w, g in zip(ws, gs) if g is not None))


@register_heuristic("plain", needs=("data", "labels", "gradients"), domains=("image", "vector", "sequence"),
                    reference="Abdelfattah et al., ICLR 2021 (zero-cost-nas code)",
                    description="sum of W * dL/dW over conv/linear weights (signed saliency); registered "
                                "higher-is-better as in the literature, anti-correlated on NB201")
def plain(ctx: ScoreContext) -> float:
    from archrank.heuristics.passes import loss_grads

    p = loss_grads(ctx, "plain")
    return float(sum((w * g).double().sum() for w, g in zip(p.weights, p.grads)))


__all__ = ["input_jacobians", "per_class_correlation_score", "weight_norm_sum", "weight_times_grad"]
