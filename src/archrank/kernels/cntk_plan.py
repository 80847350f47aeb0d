"""Recognising networks for the fast convolutional route: :func:`compile_plan` splits a network into an
optional leading convolution, spatial ops, a read-out and a flat tail (see :mod:`archrank.kernels.cntk`)."""

from __future__ import annotations

from dataclasses import dataclass

from archrank.kernels.combinators import Serial
from archrank.kernels.layer import Layer
from archrank.kernels.linear import Conv, Dense, Identity
from archrank.kernels.nonlinear import Nonlinearity
from archrank.kernels.pooling import Flatten, GlobalAvgPool, LocalAvgPool


@dataclass
class ConvPlan:
    """A network split for the fast route: optional leading conv (folded into the input Gram), spatial
    ops (stride-1 SAME convs with odd filters, dense, nonlinearities, identity), a read-out, flat tail."""

    first: Conv | None
    ops: list[Layer]
    readout: Layer
    tail: list[Layer]


def _expand(layer: Layer) -> list[Layer] | None:
    if isinstance(layer, Serial):
        out: list[Layer] = []
        for sub in layer.layers:
            e = _expand(sub)
            if e is None:
                return None
            out.extend(e)
        return out
    return [layer]


def _fast_conv(layer: Layer) -> bool:
    return (isinstance(layer, Conv) and layer.strides == (1, 1) and layer.padding == "SAME"
            and all(f % 2 == 1 for f in layer.filter_shape))


def compile_plan(net: Layer) -> ConvPlan | None:
    """Split ``net`` for the fast route, or ``None`` when it has another shape (pooling inside, strides,
    VALID padding, even filters, parallel branches, no read-out)."""
    layers = _expand(net)
    if not layers:
        return None
    spatial_ok = (Dense, Nonlinearity, Identity)
    readout_types = (GlobalAvgPool, LocalAvgPool, Flatten)
    idx = next((i for i, lay in enumerate(layers) if isinstance(lay, readout_types)), None)
    if idx is None:
        return None
    body, readout, tail = layers[:idx], layers[idx], layers[idx + 1:]
    if not all(_fast_conv(lay) or isinstance(lay, spatial_ok) for lay in body):
        return None
    if not all(isinstance(lay, spatial_ok) for lay in tail):
        return None
    first = body[0] if body and isinstance(body[0], Conv) else None
    return ConvPlan(first=first, ops=body[1:] if first is not None else body, readout=readout, tail=tail)
