"""Path kernels (Domingos 2020): a network trained by gradient descent is a kernel machine.

Train ``f(theta, x)`` by full-batch gradient descent with step ``lr`` on ``L = sum_i loss(f(x_i), y_i)``.
In gradient-flow time ``t = lr * step`` the output of any input moves as

    d f_t(x) / dt = - sum_i  K_t(x, x_i) @ l'_i(t),      K_t the empirical NTK at theta(t),
                                                          l'_i(t) = d loss / d f at (f_t(x_i), y_i),

so after training (``f`` and ``K_t`` are ``O``-vectors and ``O x O`` matrices for ``O`` outputs)

    f_T(x) = f_0(x) - sum_i  int_0^T K_t(x, x_i) l'_i(t) dt
           = b(x)  + sum_i  a_i(x) K^p(x, x_i)

with the **path kernel** ``K^p(x, x') = int_0^T K_t(x, x') dt``, coefficients ``a_i(x) = -<l'_i>`` (the loss
derivative averaged along the path, weighted by the tangent kernel) and ``b(x) = f_0(x)`` (the initial
output).  Here the integrals are trapezoid sums over the recorded checkpoints; with a checkpoint at every
step the kernel machine reproduces the trained network up to the O(lr^2) error of each discrete step, and
fewer checkpoints trade accuracy for cost.

* :func:`train_gd` trains a module by full-batch gradient descent (squared loss ``0.5 * ||f - y||^2`` summed
  over the training set, or softmax cross-entropy) and records a :class:`Trajectory` (parameters and loss
  derivatives at checkpoints);
* :func:`path_kernel` gives ``K^p`` between two input sets (trapezoid rule, or the left Riemann sum);
* :func:`path_kernel_machine` gives the kernel-machine prediction (and its parts) at test inputs.

Tangent kernels are computed with :func:`archrank.kernels.empirical.empirical_ntk` (per-sample route: the
module must treat inputs independently, e.g. no batch norm in training mode).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.func import functional_call

from archrank.errors import InvalidArgument
from archrank.kernels.empirical import empirical_ntk

LOSSES = ("mse", "cross_entropy")


@dataclass
class Trajectory:
    """Checkpoints of a gradient-descent run: parameters, gradient-flow times ``t = lr * step`` and the loss
    derivatives ``d loss / d f`` on the training inputs ``(N_train, O)`` at each checkpoint."""

    steps: list[int]
    times: np.ndarray
    params: list[dict[str, torch.Tensor]]
    loss_grads: list[torch.Tensor]
    losses: list[float]
    lr: float
    x_train: torch.Tensor

    def subsample(self, count: int) -> Trajectory:
        """``count`` checkpoints (>= 2) evenly spread over the run, first and last included."""
        total = len(self.steps)
        if not 2 <= count <= total:
            raise InvalidArgument(f"checkpoint count must lie in 2..{total}, got {count}")
        idx = sorted({round(float(i)) for i in np.linspace(0, total - 1, count)})
        return Trajectory([self.steps[i] for i in idx], self.times[idx], [self.params[i] for i in idx],
                          [self.loss_grads[i] for i in idx], [self.losses[i] for i in idx], self.lr, self.x_train)


def _loss_and_grad(out: torch.Tensor, y: torch.Tensor, loss: str) -> tuple[float, torch.Tensor]:
    """Summed loss and its derivative with respect to the outputs."""
    if loss == "mse":
        r = out - y.reshape(out.shape)
        return float(0.5 * (r * r).sum().detach()), r.detach()
    p = torch.softmax(out, dim=1)
    value = float(nn.functional.cross_entropy(out.detach(), y.long(), reduction="sum"))
    return value, (p - nn.functional.one_hot(y.long(), out.shape[1]).to(out.dtype)).detach()


def train_gd(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, lr: float, steps: int, every: int = 1,
             loss: str = "mse") -> Trajectory:
    """Train ``model`` in place by full-batch gradient descent for ``steps`` steps with step size ``lr``,
    recording a checkpoint every ``every`` steps (and at the start and the end).

    ``loss``: ``"mse"`` (``0.5 * sum ||f(x_i) - y_i||^2``; ``y`` shaped like the outputs) or
    ``"cross_entropy"`` (summed softmax cross-entropy; ``y`` class indices)."""
    if loss not in LOSSES:
        raise InvalidArgument(f"unknown loss {loss!r}; valid choices: {', '.join(LOSSES)}")
    if steps < 1 or every < 1 or lr <= 0:
        raise InvalidArgument(f"need steps >= 1, every >= 1 and lr > 0; got steps={steps}, every={every}, lr={lr}")
    names = [k for k, v in model.named_parameters() if v.requires_grad]
    params = [v for k, v in model.named_parameters() if v.requires_grad]
    rec_steps: list[int] = []
    rec_params: list[dict[str, torch.Tensor]] = []
    rec_grads: list[torch.Tensor] = []
    rec_losses: list[float] = []
    with torch.enable_grad():
        for step in range(steps + 1):
            out = model(x).reshape(x.shape[0], -1)
            value, dl = _loss_and_grad(out, y, loss)
            if step % every == 0 or step == steps:
                rec_steps.append(step)
                rec_params.append({k: v.detach().clone() for k, v in zip(names, params)})
                rec_grads.append(dl.clone())
                rec_losses.append(value)
            if step == steps:
                break
            grads = torch.autograd.grad(out, params, grad_outputs=dl)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p.sub_(lr * g)
    return Trajectory(rec_steps, lr * np.asarray(rec_steps, dtype=np.float64), rec_params, rec_grads,
                      rec_losses, float(lr), x.detach())


RULES = ("trapezoid", "left")


def _weights(times: np.ndarray, rule: str = "trapezoid") -> np.ndarray:
    """Quadrature weights of samples at ``times``: the trapezoid rule, or the left Riemann sum (each
    checkpoint's integrand held until the next checkpoint; with a checkpoint at every step this is exactly
    the first-order expansion of each discrete gradient step)."""
    if rule not in RULES:
        raise InvalidArgument(f"unknown quadrature rule {rule!r}; valid choices: {', '.join(RULES)}")
    w = np.zeros_like(times)
    dt = np.diff(times)
    if rule == "left":
        w[:-1] = dt
        return w
    w[:-1] += dt / 2
    w[1:] += dt / 2
    return w


def _kernels(model: nn.Module, traj: Trajectory, x1: torch.Tensor, x2: torch.Tensor, block: int):
    for p in traj.params:
        yield empirical_ntk(model, x1, x2, form="full", params=p, block=block)


def path_kernel(model: nn.Module, traj: Trajectory, x1: torch.Tensor, x2: torch.Tensor | None = None, *,
                form: str = "full", block: int = 64, rule: str = "trapezoid") -> torch.Tensor:
    """``K^p(x1, x2) = int K_t dt`` by the trapezoid rule over the checkpoints of ``traj``: float64
    ``(N1, N2, O, O)`` (``form="full"``) or ``(N1, N2)`` (``"trace"``)."""
    if form not in ("full", "trace"):
        raise InvalidArgument(f"unknown path kernel form {form!r}; valid choices: full, trace")
    if len(traj.params) < 2:
        raise InvalidArgument("a path kernel needs at least two checkpoints")
    x2_ = x1 if x2 is None else x2
    acc = None
    for w, k in zip(_weights(traj.times, rule), _kernels(model, traj, x1, x2_, block)):
        term = w * (k if form == "full" else k.diagonal(dim1=2, dim2=3).sum(-1))
        acc = term if acc is None else acc + term
    assert acc is not None
    return acc


@dataclass
class KernelMachine:
    """The kernel-machine form of a trained network at test inputs: ``prediction = bias + sum_i a_i K^p``.

    ``prediction``/``bias``: ``(N, O)``; ``kernel``: the path kernel ``(N, N_train, O, O)``;
    ``weighted``: ``int K_t(x, x_i) l'_i(t) dt`` per training point, ``(N, N_train, O)``;
    ``coefficients``: ``a_i(x) = -weighted / K^p`` (single-output networks only, else ``None``)."""

    prediction: torch.Tensor
    bias: torch.Tensor
    kernel: torch.Tensor
    weighted: torch.Tensor
    coefficients: torch.Tensor | None


def path_kernel_machine(model: nn.Module, traj: Trajectory, x: torch.Tensor, *, block: int = 64,
                        rule: str = "trapezoid") -> KernelMachine:
    """Kernel-machine prediction of the network trained along ``traj`` at inputs ``x`` (``rule``: the
    quadrature over checkpoints, ``"trapezoid"`` or ``"left"``)."""
    if len(traj.params) < 2:
        raise InvalidArgument("a path kernel machine needs at least two checkpoints")
    w = _weights(traj.times, rule)
    kp = None
    weighted = None
    for wt, k, g in zip(w, _kernels(model, traj, x, traj.x_train, block), traj.loss_grads):
        kl = torch.einsum("abop,bp->abo", k, g.to(torch.float64))
        kp = wt * k if kp is None else kp + wt * k
        weighted = wt * kl if weighted is None else weighted + wt * kl
    assert kp is not None and weighted is not None
    buffers = dict(model.named_buffers())
    with torch.no_grad():
        bias = functional_call(model, (traj.params[0], buffers), (x,)).reshape(x.shape[0], -1).to(torch.float64)
    pred = bias - weighted.sum(1)
    coef = None
    if kp.shape[-1] == 1:
        denom = kp[..., 0, 0]
        coef = torch.where(denom != 0, -weighted[..., 0] / denom, torch.zeros_like(denom))
    return KernelMachine(pred, bias, kp, weighted, coef)


def network_output(model: nn.Module, params: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """Output of ``model`` with parameters ``params`` (e.g. the last checkpoint), float64 ``(N, O)``."""
    with torch.no_grad():
        out = functional_call(model, (params, dict(model.named_buffers())), (x,))
    return out.reshape(x.shape[0], -1).to(torch.float64)
