"""Shared passes: the per-architecture quantities several heuristics reduce, each computed once per context.

A scoring run hands one :class:`~archrank.heuristics.base.ScoreContext` to every heuristic asked for on one
architecture.  A heuristic gets a pass quantity through one of the functions below, which go through
``ctx.shared(key, compute)``: the first heuristic that asks pays for the pass, the others read it.  The key
names the pass and its parameters (the architecture, batch and seed are the context's own).  Every
heuristic uses the same function standalone, so its value alone equals its value in company.

Two passes live with the code they share (so that no module imports the other back):
``relu_codes`` in :mod:`archrank.heuristics.naswot` and ``synflow_abs`` in
:mod:`archrank.heuristics.logsynflow`.

What a pass returns is read-only (tensors detached; tuples, not lists): a heuristic must not change it in
place, and one that changes a model builds its own with ``ctx.build()``.

=====================  ============================================================  ====================
pass (key)             quantity                                                      heuristics
=====================  ============================================================  ====================
``model_at_init``      the model at initialisation (``ctx.init_model()``)            params, flops,
                                                                                     l2_norm, swap_reg
``loss_grads``         one forward and backward of the batch cross-entropy (train    grad_norm, snip,
                       mode, default layout): conv/linear weights, their gradients,  fisher, nasi, plain
                       the conv/linear outputs and their gradients
``relu_codes``         Hamming statistics of the ReLU codes of the batch             naswot, naswot_euclid
``input_jacobian``     d(sum of outputs of sample i)/dx_i, channels-last layout      jacob_cov, epe_nas
``synflow_abs``        weights and dR/dW of the float64 |W| network on ones          synflow, logsynflow
``per_sample_grads``   (N, P) per-sample loss gradients (torch.func)                 gradsign
``summed_sample_grad`` the gradient of the sum of per-sample losses (the column sums  knas
                       of ``per_sample_grads`` when that pass was computed first)
``empirical_ntk_sum``  empirical NTK of the summed logits (reduced model, pooled)    ntk_cond, ntk_krr, lga
``analytic_kernel``    the analytic NNGP/CNTK kernels of the batch                   nngp_krr, cntk_krr
``meco_feature_maps``  every module's output for the first sample                    meco, meco_opt
``swap_relu_outputs``  ReLU outputs of the Gaussian-initialised network              swap, swap_reg
``az_parts``           AZ-NAS's four parts (block features, their pulled-back grads)  az_*
=====================  ============================================================  ====================
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from archrank.heuristics._util import require_inputs, require_targets, task_loss, train_model, weight_layers
from archrank.heuristics.base import ScoreContext


@dataclass(frozen=True)
class LossGrads:
    """The ``loss_grads`` pass: conv/linear weights and d(loss)/dW, and every call's output a of those
    layers with d(loss)/da (``owners[i]`` is the layer of ``acts[i]``).  All tensors detached, read-only."""

    weights: tuple[torch.Tensor, ...]
    grads: tuple[torch.Tensor, ...]
    owners: tuple[nn.Module, ...]
    acts: tuple[torch.Tensor, ...]
    act_grads: tuple[torch.Tensor, ...]


def _grads(output: torch.Tensor, inputs: list[torch.Tensor]) -> list[torch.Tensor]:
    gs = torch.autograd.grad(output, inputs, allow_unused=True)
    return [torch.zeros_like(t) if g is None else g for t, g in zip(inputs, gs)]


def _loss_grads(ctx: ScoreContext, name: str) -> LossGrads:
    model = train_model(ctx)
    layers = weight_layers(model)
    acts: list[torch.Tensor] = []
    owners: list[nn.Module] = []

    def keep(m, _inp, out):
        acts.append(out)
        owners.append(m)

    handles = [m.register_forward_hook(keep) for m in layers]
    try:
        with torch.enable_grad():
            ws = [m.weight for m in layers]
            # One backward pass gives the weight gradients and the activation gradients together.
            gs = _grads(task_loss(model, ctx, name), ws + acts)
    finally:
        for h in handles:
            h.remove()
    k = len(ws)
    return LossGrads(tuple(w.detach() for w in ws), tuple(g.detach() for g in gs[:k]), tuple(owners),
                     tuple(a.detach() for a in acts), tuple(g.detach() for g in gs[k:]))


def loss_grads(ctx: ScoreContext, name: str) -> LossGrads:
    """The ``loss_grads`` pass of ``ctx`` (``name``: the asking heuristic, for error messages)."""
    require_inputs(ctx, name), require_targets(ctx, name)
    return ctx.shared(("loss_grads",), lambda: _loss_grads(ctx, name))


def _input_jacobian(ctx: ScoreContext, name: str) -> torch.Tensor | None:
    from archrank.heuristics._util import channels_last

    model, x = channels_last(train_model(ctx), require_inputs(ctx, name).detach().clone())
    with torch.enable_grad():
        x.requires_grad_(True)
        out = model(x).sum()
        (jac,) = torch.autograd.grad(out, [x], allow_unused=True) if out.requires_grad else (None,)
    if jac is None or not bool(jac.any()):
        return None
    return jac.detach().reshape(jac.shape[0], -1)


def input_jacobian(ctx: ScoreContext, name: str) -> torch.Tensor | None:
    """The ``input_jacobian`` pass: ``(N, D)``, row i = d(sum of the outputs of sample i)/d x_i (batch norm
    in training mode, channels-last layout for images); None when the output does not depend on the input."""
    require_inputs(ctx, name)
    return ctx.shared(("input_jacobian",), lambda: _input_jacobian(ctx, name))


def per_sample_grads(ctx: ScoreContext, name: str) -> torch.Tensor:
    """The ``per_sample_grads`` pass: the ``(N, P)`` matrix of per-sample loss gradients (vectorised)."""
    from archrank.heuristics.per_sample import per_sample_grads as compute

    x, y = require_inputs(ctx, name), require_targets(ctx, name)
    chunk = ctx.extras.get("per_sample_chunk")
    return ctx.shared(("per_sample_grads", chunk), lambda: compute(train_model(ctx), x, y, chunk_size=chunk,
                                                                     copy_model=False))


def summed_sample_grad(ctx: ScoreContext, name: str) -> torch.Tensor:
    """The ``summed_sample_grad`` pass: the gradient of the sum of the per-sample losses, ``(P,)``."""
    from archrank.heuristics.per_sample import summed_sample_grad as compute

    x, y = require_inputs(ctx, name), require_targets(ctx, name)
    rows = ctx.computed(("per_sample_grads", ctx.extras.get("per_sample_chunk")))
    if rows is not None:  # the per-sample matrix is there already (gradsign asked for it): sum its rows
        return ctx.shared(("summed_sample_grad",), lambda: rows.sum(dim=0))
    return ctx.shared(("summed_sample_grad",), lambda: compute(train_model(ctx), x, y, copy_model=False))


__all__ = ["LossGrads", "input_jacobian", "loss_grads", "per_sample_grads", "summed_sample_grad"]
