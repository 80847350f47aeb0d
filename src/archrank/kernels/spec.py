"""Text descriptions of kernel networks, as used by ``archrank kernel --net``.

A spec is a comma-separated list of layers::

    conv:64:3,relu,conv:64:3,relu,gap,dense:10

Forms: ``dense:WIDTH``, ``conv:CHANNELS:FILTER[:STRIDE]`` (SAME padding), ``avgpool:WINDOW[:STRIDE]``
(VALID padding, stride defaults to the window), ``relu``, ``erf``, ``leaky_relu[:ALPHA]``, ``abs``, ``gap``,
``flatten``, ``lap:C`` (local average pooling read-out), ``identity``.  Dense and conv layers share the
given ``W_std`` and ``b_std``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archrank.errors import InvalidArgument

if TYPE_CHECKING:
    from archrank.kernels import analytic as ak

LAYER_FORMS = ("dense:WIDTH", "conv:CHANNELS:FILTER[:STRIDE]", "avgpool:WINDOW[:STRIDE]", "relu", "erf",
               "leaky_relu[:ALPHA]", "abs", "gap", "flatten", "lap:C", "identity")


def _bad(item: str, why: str) -> InvalidArgument:
    return InvalidArgument(f"bad layer {item!r} in the network spec ({why}); valid layer forms: "
                           + ", ".join(LAYER_FORMS))


def _ints(item: str, parts: list[str], lo: int, hi: int) -> list[int]:
    if not lo <= len(parts) <= hi:
        raise _bad(item, f"expected {lo} to {hi} numbers after the name" if lo != hi else
                   f"expected {lo} number{'s' if lo > 1 else ''} after the name")
    try:
        vals = [int(p) for p in parts]
    except ValueError:
        raise _bad(item, "sizes must be integers") from None
    if any(v < 1 for v in vals):
        raise _bad(item, "sizes must be >= 1")
    return vals


def parse_net(spec: str, *, W_std: float = 1.0, b_std: float = 0.0) -> ak.Serial:
    """The network described by ``spec`` (see the module docstring); InvalidArgument if malformed."""
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidArgument("empty network spec; valid layer forms: " + ", ".join(LAYER_FORMS))
    from archrank.kernels import analytic as ak

    layers: list[ak.Layer] = []
    for raw in spec.split(","):
        item = raw.strip()
        name, *parts = item.split(":")
        name = name.strip().lower()
        if name == "dense":
            (width,) = _ints(item, parts, 1, 1)
            layers.append(ak.Dense(width, W_std=W_std, b_std=b_std))
        elif name == "conv":
            vals = _ints(item, parts, 2, 3)
            layers.append(ak.Conv(vals[0], vals[1], strides=vals[2] if len(vals) == 3 else 1, padding="SAME",
                                  W_std=W_std, b_std=b_std))
        elif name == "avgpool":
            vals = _ints(item, parts, 1, 2)
            layers.append(ak.AvgPool(vals[0], vals[1] if len(vals) == 2 else None, "VALID"))
        elif name == "lap":
            if len(parts) != 1 or not parts[0].strip().isdigit():
                raise _bad(item, "expected lap:C with an integer C >= 0")
            layers.append(ak.LocalAvgPool(int(parts[0])))
        elif name == "leaky_relu":
            if len(parts) > 1:
                raise _bad(item, "expected leaky_relu or leaky_relu:ALPHA")
            try:
                alpha = float(parts[0]) if parts else 0.01
            except ValueError:
                raise _bad(item, "ALPHA must be a number") from None
            layers.append(ak.LeakyRelu(alpha))
        elif name in ("relu", "erf", "abs", "gap", "flatten", "identity"):
            if parts:
                raise _bad(item, f"{name} takes no parameters")
            layers.append({"relu": ak.Relu, "erf": ak.Erf, "abs": ak.AbsRelu, "gap": ak.GlobalAvgPool,
                           "flatten": ak.Flatten, "identity": ak.Identity}[name]())
        else:
            raise _bad(item, "unknown layer")
    return ak.serial(*layers)
