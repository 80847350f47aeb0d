"""Infinite-width NNGP and NTK kernels, composable layer by layer.

A *layer* is a pure function from a :class:`KernelState` (the NNGP and NTK of a pair of input sets, plus
the self-covariances that the next nonlinearity needs) to the next state.  :func:`serial` and
:func:`parallel_sum` compose layers into networks; a network is itself a layer.  Use the NTK
parameterisation: a dense or convolutional layer with weight scale ``W_std`` and bias scale ``b_std`` maps

    nngp' = W_std**2 * A(nngp) + b_std**2
    ntk'  = nngp' + W_std**2 * A(ntk)

where ``A`` is the identity for dense layers (the kernel is already normalised by fan-in) and, for a
convolution, the average over the filter window of the pixel-pair kernel shifted along the diagonal (zero
padding counts as zero).  The input kernel is ``x1 @ x2.T / d`` (images: per pixel pair, the channel mean).
A nonlinearity maps ``nngp`` to ``E[phi(u) phi(v)]`` and ``ntk`` to ``ntk * E[phi'(u) phi'(v)]`` with
``(u, v)`` Gaussian with the current covariance.  Pooling averages over windows, global average pooling
(GAP) over all pixel pairs, flatten over same-position pairs.

Spatial states come in two layouts, chosen automatically from the network:

* ``"full"``: ``(N1, N2, H, W, H, W)``, all pixel pairs; needed below any pooling or GAP;
* ``"diag"``: ``(N1, N2, H, W)``, same-position pairs only; enough below flatten (convolutions and
  nonlinearities only ever mix pairs at the same offset, so the diagonal is closed under them).

Flat states are ``(N1, N2)``.  :func:`kernel_fn` (or calling a layer) computes the kernels of a network
for two sets of inputs, batching over blocks of inputs so memory stays bounded.  Inputs are numpy or
torch arrays, ``(N, D)`` or images ``(N, H, W, C)`` (NHWC); all arithmetic is float64.

Example::

    from archrank.kernels import analytic as ak
    net = ak.serial(ak.Conv(64, 3, W_std=1.5, b_std=0.05), ak.Relu(), ak.GlobalAvgPool(),
                    ak.Dense(10, W_std=1.5, b_std=0.05))
    k = net(x_train)            # Kernels(nngp=(N, N) array, ntk=(N, N) array)
    k = net(x_test, x_train)    # cross kernels (N_test, N_train)

Parallel branches (:func:`parallel_sum`) are treated as independent given their input, as for branches that
start with freshly initialised weights; two weight-free branches (e.g. identity and pooling) are summed
without their cross-covariance.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
import torch

from archrank.errors import InvalidArgument

DTYPE = torch.float64
_LAYOUT_ORDER = {"flat": 0, "diag": 1, "full": 2}


class Kernels(NamedTuple):
    """The result of a kernel computation: numpy float64 arrays ``(N1, N2)`` (plus spatial axes if the
    network ends before a read-out)."""

    nngp: np.ndarray
    ntk: np.ndarray


@dataclass(frozen=True)
class KernelState:
    """Kernel of a pair of input sets at one point of a network.

    ``nngp``/``ntk``: ``(N1, N2, *S)`` where ``S`` is ``()`` (flat), ``(H, W)`` (diag) or ``(H, W, H, W)``
    (full).  ``cov1``: ``(N1, *S)``, the NNGP of each input of the first set with itself, in the same
    layout; ``cov2`` likewise for the second set, or ``None`` when the two sets are the same inputs.
    """

    nngp: torch.Tensor
    ntk: torch.Tensor
    cov1: torch.Tensor
    cov2: torch.Tensor | None
    layout: str

    @property
    def spatial(self) -> tuple[int, ...]:
        """(H, W) for spatial layouts, () for flat."""
        if self.layout == "flat":
            return ()
        return tuple(self.cov1.shape[1:3])

    @property
    def cov2_or_1(self) -> torch.Tensor:
        return self.cov1 if self.cov2 is None else self.cov2

    def map(self, fn: Callable[[torch.Tensor], torch.Tensor], layout: str | None = None) -> KernelState:
        """Apply the same linear map to nngp, ntk and both self-covariances (which carry one batch axis
        fewer: ``fn`` must act on trailing axes)."""
        return KernelState(
            nngp=fn(self.nngp), ntk=fn(self.ntk), cov1=fn(self.cov1),
            cov2=None if self.cov2 is None else fn(self.cov2), layout=layout or self.layout,
        )

    # broadcast helpers: self-variances aligned with nngp's axes
    def var1(self) -> torch.Tensor:
        v = _diag_of(self.cov1, self.layout)
        if self.layout == "full":
            return v[:, None, :, :, None, None]
        return v.reshape(v.shape[0], 1, *v.shape[1:])

    def var2(self) -> torch.Tensor:
        v = _diag_of(self.cov2_or_1, self.layout)
        if self.layout == "full":
            return v[None, :, None, None, :, :]
        return v.reshape(1, *v.shape)


def _diag_of(cov: torch.Tensor, layout: str) -> torch.Tensor:
    """Same-position variances ``(N, *spatial)`` of a self-covariance in any layout."""
    if layout != "full":
        return cov
    n, h, w = cov.shape[:3]
    return cov.reshape(n, h * w, h * w).diagonal(dim1=1, dim2=2).reshape(n, h, w)


def to_layout(state: KernelState, layout: str) -> KernelState:
    """Reduce a state to a smaller layout (full -> diag); other requests must already hold."""
    if state.layout == layout:
        return state
    if state.layout == "full" and layout == "diag":
        def take(t: torch.Tensor) -> torch.Tensor:
            lead = t.shape[:-4]
            h, w = t.shape[-2:]
            return t.reshape(*lead, h * w, h * w).diagonal(dim1=-2, dim2=-1).reshape(*lead, h, w)
        return state.map(take, "diag")
    raise InvalidArgument(f"cannot turn a {state.layout!r} kernel state into {layout!r}")


# ----------------------------------------------------------------------------------------------- layers
class Layer:
    """Base of all kernel layers: ``apply`` maps a state to the next one; ``input_layout`` says which
    layout the layer needs at its input to deliver ``out`` at its output."""

    name = "layer"

    def apply(self, state: KernelState) -> KernelState:
        raise NotImplementedError

    def input_layout(self, out: str) -> str:
        return out

    def __call__(self, x1, x2=None, **kw) -> Kernels:
        return kernel_fn(self, x1, x2, **kw)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Identity(Layer):
    name = "identity"

    def apply(self, state: KernelState) -> KernelState:
        return state


class Zero(Layer):
    """The zero map (a 'none' edge in a cell): every kernel is zero."""

    name = "zero"

    def apply(self, state: KernelState) -> KernelState:
        return state.map(torch.zeros_like)


class Dense(Layer):
    """Fully connected layer (on spatial states: the same map per pixel, a 1x1 convolution).  ``width`` is
    descriptive only: infinite-width kernels do not depend on it."""

    name = "dense"

    def __init__(self, width: int | None = None, *, W_std: float = 1.0, b_std: float = 0.0):
        self.width, self.W_std, self.b_std = width, float(W_std), float(b_std)

    def apply(self, state: KernelState) -> KernelState:
        w2, b2 = self.W_std**2, self.b_std**2
        nngp = w2 * state.nngp + b2
        return KernelState(
            nngp=nngp, ntk=nngp + w2 * state.ntk, cov1=w2 * state.cov1 + b2,
            cov2=None if state.cov2 is None else w2 * state.cov2 + b2, layout=state.layout,
        )


def _out_size(n: int, f: int, s: int, padding: str) -> tuple[int, int, int]:
    """(output size, pad before, pad after) with the usual SAME/VALID conventions."""
    if padding == "SAME":
        out = -(-n // s)
        total = max((out - 1) * s + f - n, 0)
        return out, total // 2, total - total // 2
    out = (n - f) // s + 1
    if out < 1:
        raise InvalidArgument(f"window {f} is larger than the input size {n} with VALID padding")
    return out, 0, 0


def _pad_axes(t: torch.Tensor, axes: Sequence[int], lo: int, hi: int) -> torch.Tensor:
    if lo == 0 and hi == 0:
        return t
    pad: list[int] = [0] * (2 * t.dim())
    for a in axes:
        a = a % t.dim()
        k = t.dim() - 1 - a
        pad[2 * k], pad[2 * k + 1] = lo, hi
    return torch.nn.functional.pad(t, pad)


def _window_sum_diagonal(t: torch.Tensor, axes: Sequence[int], f: int, s: int, padding: str) -> torch.Tensor:
    """Sum over ``d`` in the window of ``t`` shifted by ``d`` along all ``axes`` together (the diagonal
    convolution of a pixel-pair kernel along one spatial dimension)."""
    n = t.shape[axes[0]]
    out, lo, hi = _out_size(n, f, s, padding)
    tp = _pad_axes(t, axes, lo, hi)
    acc = None
    for d in range(f):
        idx = [slice(None)] * t.dim()
        for a in axes:
            idx[a] = slice(d, d + s * (out - 1) + 1, s)
        piece = tp[tuple(idx)]
        acc = piece.clone() if acc is None else acc.add_(piece)
    assert acc is not None
    return acc


def _window_sum_axis(t: torch.Tensor, axis: int, f: int, s: int, padding: str, normalise_edges: bool) -> torch.Tensor:
    """Average over a window along one axis (pooling of one image's coordinate)."""
    n = t.shape[axis]
    out, lo, hi = _out_size(n, f, s, padding)
    tp = _pad_axes(t, [axis], lo, hi)
    acc = None
    for d in range(f):
        idx = [slice(None)] * t.dim()
        idx[axis] = slice(d, d + s * (out - 1) + 1, s)
        piece = tp[tuple(idx)]
        acc = piece.clone() if acc is None else acc.add_(piece)
    assert acc is not None
    if normalise_edges and (lo or hi):
        ones = torch.ones(n, dtype=t.dtype)
        cnt = _window_sum_axis(ones, 0, f, s, padding, False) * f  # real pixels in each window
        shape = [1] * t.dim()
        shape[axis] = out
        return acc / cnt.reshape(shape)
    return acc / f


def _pair(v: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    t = tuple(int(a) for a in v)
    if len(t) != 2:
        raise InvalidArgument(f"expected one integer or two (height, width), got {v!r}")
    return t  # type: ignore[return-value]


def _check_padding(padding: str) -> str:
    p = padding.upper()
    if p not in ("SAME", "VALID"):
        raise InvalidArgument(f"unknown padding {padding!r}; valid choices: SAME, VALID")
    return p


class Conv(Layer):
    """2D convolution on NHWC images: ``filter_shape`` (int or (fh, fw)), ``strides``, ``padding`` SAME or
    VALID.  ``channels`` is descriptive only."""

    name = "conv"

    def __init__(self, channels: int | None = None, filter_shape: int | Sequence[int] = 3, *,
                 strides: int | Sequence[int] = 1, padding: str = "SAME", W_std: float = 1.0, b_std: float = 0.0):
        self.channels = channels
        self.filter_shape, self.strides = _pair(filter_shape), _pair(strides)
        self.padding = _check_padding(padding)
        self.W_std, self.b_std = float(W_std), float(b_std)

    def _lin(self, t: torch.Tensor, layout: str) -> torch.Tensor:
        (fh, fw), (sh, sw) = self.filter_shape, self.strides
        if layout == "full":
            t = _window_sum_diagonal(t, (-4, -2), fh, sh, self.padding)
            t = _window_sum_diagonal(t, (-3, -1), fw, sw, self.padding)
        else:
            t = _window_sum_diagonal(t, (-2,), fh, sh, self.padding)
            t = _window_sum_diagonal(t, (-1,), fw, sw, self.padding)
        return t / (fh * fw)

    def apply(self, state: KernelState) -> KernelState:
        if state.layout == "flat":
            raise InvalidArgument("conv needs image inputs (N, H, W, C); this state is flat")
        w2, b2 = self.W_std**2, self.b_std**2
        lay = state.layout
        nngp = w2 * self._lin(state.nngp, lay) + b2
        return KernelState(
            nngp=nngp, ntk=nngp + w2 * self._lin(state.ntk, lay), cov1=w2 * self._lin(state.cov1, lay) + b2,
            cov2=None if state.cov2 is None else w2 * self._lin(state.cov2, lay) + b2, layout=lay,
        )


class AvgPool(Layer):
    """Average pooling with a window (int or pair), strides (default: the window) and padding (default
    VALID).  With SAME padding, ``count_include_pad=False`` divides by the number of real pixels."""

    name = "avgpool"

    def __init__(self, window: int | Sequence[int] = 2, strides: int | Sequence[int] | None = None,
                 padding: str = "VALID", *, count_include_pad: bool = True):
        self.window = _pair(window)
        self.strides = self.window if strides is None else _pair(strides)
        self.padding = _check_padding(padding)
        self.count_include_pad = count_include_pad

    def input_layout(self, out: str) -> str:
        return "full"

    def apply(self, state: KernelState) -> KernelState:
        if state.layout != "full":
            raise InvalidArgument("average pooling needs the full pixel-pair kernel (internal layout error)")
        (fh, fw), (sh, sw) = self.window, self.strides
        ne = not self.count_include_pad

        def lin(t: torch.Tensor) -> torch.Tensor:
            for ax, f, s in ((-4, fh, sh), (-3, fw, sw), (-2, fh, sh), (-1, fw, sw)):
                t = _window_sum_axis(t, ax, f, s, self.padding, ne)
            return t

        return state.map(lin)


class GlobalAvgPool(Layer):
    """Mean over all pixel pairs: spatial -> flat."""

    name = "gap"

    def input_layout(self, out: str) -> str:
        return "full"

    def apply(self, state: KernelState) -> KernelState:
        if state.layout != "full":
            raise InvalidArgument("global average pooling needs the full pixel-pair kernel (internal layout error)")
        return state.map(lambda t: t.mean(dim=(-4, -3, -2, -1)), "flat")


class Flatten(Layer):
    """Flatten an image representation: the mean over same-position pixel pairs (spatial -> flat)."""

    name = "flatten"

    def input_layout(self, out: str) -> str:
        return "diag"

    def apply(self, state: KernelState) -> KernelState:
        if state.layout == "flat":
            return state
        state = to_layout(state, "diag")
        return state.map(lambda t: t.mean(dim=(-2, -1)), "flat")


def lap_weights(n: int, c: int) -> torch.Tensor:
    """(n, n) weights of local average pooling along one axis: the number of windows ``[p-c, p+c]`` (p in
    range) holding both positions; a Gram matrix, so the pooled kernel stays positive semi-definite."""
    if c < 0:
        raise InvalidArgument(f"LAP window parameter c must be >= 0, got {c}")
    pos = torch.arange(n)
    member = ((pos[None, :] - pos[:, None]).abs() <= c).to(DTYPE)  # member[p, q]: q in window of p
    return member.T @ member


class LocalAvgPool(Layer):
    """Local average pooling read-out (LAP, Li et al. 2019): box blur of size 2c+1 (stride 1, zero padding)
    then flatten, normalised by the total weight so that ``c = 0`` is exactly the flatten (FC) read-out
    and ``c >= max(H, W) - 1`` exactly the GAP read-out.  Spatial -> flat."""

    name = "lap"

    def __init__(self, c: int = 0):
        if int(c) < 0:
            raise InvalidArgument(f"LAP window parameter c must be >= 0, got {c}")
        self.c = int(c)

    def input_layout(self, out: str) -> str:
        return "diag" if self.c == 0 else "full"

    def weights(self, h: int, w: int) -> tuple[torch.Tensor, torch.Tensor]:
        wh, ww = lap_weights(h, self.c), lap_weights(w, self.c)
        return wh / wh.sum(), ww / ww.sum()

    def apply(self, state: KernelState) -> KernelState:
        if self.c == 0 or state.layout == "diag":
            if state.layout == "diag" and self.c != 0:
                raise InvalidArgument("LAP with c > 0 needs the full pixel-pair kernel (internal layout error)")
            return Flatten().apply(state)
        h, w = state.spatial
        wh, ww = self.weights(h, w)
        return state.map(lambda t: torch.einsum("...hwij,hi,wj->...", t, wh, ww), "flat")


# --------------------------------------------------------------------------------------- nonlinearities
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
        v = _diag_of(cov, layout)
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
        out = torch.empty(k.numel(), dtype=DTYPE)
        z = math.sqrt(2.0) * self._x  # standard normal nodes
        w2d = self._w[:, None] * self._w[None, :]
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
        z = math.sqrt(2.0) * self._x
        u = torch.sqrt(v.clamp_min(0))[..., None] * z
        return (self.fn(u) ** 2 * self._w).sum(-1)


# ---------------------------------------------------------------------------------------- combinators
class Serial(Layer):
    name = "serial"

    def __init__(self, layers: Sequence[Layer]):
        self.layers = list(layers)

    def apply(self, state: KernelState) -> KernelState:
        for layer in self.layers:
            state = layer.apply(state)
        return state

    def input_layout(self, out: str) -> str:
        for layer in reversed(self.layers):
            out = layer.input_layout(out)
        return out


class ParallelSum(Layer):
    """FanOut -> one branch per layer -> FanInSum.  Branches are treated as independent given the input
    (exact when all but at most one start with freshly initialised weights)."""

    name = "parallel_sum"

    def __init__(self, branches: Sequence[Layer]):
        if not branches:
            raise InvalidArgument("parallel_sum needs at least one branch")
        self.branches = list(branches)

    def input_layout(self, out: str) -> str:
        return max((b.input_layout(out) for b in self.branches), key=_LAYOUT_ORDER.__getitem__)

    def apply(self, state: KernelState) -> KernelState:
        outs = [b.apply(state) for b in self.branches]
        low = min((o.layout for o in outs), key=_LAYOUT_ORDER.__getitem__)
        outs = [to_layout(o, low) for o in outs]
        shapes = {tuple(o.nngp.shape) for o in outs}
        if len(shapes) != 1:
            raise InvalidArgument(f"parallel branches give kernels of different shapes {sorted(shapes)}")
        total = outs[0]
        for o in outs[1:]:
            total = KernelState(
                nngp=total.nngp + o.nngp, ntk=total.ntk + o.ntk, cov1=total.cov1 + o.cov1,
                cov2=None if total.cov2 is None else total.cov2 + o.cov2, layout=low,
            )
        return total


def serial(*layers: Layer) -> Serial:
    """Compose layers one after the other."""
    return Serial(layers)


def parallel_sum(*branches: Layer) -> ParallelSum:
    """Sum of branches applied to the same input (skip connections: ``parallel_sum(Identity(), block)``)."""
    return ParallelSum(branches)


# ------------------------------------------------------------------------------------------- driver
def _as_tensor(x) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x).to(DTYPE)
    if t.dim() not in (2, 4):
        raise InvalidArgument(f"inputs must be (N, D) or images (N, H, W, C); got shape {tuple(t.shape)}")
    return t


def input_state(x1: torch.Tensor, x2: torch.Tensor | None, layout: str) -> KernelState:
    """The kernel state of raw inputs: ``x1 x2^T / d`` (images: per pixel pair, mean over channels)."""
    same = x2 is None
    x2_ = x1 if same else x2
    if x1.dim() == 2:
        d = x1.shape[1]
        nngp = x1 @ x2_.T / d
        cov1 = (x1 * x1).sum(1) / d
        cov2 = None if same else (x2_ * x2_).sum(1) / d
        return KernelState(nngp, torch.zeros_like(nngp), cov1, cov2, "flat")
    c = x1.shape[-1]
    if layout == "full":
        nngp = torch.einsum("ahwc,bijc->abhwij", x1, x2_) / c
        cov1 = torch.einsum("ahwc,aijc->ahwij", x1, x1) / c
        cov2 = None if same else torch.einsum("ahwc,aijc->ahwij", x2_, x2_) / c
    else:
        nngp = torch.einsum("ahwc,bhwc->abhw", x1, x2_) / c
        cov1 = (x1 * x1).sum(-1) / c
        cov2 = None if same else (x2_ * x2_).sum(-1) / c
    return KernelState(nngp, torch.zeros_like(nngp), cov1, cov2, layout)


def _auto_batch(x: torch.Tensor, layout: str, budget_bytes: float = 2.5e8) -> int:
    per_pair = 1 if x.dim() == 2 else (x.shape[1] * x.shape[2]) ** (2 if layout == "full" else 1)
    b = int(math.sqrt(budget_bytes / (8 * 10 * per_pair)))
    return max(1, min(b, x.shape[0]))


@contextlib.contextmanager
def torch_threads(n: int | None):
    """Run a block with ``n`` torch intra-op threads, restoring the previous number afterwards."""
    old = torch.get_num_threads()
    if n is not None and n != old:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != old:
            torch.set_num_threads(old)


def kernel_fn(net: Layer, x1, x2=None, *, batch_size: int | None = None, spatial_out: str = "diag",
              method: str = "auto", threads: int | None = 1) -> Kernels:
    """NNGP and NTK of ``net`` between ``x1`` and ``x2`` (``x2=None``: ``x1`` with itself, symmetric).

    Works in blocks of ``batch_size`` inputs per side (auto: keeps each block's tensors near 250 MB), so
    memory stays bounded as the number of inputs grows.  ``spatial_out`` ("diag" or "full") is the layout
    returned when the network ends on a spatial representation.

    ``method``: ``"auto"`` sends stacks of stride-1 SAME convolutions and nonlinearities with a GAP or LAP
    read-out to the fast route of :mod:`archrank.kernels.cntk` (same values, far less time and memory);
    ``"generic"`` always uses the layer-by-layer route here; ``"fast"`` insists on the fast route.
    ``threads``: torch intra-op threads used meanwhile (default 1, restored afterwards: the operations are
    small and many, and on a shared machine several threads per operation cost more than they gain;
    ``None`` keeps torch's setting)."""
    if method not in ("auto", "generic", "fast"):
        raise InvalidArgument(f"unknown method {method!r}; valid choices: auto, generic, fast")
    t1 = _as_tensor(x1)
    if method != "generic" and t1.dim() == 4:
        from archrank.kernels.cntk import compile_plan, fast_kernels

        plan = compile_plan(net)
        if plan is None and method == "fast":
            raise InvalidArgument("this network has no fast route (it needs stride-1 SAME convolutions with odd "
                                  "filters, dense layers and nonlinearities, then a flatten/GAP/LAP read-out)")
        if plan is not None and (method == "fast" or not isinstance(plan.readout, (Flatten,))
                                 and not (isinstance(plan.readout, LocalAvgPool) and plan.readout.c == 0)):
            return fast_kernels(plan, x1, x2, block=batch_size, threads=threads)["out"]
    t2 = None if x2 is None else _as_tensor(x2)
    if t2 is not None and t1.shape[1:] != t2.shape[1:]:
        raise InvalidArgument(f"x1 and x2 have different input shapes {tuple(t1.shape[1:])} and {tuple(t2.shape[1:])}")
    if spatial_out not in ("diag", "full"):
        raise InvalidArgument(f"unknown spatial_out {spatial_out!r}; valid choices: diag, full")
    layout = "flat" if t1.dim() == 2 else net.input_layout("flat")
    if layout == "flat" and t1.dim() == 4:  # network does not reduce space: keep the requested layout
        layout = net.input_layout(spatial_out)
        layout = "diag" if layout == "flat" else layout
    b = batch_size or _auto_batch(t1, layout)
    n1 = t1.shape[0]
    n2 = n1 if t2 is None else t2.shape[0]
    blocks1 = [(s, min(s + b, n1)) for s in range(0, n1, b)]
    blocks2 = blocks1 if t2 is None else [(s, min(s + b, n2)) for s in range(0, n2, b)]
    out_nngp = out_ntk = None
    with torch.no_grad(), torch_threads(threads):
        for i, (a0, a1) in enumerate(blocks1):
            for j, (c0, c1) in enumerate(blocks2):
                if t2 is None and j < i:
                    continue
                xa = t1[a0:a1]
                if t2 is None and i == j:
                    st = input_state(xa, None, layout)
                else:
                    st = input_state(xa, (t1 if t2 is None else t2)[c0:c1], layout)
                st = net.apply(st)
                if st.layout == "full" and spatial_out == "diag":
                    st = to_layout(st, "diag")
                if out_nngp is None:
                    out_nngp = torch.empty((n1, n2, *st.nngp.shape[2:]), dtype=DTYPE)
                    out_ntk = torch.empty_like(out_nngp)
                out_nngp[a0:a1, c0:c1] = st.nngp
                out_ntk[a0:a1, c0:c1] = st.ntk
                if t2 is None and j > i:
                    out_nngp[c0:c1, a0:a1] = _swap(st.nngp)
                    out_ntk[c0:c1, a0:a1] = _swap(st.ntk)
    assert out_nngp is not None and out_ntk is not None
    return Kernels(out_nngp.numpy(), out_ntk.numpy())


def _swap(t: torch.Tensor) -> torch.Tensor:
    """Transpose a cross kernel block: swap the two inputs (and their pixel coordinates in full layout)."""
    t = t.transpose(0, 1)
    if t.dim() == 6:
        t = t.permute(0, 1, 4, 5, 2, 3)
    return t


def replace_state(state: KernelState, **kw) -> KernelState:
    """``dataclasses.replace`` for kernel states (kept public for layer authors)."""
    return replace(state, **kw)
