"""Gradient saliencies of a freshly initialised network (Abdelfattah et al. 2021, "Zero-Cost Proxies for
Lightweight NAS").  Each is a per-parameter (fisher: per-activation) saliency summed over the whole network.

All use one batch with its labels, the cross-entropy loss and batch norm in training mode (statistics of the
batch).  On sequence models the batch is token sequences with their next tokens, the loss the mean
cross-entropy over all predicted tokens, and dropout is off (``_util.task_loss``, ``_util.train_model``).  Only convolution and linear weights count.  Gradients are taken with ``torch.autograd.grad`` with
respect to exactly the tensors needed (no ``.grad`` accumulation on unrelated parameters), which is what
makes these faster than the straightforward versions in :mod:`archrank.heuristics.reference` (equal up to
rounding).  ``grad_norm``, ``snip`` and ``fisher`` (with ``nasi`` and ``plain``) share one forward and
backward pass (:func:`archrank.heuristics.passes.loss_grads`); ``grasp`` differentiates that backward
again, so when it is scored with them the pass keeps its graph (``loss_grads_graph``: the same numbers).  Unlike ``naswot`` and ``jacob_cov``, these run in the default (contiguous) layout: in
channels-last layout PyTorch's CPU batch norm is markedly less accurate in float32 (measured against a
float64 evaluation: grad_norm up to 8e-3 relative error instead of 9e-4, grasp up to 0.3 instead of 0.015),
which is more than the speed is worth.

* ``grad_norm``: sum over layers of the Euclidean norm of dL/dW.
* ``snip``: sum over all weights of |W * dL/dW| (connection sensitivity).
* ``grasp``: sum over all weights of -W * (H g), where g = dL/dW and H the Hessian of L; computed as the
  gradient of g . stop_grad(g).
* ``fisher``: for every output channel k of every convolution / linear layer, with activation a and its
  gradient dL/da, F_k = 0.5 * mean over the batch of (sum over positions of a * dL/da)^2; the score is
  the sum over channels of F_k times the number of weights of channel k (its fan-in, ``weight[k].numel()``).
  Positions are the spatial ones of a convolution (channels on axis 1) and every axis between the batch
  and the features of a linear layer (features last), summed over all calls of the layer (a recurrent
  weight is called once per time step).  The fan-in factor is the zero-cost proxies' network sum over
  *parameters*: their code gives every weight of channel k the channel's value F_k before summing over the
  network (docs/heuristics.md, fisher).
"""

from __future__ import annotations

import torch
from torch import nn

from archrank.heuristics.base import ScoreContext, register_heuristic
from archrank.heuristics.passes import loss_grads

_NEEDS = ("data", "labels", "gradients")


def _grads(outputs: torch.Tensor, inputs: list[torch.Tensor], **kw) -> list[torch.Tensor]:
    gs = torch.autograd.grad(outputs, inputs, allow_unused=True, **kw)
    return [torch.zeros_like(w) if g is None else g for w, g in zip(inputs, gs)]


@register_heuristic("grad_norm", needs=_NEEDS, reference="Abdelfattah et al., ICLR 2021")
def grad_norm(ctx: ScoreContext) -> float:
    """Sum over conv/linear layers of the L2 norm of the loss gradient of the layer weight."""
    return float(sum(g.double().norm() for g in loss_grads(ctx, "grad_norm").grads))


@register_heuristic("snip", needs=_NEEDS,
                    reference="Lee et al., ICLR 2019; as a NAS proxy Abdelfattah et al., ICLR 2021")
def snip(ctx: ScoreContext) -> float:
    """Connection sensitivity: sum of |W * dL/dW| over conv/linear weights."""
    p = loss_grads(ctx, "snip")
    return float(sum((w * g).abs().double().sum() for w, g in zip(p.weights, p.grads)))


@register_heuristic("grasp", needs=_NEEDS,
                    reference="Wang et al., ICLR 2020; as a NAS proxy Abdelfattah et al., ICLR 2021")
def grasp(ctx: ScoreContext) -> float:
    """Gradient signal preservation: sum of -W * (H g) over conv/linear weights (Hessian-gradient product)."""
    from archrank.heuristics.passes import _loss_grads, loss_grads_graph

    # The forward and first backward are the shared loss_grads pass taken with its graph; a second grasp
    # on the same context (the graph is consumed) computes its own.
    live = loss_grads_graph(ctx, "grasp")[1].take() or _loss_grads(ctx, "grasp", graph=True)[1].take()
    ws, gs = live
    with torch.enable_grad():
        z = sum((g * g.detach()).sum() for g in gs if g.requires_grad)
        if not isinstance(z, torch.Tensor):  # no weight influences the loss
            return 0.0
        hg = _grads(z, ws)
        return float(sum((-w.detach() * h).double().sum() for w, h in zip(ws, hg)))


@register_heuristic("fisher", needs=_NEEDS, version=2,  # 2: each channel counted once per weight
                    reference="Turner et al., ICLR 2020; as a NAS proxy Abdelfattah et al., ICLR 2021")
def fisher(ctx: ScoreContext) -> float:
    """Per-channel Fisher information of the conv/linear outputs, each channel counted once per weight."""
    p = loss_grads(ctx, "fisher")
    owners, acts, gs = p.owners, p.acts, p.act_grads
    per_layer: dict[int, torch.Tensor] = {}
    for m, a, g in zip(owners, acts, gs):
        prod = (a * g).double()
        if isinstance(m, nn.Linear):  # features last: sum over the axes between batch and features
            g_nk = prod.sum(dim=tuple(range(1, prod.dim() - 1))) if prod.dim() > 2 else prod
        else:  # convolutions: channels on axis 1
            g_nk = prod.sum(dim=tuple(range(2, prod.dim()))) if prod.dim() > 2 else prod
        per_layer[id(m)] = per_layer[id(m)] + g_nk if id(m) in per_layer else g_nk
    fan_in = {id(m): m.weight[0].numel() for m in owners}
    total = torch.zeros((), dtype=torch.float64)
    for key, g_nk in per_layer.items():
        total = total + 0.5 * g_nk.pow(2).mean(0).sum() * fan_in[key]
    return float(total)
