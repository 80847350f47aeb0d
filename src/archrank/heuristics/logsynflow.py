"""LogSynflow (Cavagnero et al. 2022, FreeREA): synaptic flow with log-scaled gradients.

The pass is synflow's (:mod:`archrank.heuristics.synflow`): on a float64 copy of the fresh network with every
parameter and buffer replaced by its absolute value and batch norm removed, R = sum of the outputs for one
all-ones input, and the gradients g = dR/dW of the conv/linear weights W.  Synflow reduces them to
sum |W * g|; LogSynflow to sum |W * log(1 + g)| (g >= 0 here; |g| in general), which keeps the very large gradients of
deep, wide networks from dominating the sum.  No data is needed (only the input shape); higher is better.
"""

from __future__ import annotations

import torch

from archrank.heuristics._util import input_shape, remove_batchnorm, weight_layers
from archrank.heuristics.base import ScoreContext, register_heuristic

#: Classifiers of images or feature vectors (a batch in, one row of logits per sample out).
_DOMAINS = ("image", "vector")


def synflow_pass(ctx: ScoreContext, name: str = "logsynflow"
                 ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """(weights, gradients dR/dW) of the |W| network (float64, no batch norm) on one all-ones input;
    a weight that does not reach the output gets a zero gradient."""
    model = remove_batchnorm(ctx.build()).double().train()
    with torch.no_grad():
        for p in model.state_dict().values():
            if p.is_floating_point():
                p.abs_()
    ws = [m.weight for m in weight_layers(model)]
    x = torch.ones((1, *input_shape(ctx, name)), dtype=torch.float64, device=ws[0].device if ws else "cpu")
    with torch.enable_grad():
        r = model(x).sum()
        gs = torch.autograd.grad(r, ws, allow_unused=True) if r.requires_grad else [None] * len(ws)
    return [w.detach() for w in ws], [torch.zeros_like(w) if g is None else g for w, g in zip(ws, gs)]


def synflow_abs(ctx: ScoreContext, name: str) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
    """The shared pass ``synflow_abs``: :func:`synflow_pass` computed once per context (read-only tuples)."""
    def compute():
        ws, gs = synflow_pass(ctx, name)
        return tuple(ws), tuple(g.detach() for g in gs)

    return ctx.shared(("synflow_abs",), compute)


def log_flow(weights: list[torch.Tensor], grads: list[torch.Tensor]) -> float:
    """sum |W * log(1 + |g|)| over all weights (|g| = g on networks of ReLU-like units and batch norm, where
    the |W| network is positive; a network with layer norm or attention has negative gradients, whose
    logarithm FreeREA leaves undefined: their magnitude is taken)."""
    return float(sum((w * torch.log1p(g.abs())).abs().sum() for w, g in zip(weights, grads)))


def linear_flow(weights: list[torch.Tensor], grads: list[torch.Tensor]) -> float:
    """sum |W * g| (synflow's reduction of the same pass)."""
    return float(sum((w * g).abs().sum() for w, g in zip(weights, grads)))


@register_heuristic("logsynflow", needs=("gradients",), domains=_DOMAINS,
                    reference="Cavagnero et al., WACV 2023 (FreeREA, arXiv 2022)",
                    description="synflow with log(1 + gradient) in place of the gradient (FreeREA); "
                                "higher is better")
def logsynflow(ctx: ScoreContext) -> float:
    return log_flow(*synflow_abs(ctx, "logsynflow"))


__all__ = ["linear_flow", "log_flow", "synflow_abs", "synflow_pass"]
