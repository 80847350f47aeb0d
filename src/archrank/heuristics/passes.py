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
``loss_grads_graph``   the same backward with its graph kept, when grasp is wanted   grasp and the above
                       too: grasp differentiates it again (one forward, one first
                       backward for all of them)
``relu_codes``         Hamming statistics of the ReLU codes of the batch             naswot, naswot_euclid
``input_jacobian``     d(sum of outputs of sample i)/dx_i, channels-last layout      jacob_cov, epe_nas
``input_jacobian_codes`` the input Jacobian and, from its forward, the ReLU codes,      jacob_cov, epe_nas,
                       when both are wanted on the context                           naswot, naswot_euclid
``synflow_abs``        weights and dR/dW of the float64 |W| network on ones          synflow, logsynflow
``per_sample_grads``   sums over samples of the per-sample loss gradients and of     gradsign
                       their signs (torch.func; chunks of samples beyond 1.5 GiB)
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

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from archrank.errors import InvalidArgument
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


def _grads(output: torch.Tensor, inputs: list[torch.Tensor], create_graph: bool = False) -> list[torch.Tensor]:
    gs = torch.autograd.grad(output, inputs, allow_unused=True, create_graph=create_graph)
    return [torch.zeros_like(t) if g is None else g for t, g in zip(inputs, gs)]


class GradGraph:
    """The ``loss_grads_graph`` pass: the ``loss_grads`` backward taken with ``create_graph=True``, so that
    grasp's Hessian-gradient product reuses its forward and first backward.  ``take()`` hands the live
    weights and gradients (with their graph) to the one heuristic that consumes them, and drops them."""

    def __init__(self, weights: list[torch.Tensor], grads: list[torch.Tensor]):
        self._live: tuple[list[torch.Tensor], list[torch.Tensor]] | None = (weights, grads)

    def take(self) -> tuple[list[torch.Tensor], list[torch.Tensor]] | None:
        live, self._live = self._live, None
        return live


#: Heuristics that take the second-order graph of the ``loss_grads`` backward (``GradGraph``).
GRAPH_USERS = frozenset({"grasp"})


def _loss_grads(ctx: ScoreContext, name: str, graph: bool = False) -> LossGrads | tuple[LossGrads, GradGraph]:
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
            # One backward pass gives the weight gradients and the activation gradients together (with
            # ``graph``, differentiable: the same numbers, and the graph grasp differentiates again).
            gs = _grads(task_loss(model, ctx, name), ws + acts, create_graph=graph)
    finally:
        for h in handles:
            h.remove()
    k = len(ws)
    p = LossGrads(tuple(w.detach() for w in ws), tuple(g.detach() for g in gs[:k]), tuple(owners),
                  tuple(a.detach() for a in acts), tuple(g.detach() for g in gs[k:]))
    return (p, GradGraph(ws, list(gs[:k]))) if graph else p


def loss_grads(ctx: ScoreContext, name: str) -> LossGrads:
    """The ``loss_grads`` pass of ``ctx`` (``name``: the asking heuristic, for error messages).  When a
    heuristic of :data:`GRAPH_USERS` is wanted on the context too, the backward keeps its graph for it
    (:func:`loss_grads_graph`): one forward and first backward serve both."""
    require_inputs(ctx, name), require_targets(ctx, name)
    if ctx.wanted & GRAPH_USERS and ctx.computed(("loss_grads",)) is None:
        return ctx.shared(("loss_grads",), lambda: loss_grads_graph(ctx, name)[0])
    return ctx.shared(("loss_grads",), lambda: _loss_grads(ctx, name))


def loss_grads_graph(ctx: ScoreContext, name: str) -> tuple[LossGrads, GradGraph]:
    """The ``loss_grads_graph`` pass: :func:`loss_grads` with the backward's graph kept (:class:`GradGraph`)."""
    require_inputs(ctx, name), require_targets(ctx, name)
    return ctx.shared(("loss_grads_graph",), lambda: _loss_grads(ctx, name, graph=True))


#: The passes that hold memory in proportion to the network (every activation of the batch and its gradient,
#: per-weight sums), with the heuristics that read them: a scoring loop drops each as soon as none of the
#: heuristics still to be evaluated on the context is among its readers (:func:`release_passes`).  On NB101's
#: largest network (49.1M weights) ``loss_grads`` holds 3.3 GB after fisher.  A heuristic left out of a
#: reader set would not be wrong, only slower: it would compute the pass again.
_LOSS_GRADS_READERS = frozenset({"grad_norm", "snip", "fisher", "grasp", "nasi", "plain"})
READERS: dict[str, frozenset[str]] = {
    "loss_grads": _LOSS_GRADS_READERS,
    "loss_grads_graph": _LOSS_GRADS_READERS,
    "per_sample_grads": frozenset({"gradsign", "knas"}),
    "summed_sample_grad": frozenset({"knas"}),
}


def release_passes(ctx: ScoreContext, remaining: Iterable[str]) -> list[str]:
    """Release from ``ctx`` the passes of :data:`READERS` that none of the heuristics ``remaining`` reads;
    the names of those released.  (The composite heuristics read none of them through their members: the
    ranker reads meco and meco_opt, az_nas its four parts, swap_reg swap.)"""
    left = frozenset(remaining)
    return [name for name, readers in READERS.items() if not readers & left and ctx.release(name)]


