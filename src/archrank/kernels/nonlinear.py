"""Nonlinearity kernel layers: ``nngp -> E[phi(u) phi(v)]`` and ``ntk -> ntk * E[phi'(u) phi'(v)]`` for
Gaussian ``(u, v)``: closed forms for (leaky/absolute) ReLU and erf, quadrature for any elementwise function."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from archrank.kernels.layer import Layer
from archrank.kernels.state import DTYPE, KernelState, diag_of


class Nonlinearity(Layer):
    """Elementwise nonlinearity phi.  Subclasses give ``expectations(k, v1, v2)`` returning
    ``(E[phi(u)phi(v)], E[phi'(u)phi'(v)])`` for ``(u, v)`` centred Gaussian with variances ``v1, v2`` and
    covariance ``k`` (tensors broadcasting together), and ``self_expectation(v) = E[phi(u)**2]``."""

    def expectations(self, k: torch.Tensor, v1: torch.Tensor, v2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def self_expectation(self, v: torch.Tensor) -> torch.Tensor:
        return self.expectations(v, v, v)[0]

    def apply(self, state: KernelState) -> KernelState:
        f, fdot = self.expectations(state.nngp, state.var1(), state.var2())
        return KernelState(nngp=f, ntk=state.ntk * fdot, cov1=self._self_cov(state.cov1, state.layout),
                           cov2=None if state.cov2 is None else self._self_cov(state.cov2, state.layout),
                           layout=state.layout)

    def _self_cov(self, cov: torch.Tensor, layout: str) -> torch.Tensor:
        if layout != "full":
            return self.self_expectation(cov)
        v = diag_of(cov, layout)
        return self.expectations(cov, v[:, :, :, None, None], v[:, None, None, :, :])[0]


def _cos_angle(k: torch.Tensor, v1: torch.Tensor, v2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    norm = torch.sqrt(v1 * v2)
    c = (k / norm.clamp_min(1e-300)).clamp_(-1.0, 1.0)
    return c, norm


class ABRelu(Nonlinearity):
    """phi(x) = a * min(x, 0) + b * max(x, 0): covers ReLU (a=0, b=1), leaky ReLU (a=alpha, b=1) and the
    absolute value (a=-1, b=1)."""

    name = "abrelu"

    def __init__(self, a: float = 0.0, b: float = 1.0):
        self.a, self.b = float(a), float(b)

    def expectations(self, k, v1, v2):
        a, b = self.a, self.b
        c, norm = _cos_angle(k, v1, v2)
        theta = torch.arccos(c)
        sin = torch.sin(theta)
        # E[relu(u)relu(v)] = norm/(2 pi) (sin + (pi - theta) c); E[relu(u)relu(-v)] = norm/(2 pi)(sin - theta c)
        j_pos = (sin + (math.pi - theta) * c) * norm / (2 * math.pi)
        j_neg = (sin - theta * c) * norm / (2 * math.pi)
        f = (a * a + b * b) * j_pos - 2 * a * b * j_neg
        fdot = ((a * a + b * b) * (math.pi - theta) + 2 * a * b * theta) / (2 * math.pi)
        return f, fdot

    def self_expectation(self, v):
        return 0.5 * (self.a**2 + self.b**2) * v


def Relu() -> ABRelu:
    r = ABRelu(0.0, 1.0)
    r.name = "relu"
    return r


def LeakyRelu(alpha: float = 0.01) -> ABRelu:
    r = ABRelu(alpha, 1.0)
    r.name = "leaky_relu"
    return r


def AbsRelu() -> ABRelu:
    r = ABRelu(-1.0, 1.0)
    r.name = "abs"
    return r


class Erf(Nonlinearity):
    """phi(x) = erf(x)."""

    name = "erf"

    def expectations(self, k, v1, v2):
        d = (1 + 2 * v1) * (1 + 2 * v2)
        f = (2 / math.pi) * torch.arcsin((2 * k / torch.sqrt(d)).clamp(-1.0, 1.0))
        fdot = (4 / math.pi) / torch.sqrt((d - 4 * k * k).clamp_min(1e-300))
        return f, fdot

    def self_expectation(self, v):
        return (2 / math.pi) * torch.arcsin((2 * v / (1 + 2 * v)).clamp(-1.0, 1.0))


class Elementwise(Nonlinearity):
    """Any elementwise nonlinearity, by Gauss-Hermite quadrature of the 2D Gaussian expectations.

    ``fn`` acts on float64 torch tensors; ``deriv`` (its derivative) defaults to autograd of ``fn``.
    ``n_quad`` points per dimension (cost grows as ``n_quad**2`` per kernel entry)."""

    name = "elementwise"

    def __init__(self, fn: Callable[[torch.Tensor], torch.Tensor],
                 deriv: Callable[[torch.Tensor], torch.Tensor] | None = None, *, n_quad: int = 32,
                 chunk: int = 1 << 14):
        self.fn, self.deriv, self.n_quad, self.chunk = fn, deriv, int(n_quad), int(chunk)
        x, w = np.polynomial.hermite.hermgauss(self.n_quad)
        self._x = torch.tensor(x, dtype=DTYPE)
        self._w = torch.tensor(w / math.sqrt(math.pi), dtype=DTYPE)  # weights of E over N(0, 1/2)->N(0,1)

    def _d(self, z: torch.Tensor) -> torch.Tensor:
        if self.deriv is not None:
            return self.deriv(z)
        with torch.enable_grad():
            zz = z.detach().clone().requires_grad_(True)
            (g,) = torch.autograd.grad(self.fn(zz).sum(), zz)
        return g

    def _expect(self, g: Callable, k, v1, v2) -> torch.Tensor:
        shape = torch.broadcast_shapes(k.shape, v1.shape, v2.shape)
        k, v1, v2 = (t.expand(shape).reshape(-1) for t in (k, v1, v2))
        out = torch.empty(k.numel(), dtype=DTYPE, device=k.device)
        x, w = self._x.to(k.device), self._w.to(k.device)
        z = math.sqrt(2.0) * x  # standard normal nodes
        w2d = w[:, None] * w[None, :]
        for s in range(0, k.numel(), self.chunk):
            kk, a, b = k[s:s + self.chunk], v1[s:s + self.chunk], v2[s:s + self.chunk]
            sa, sb = torch.sqrt(a.clamp_min(0)), torch.sqrt(b.clamp_min(0))
            c = (kk / (sa * sb).clamp_min(1e-300)).clamp(-1.0, 1.0)
            s_ = torch.sqrt((1 - c * c).clamp_min(0))
            u = sa[:, None, None] * z[None, :, None]
            v = sb[:, None, None] * (c[:, None, None] * z[None, :, None] + s_[:, None, None] * z[None, None, :])
            out[s:s + self.chunk] = (g(u) * g(v) * w2d).sum(dim=(1, 2))
        return out.reshape(shape)

    def expectations(self, k, v1, v2):
        return self._expect(self.fn, k, v1, v2), self._expect(self._d, k, v1, v2)

    def self_expectation(self, v):
        z = math.sqrt(2.0) * self._x.to(v.device)
        u = torch.sqrt(v.clamp_min(0))[..., None] * z
        return (self.fn(u) ** 2 * self._w.to(v.device)).sum(-1)
