"""Straightforward reference implementations of the built-in proxies.

Each follows the published recipe literally: one architecture at a time, ``loss.backward()`` filling every
``.grad``, forward/backward hooks on modules, NumPy for the kernels.  They are not registered; tests and
``benchmarks/bench_proxies.py`` compare them with the registered (faster) versions, which must give the same
scores within numerical tolerance.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from archrank.heuristics._util import input_shape, remove_batchnorm, weight_layers
from archrank.heuristics.base import ScoreContext


def _loss(model: nn.Module, ctx: ScoreContext) -> torch.Tensor:
    return F.cross_entropy(model(ctx.inputs), ctx.targets)


def _layer_sum(model: nn.Module, per_layer: Callable[[nn.Module], torch.Tensor]) -> float:
    return float(sum(float(per_layer(m).sum()) for m in weight_layers(model)))


def _grad(m: nn.Module) -> torch.Tensor:
    return m.weight.grad if m.weight.grad is not None else torch.zeros_like(m.weight)


def grad_norm(ctx: ScoreContext) -> float:
    model = ctx.build().train()
    with torch.enable_grad():
        model.zero_grad()
        _loss(model, ctx).backward()
    return _layer_sum(model, lambda m: _grad(m).norm())


def snip(ctx: ScoreContext) -> float:
    model = ctx.build().train()
    with torch.enable_grad():
        model.zero_grad()
        _loss(model, ctx).backward()
    return _layer_sum(model, lambda m: (m.weight.data * _grad(m)).abs())


def grasp(ctx: ScoreContext) -> float:
    model = ctx.build().train()
    ws = [m.weight for m in weight_layers(model)]
    with torch.enable_grad():
        # First pass: the gradient g, without a graph.
        g = torch.autograd.grad(_loss(model, ctx), ws, allow_unused=True)
        # Second pass: the gradient with a graph, then the Hessian-gradient product H g into .grad.
        gf = torch.autograd.grad(_loss(model, ctx), ws, create_graph=True, allow_unused=True)
        z = 0
        for a, b in zip(g, gf):
            if a is not None and b is not None:
                z = z + (a * b).sum()
        model.zero_grad()
        if isinstance(z, torch.Tensor):
            z.backward()
    return _layer_sum(model, lambda m: -m.weight.data * _grad(m))


def fisher(ctx: ScoreContext) -> float:
    model = ctx.build().train()
    layers = weight_layers(model)
    acts: dict[nn.Module, torch.Tensor] = {}
    per_layer: dict[nn.Module, torch.Tensor] = {}

    def fwd(m, _inp, out):
        acts[m] = out.detach()

    def bwd(m, _gin, gout):
        prod = acts[m] * gout[0].detach()
        g_nk = prod.sum(dim=tuple(range(2, prod.dim()))) if prod.dim() > 2 else prod
        del_k = 0.5 * g_nk.double().pow(2).mean(0)
        per_layer[m] = per_layer[m] + del_k if m in per_layer else del_k

    handles = [m.register_forward_hook(fwd) for m in layers] + [m.register_full_backward_hook(bwd) for m in layers]
    try:
        with torch.enable_grad(), warnings.catch_warnings():
            # The hooks read gradients of module outputs, which is what is wanted here.
            warnings.filterwarnings("ignore", message="Full backward hook is firing")
            model.zero_grad()
            _loss(model, ctx).backward()
    finally:
        for h in handles:
            h.remove()
    # Each channel counted once per weight of the channel (its fan-in), as the zero-cost code sums per parameter.
    return float(sum(float(v.sum()) * m.weight[0].numel() for m, v in per_layer.items()))


def synflow(ctx: ScoreContext) -> float:
    model = remove_batchnorm(ctx.build())
    model.double()
    with torch.no_grad():
        for p in model.state_dict().values():
            p.abs_()
    x = torch.ones((1, *input_shape(ctx, "synflow")), dtype=torch.float64)
    with torch.enable_grad():
        model.zero_grad()
        torch.sum(model(x)).backward()
    return _layer_sum(model, lambda m: (m.weight.data * _grad(m)).abs())


def jacob_cov(ctx: ScoreContext) -> float:
    model = ctx.build().train()
    x = ctx.inputs.detach().clone()
    with torch.enable_grad():
        x.requires_grad_(True)
        y = model(x)
        y.backward(torch.ones_like(y))
    j = x.grad.detach().reshape(x.shape[0], -1).numpy().astype(np.float64)
    corr = np.corrcoef(j)
    v, _ = np.linalg.eig(corr)
    v = np.real(v)
    k = 1e-5
    return float(-np.sum(np.log(v + k) + 1.0 / (v + k)))


def _naswot_kernel(ctx: ScoreContext) -> tuple[np.ndarray, int]:
    """Hamming distance matrix of the concatenated ReLU codes, and the number of units N_A."""
    model = ctx.build().train()
    n = ctx.inputs.shape[0]
    k = np.zeros((n, n))
    units = 0

    def hook(_m, inp, _out):
        nonlocal k, units
        c = (inp[0].detach().reshape(n, -1) > 0).double().numpy()
        k = k + c @ c.T + (1.0 - c) @ (1.0 - c).T
        units += c.shape[1]

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.ReLU)]
    try:
        with torch.no_grad():
            model(ctx.inputs)
    finally:
        for h in handles:
            h.remove()
    return units - k, units  # K_H = N_A - d_H, so d_H = N_A - K_H


def naswot(ctx: ScoreContext) -> float:
    d_h, units = _naswot_kernel(ctx)
    return float(np.linalg.slogdet(units - d_h)[1])


def naswot_euclid(ctx: ScoreContext) -> float:
    d_h, units = _naswot_kernel(ctx)
    return float(np.linalg.slogdet(units - np.sqrt(np.maximum(d_h, 0.0)))[1])


def params(ctx: ScoreContext) -> float:
    return float(sum(p.numel() for p in ctx.build().parameters()))


REFERENCE: dict[str, Callable[[ScoreContext], float]] = {
    "grad_norm": grad_norm,
    "snip": snip,
    "grasp": grasp,
    "fisher": fisher,
    "synflow": synflow,
    "jacob_cov": jacob_cov,
    "naswot": naswot,
    "naswot_euclid": naswot_euclid,
    "params": params,
}