def evaluation_order(names: Sequence[str]) -> list[str]:
    """``names`` with the readers of each pass of :data:`READERS` moved up to follow the first of them, the
    rest in their order: the pass is then released before the heuristics that come after (on NB101, gradsign's
    per-sample pass no longer runs beside the held ``loss_grads`` pass and its graph).  The first reader, who
    pays for the pass, is the same; a heuristic's value does not depend on the order."""
    names = list(dict.fromkeys(names))
    out: list[str] = []
    for n in names:
        if n in out:
            continue
        out.append(n)
        for readers in READERS.values():
            if n in readers:
                out.extend(m for m in names if m in readers and m not in out)
    return out


#: Heuristics that read the ``input_jacobian`` pass, and those that read the ``relu_codes`` pass.
JACOBIAN_USERS = frozenset({"jacob_cov", "epe_nas"})
CODE_USERS = frozenset({"naswot", "naswot_euclid"})


def _input_jacobian(ctx: ScoreContext, name: str, codes: bool = False):
    from archrank.heuristics._util import channels_last

    model, x = channels_last(train_model(ctx), require_inputs(ctx, name).detach().clone())
    stats: object = None
    recorder: contextlib.AbstractContextManager = contextlib.nullcontext()
    if codes:  # the ReLU codes of this forward, for naswot (the relu_codes pass's own forward in grad mode)
        from archrank.heuristics._activations import ActivationRecorder
        from archrank.heuristics._codes import CodeDistance

        stats = CodeDistance(x.shape[0], x.device)

        def add(inp, _out):
            with torch.no_grad():
                stats.add(inp)

        recorder = ActivationRecorder(model, "naswot", add)
    with recorder, torch.enable_grad():
        x.requires_grad_(True)
        out = model(x).sum()
    if codes:
        try:
            recorder.check()
        except InvalidArgument as e:  # the relu_codes pass raises it; the Jacobian goes on
            stats = e
    with torch.enable_grad():
        (jac,) = torch.autograd.grad(out, [x], allow_unused=True) if out.requires_grad else (None,)
    jac = None if jac is None or not bool(jac.any()) else jac.detach().reshape(jac.shape[0], -1)
    return (jac, stats) if codes else jac


def _codes_wanted(ctx: ScoreContext) -> bool:
    return bool(ctx.wanted & JACOBIAN_USERS and ctx.wanted & CODE_USERS) and ctx.inputs is not None \
        and ctx.inputs.dim() == 4


def jacobian_and_codes(ctx: ScoreContext, name: str) -> tuple[torch.Tensor | None, object]:
    """The ``input_jacobian_codes`` pass: the input Jacobian and, from the same forward, the ReLU code
    statistics of the ``relu_codes`` pass (or the exception that pass raises), for a context where both
    are wanted: the forward is the same function in the same layout, so the codes are the same."""
    require_inputs(ctx, name)
    return ctx.shared(("input_jacobian_codes",), lambda: _input_jacobian(ctx, name, codes=True))


def input_jacobian(ctx: ScoreContext, name: str) -> torch.Tensor | None:
    """The ``input_jacobian`` pass: ``(N, D)``, row i = d(sum of the outputs of sample i)/d x_i (batch norm
    in training mode, channels-last layout for images); None when the output does not depend on the input.
    When naswot is wanted too and its codes are not computed yet, the same forward gives them
    (:func:`jacobian_and_codes`)."""
    require_inputs(ctx, name)
    if _codes_wanted(ctx) and (ctx.computed(("relu_codes",)) is None
                               or ctx.computed(("input_jacobian_codes",)) is not None):
        return ctx.shared(("input_jacobian",), lambda: jacobian_and_codes(ctx, name)[0])
    return ctx.shared(("input_jacobian",), lambda: _input_jacobian(ctx, name))


def per_sample_grads(ctx: ScoreContext, name: str):
    """The ``per_sample_grads`` pass: reductions over samples of the per-sample loss gradients (vectorised, in
    chunks of ``extras["per_sample_chunk"]`` samples, default: the whole batch up to 1.5 GiB of rows, beyond
    it a power-of-two chunk that fits):
    :class:`~archrank.heuristics.per_sample.SampleGradStats`."""
    from archrank.heuristics.per_sample import per_sample_grad_stats as compute

    x, y = require_inputs(ctx, name), require_targets(ctx, name)
    chunk = ctx.extras.get("per_sample_chunk")
    return ctx.shared(("per_sample_grads", chunk), lambda: compute(train_model(ctx), x, y, chunk_size=chunk,
                                                                     copy_model=False))


def summed_sample_grad(ctx: ScoreContext, name: str) -> torch.Tensor:
    """The ``summed_sample_grad`` pass: the gradient of the sum of the per-sample losses, ``(P,)``."""
    from archrank.heuristics.per_sample import summed_sample_grad as compute

    x, y = require_inputs(ctx, name), require_targets(ctx, name)
    stats = ctx.computed(("per_sample_grads", ctx.extras.get("per_sample_chunk")))
    if stats is not None:  # the per-sample gradients were reduced already (gradsign asked for them)
        return ctx.shared(("summed_sample_grad",), lambda: stats.column_sums)
    return ctx.shared(("summed_sample_grad",), lambda: compute(train_model(ctx), x, y, copy_model=False))


__all__ = [
    "CODE_USERS",
    "GRAPH_USERS",
    "JACOBIAN_USERS",
    "READERS",
    "GradGraph",
    "LossGrads",
    "evaluation_order",
    "input_jacobian",
    "jacobian_and_codes",
    "loss_grads",
    "loss_grads_graph",
    "per_sample_grads",
    "release_passes",
    "summed_sample_grad",
]
