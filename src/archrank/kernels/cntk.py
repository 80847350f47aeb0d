"""Fast convolutional kernels: CNN-GP and CNTK (Arora et al. 2019) with FC, GAP and LAP read-outs and
horizontal-flip symmetrisation (Li et al. 2019).

The pixel-pair kernel of a stack of stride-1 SAME convolutions and elementwise nonlinearities has a
structure the straightforward route (:mod:`archrank.kernels.analytic`, which holds the full
``(N1, N2, H, W, H, W)`` tensor) does not use: a convolution shifts both pixels of a pair together, so the
row offset ``dh = h2 - h1`` never changes through the stack.  The kernel therefore splits into ``2H - 1``
independent *row-offset slices* of shape ``(H - |dh|, W, W)`` per image pair, each small enough to stay in
cache while all layers are applied to it, and the read-out (GAP: plain sum; LAP: weighted sum; FC: the
``dh = 0`` slice's diagonal) is accumulated slice by slice.  Only a block of image pairs and one slice are
alive at a time, so memory is bounded whatever the number of images.  A leading convolution is folded
into the input: its kernel is the Gram matrix of the images' zero-padded patches (one matrix product).

Networks of that form are recognised by :func:`~archrank.kernels.cntk_plan.compile_plan` and computed by
:mod:`archrank.kernels.cntk_route`, which :func:`archrank.kernels.analytic.kernel_fn` uses automatically for
them.  This module holds the CNTK / CNN-GP functions of the papers.  :func:`cntk` builds the networks of Arora et al. (``depth``
convolution + ReLU layers with ``W_std = sqrt(2)``, no bias, then a read-out and a linear output layer)
and adds flip symmetrisation:  ``K_flip(x, x') = (K(x, x') + K(x, flip(x'))) / 2``, which is what kernel
regression on the data set augmented by horizontal flips computes (with half the ridge).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from archrank.errors import InvalidArgument
from archrank.kernels.cntk_plan import ConvPlan, compile_plan
from archrank.kernels.cntk_route import block_count, fast_kernels
from archrank.kernels.combinators import Serial, serial
from archrank.kernels.layer import Layer, Progress
from archrank.kernels.linear import Conv, Dense
from archrank.kernels.nonlinear import Relu
from archrank.kernels.pooling import Flatten, GlobalAvgPool, LocalAvgPool
from archrank.kernels.state import Kernels

READOUTS = ("fc", "gap", "lap")


# ------------------------------------------------------------------------------------- CNTK / CNN-GP API
def readout_layer(readout: str, c: int | None = None) -> Layer:
    """``"fc"`` (flatten), ``"gap"`` or ``"lap"`` (with window parameter ``c``)."""
    if readout == "fc":
        return Flatten()
    if readout == "gap":
        return GlobalAvgPool()
    if readout == "lap":
        if c is None:
            raise InvalidArgument("the LAP read-out needs its window parameter c")
        return LocalAvgPool(c)
    raise InvalidArgument(f"unknown read-out {readout!r}; valid choices: {', '.join(READOUTS)}")


def cntk_body(depth: int, *, filter_size: int = 3, W_std: float = math.sqrt(2.0), b_std: float = 0.0) -> Serial:
    """``depth`` x (conv, ReLU): the body of the CNTK / CNN-GP of Arora et al. (2019)."""
    if depth < 1:
        raise InvalidArgument(f"depth must be >= 1, got {depth}")
    layers: list[Layer] = []
    for _ in range(depth):
        layers += [Conv(None, filter_size, W_std=W_std, b_std=b_std), Relu()]
    return serial(*layers)


def cntk_network(depth: int, readout: str = "gap", *, c: int | None = None, filter_size: int = 3,
                 W_std: float = math.sqrt(2.0), b_std: float = 0.0) -> Serial:
    """The whole network: body, read-out, then a linear output layer (W_std = 1, no bias)."""
    return serial(cntk_body(depth, filter_size=filter_size, W_std=W_std, b_std=b_std),
                     readout_layer(readout, c), Dense(1))


def flip_horizontal(x) -> np.ndarray:
    """Mirror NHWC images left-right."""
    return np.ascontiguousarray(np.asarray(x)[:, :, ::-1, :])


def cntk(x1, x2=None, *, depth: int = 3, readouts: Sequence[str | tuple[str, int]] = ("gap",), flip: bool = False,
         filter_size: int = 3, W_std: float = math.sqrt(2.0), b_std: float = 0.0,
         block: int | None = None, symmetric: bool = False, progress: Progress | None = None,
         device: str | torch.device | None = None) -> dict[str, Kernels]:
    """CNN-GP (``nngp``) and CNTK (``ntk``) of a ``depth``-layer convolutional network for several read-outs
    at once (``"fc"``, ``"gap"``, ``("lap", c)``), keyed ``"fc"``, ``"gap"``, ``"lap4"``, ...

    With ``flip`` each kernel is symmetrised over horizontal flips of the second input.  ``symmetric``
    (with ``x2``) promises a symmetric result, e.g. ``K(X, flip(X))``, and halves the work.  ``progress(done,
    total)`` counts the blocks of both passes when ``flip`` is set; ``device`` is where they are computed
    (see :func:`~archrank.kernels.cntk_route.fast_kernels`)."""
    body = cntk_body(depth, filter_size=filter_size, W_std=W_std, b_std=b_std)
    layers: dict[str, Layer] = {}
    for r in readouts:
        if isinstance(r, str):
            layers[r] = readout_layer(r)
        else:
            name, c = r
            layers[f"{name}{c}"] = readout_layer(name, c)
    if not layers:
        raise InvalidArgument("cntk needs at least one read-out")
    plan = compile_plan(serial(body, next(iter(layers.values())), Dense(1)))
    assert plan is not None
    shape1 = tuple(np.shape(x1))
    first = block_count(shape1, None if x2 is None else len(x2), block, half=x2 is None or symmetric)
    total = first + (block_count(shape1, len(x1 if x2 is None else x2), block, half=x2 is None) if flip else 0)

    def report(offset: int):
        return None if progress is None else (lambda done, _: progress(offset + done, total))

    res = fast_kernels(plan, x1, x2, readouts=layers, block=block, symmetric=symmetric, progress=report(0),
                       device=device)
    if flip:
        xf = flip_horizontal(x1 if x2 is None else x2)
        res_f = fast_kernels(plan, x1, xf, readouts=layers, block=block, symmetric=x2 is None,
                             progress=report(first), device=device)
        res = {k: Kernels((v.nngp + res_f[k].nngp) / 2, (v.ntk + res_f[k].ntk) / 2) for k, v in res.items()}
    return res


__all__ = ["READOUTS", "ConvPlan", "cntk", "cntk_body", "cntk_network", "compile_plan", "fast_kernels",
           "flip_horizontal", "readout_layer"]
