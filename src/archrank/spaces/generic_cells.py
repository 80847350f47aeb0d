"""The vocabulary and values of the generic convolutional space (:mod:`archrank.spaces.generic`).

The operation universe, the hyperparameters that apply to each operation, the cell value
(:class:`CellOp`), the architecture value (:class:`GenericArch`) and which nodes are active.  Models import
these from here (:mod:`archrank.models.generic`).

Operations and the hyperparameters that apply to them (keys used in the string form):

=============  ===========================================================================
``conv``        ``k`` kernel size, ``d`` dilation, ``s`` stride, ``p`` padding mode, ``f`` filters
``dwconv``      depthwise convolution: ``k``, ``d``, ``s``, ``p`` (keeps the channel count)
``maxpool``     ``k``, ``d``, ``s``
``avgpool``     ``k``, ``s``
others          ``batchnorm``, ``layernorm``, ``identity``, ``relu``, ``gelu``, ``tanh``, ``sigmoid``
=============  ===========================================================================

Padding keeps the resolution at stride 1 ("same" padding; ``p`` chooses how the border is filled:
``zeros`` or ``replicate``); stride 2 halves it (rounding up).  Hyperparameters that do not apply to an
operation are stored at neutral values (kernel 1, dilation 1, stride 1, padding ``zeros``, filters 0).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from archrank.errors import InvalidArgument, UnknownName
from archrank.spaces.training_dims import Training

CONV_UNIVERSE: tuple[str, ...] = (
    "conv",
    "dwconv",
    "batchnorm",
    "layernorm",
    "maxpool",
    "avgpool",
    "identity",
    "relu",
    "gelu",
    "tanh",
    "sigmoid",
)
#: hyperparameter keys that apply to each operation (others have none)
OP_HPARAMS: dict[str, tuple[str, ...]] = {
    "conv": ("k", "d", "s", "p", "f"),
    "dwconv": ("k", "d", "s", "p"),
    "maxpool": ("k", "d", "s"),
    "avgpool": ("k", "s"),
}
KEY_FIELD = {"k": "kernel", "d": "dilation", "s": "stride", "p": "padding", "f": "filters"}
"""Short hyperparameter key in string forms -> CellOp attribute."""
NEUTRAL = {"kernel": 1, "dilation": 1, "stride": 1, "padding": "zeros", "filters": 0}
"""Values stored for hyperparameters that do not apply to an operation."""
PADDINGS: tuple[str, ...] = ("zeros", "replicate")


@dataclass(frozen=True)
class CellOp:
    """One cell: an operation name and its hyperparameters (neutral values where they do not apply)."""

    op: str
    kernel: int = 1
    dilation: int = 1
    stride: int = 1
    padding: str = "zeros"
    filters: int = 0


@dataclass(frozen=True)
class GenericArch(Training):
    """``cells[j-1]`` is cell ``j``; ``edges[j-1][i]`` is 1 when node ``i`` (0 = stem) feeds cell ``j``."""

    cells: tuple[CellOp, ...] = ()
    edges: tuple[tuple[int, ...], ...] = ()


def active_nodes(arch: GenericArch) -> list[bool]:
    """For nodes 0..L (0 = stem): whether the node lies on a path from the stem to the last cell."""
    n = len(arch.cells)
    fwd = [True] + [False] * n
    for j in range(1, n + 1):
        fwd[j] = any(arch.edges[j - 1][i] and fwd[i] for i in range(j))
    bwd = [False] * n + [True]
    for i in range(n - 1, -1, -1):
        bwd[i] = any(arch.edges[j - 1][i] and bwd[j] for j in range(i + 1, n + 1))
    return [f and b for f, b in zip(fwd, bwd)]


def format_cell(c: CellOp) -> str:
    """``op`` or ``op(key=value,...)`` with the hyperparameters that apply to the operation."""
    keys = OP_HPARAMS.get(c.op, ())
    if not keys:
        return c.op
    return c.op + "(" + ",".join(f"{k}={getattr(c, KEY_FIELD[k])}" for k in keys) + ")"


_CELL_RE = re.compile(r"^\s*([a-z0-9_]+)\s*(?:\((.*)\))?\s*$")


def parse_cell_text(text: str, universe: Sequence[str] = CONV_UNIVERSE) -> tuple[str, dict]:
    """``(op, {attribute: value})`` of one cell's string ``op`` or ``op(key=value,...)``.

    Checks the form, that ``op`` is in ``universe`` and that each key applies to it; the values are checked
    against a space's choices by :meth:`archrank.spaces.generic.GenericSpace.make_cell`.
    """
    m = _CELL_RE.match(text)
    if not m:
        raise InvalidArgument(
            f"malformed cell {text!r}; expected OP or OP(key=value,...) e.g. conv(k=3,d=1,s=1,p=zeros,f=32)"
        )
    op, args = m.group(1), m.group(2)
    if op not in universe:
        raise UnknownName("generic operation", op, tuple(universe))
    valid = OP_HPARAMS.get(op, ())
    hparams: dict = {}
    for item in filter(None, (s.strip() for s in (args or "").split(","))):
        key, eq, val = item.partition("=")
        key = key.strip()
        if not eq or key not in valid:
            raise InvalidArgument(f"bad hyperparameter {item!r} for {op!r}; valid keys: {list(valid) or 'none'}")
        if key == "p":
            hparams[KEY_FIELD[key]] = val.strip()
        else:
            try:
                hparams[KEY_FIELD[key]] = int(val)
            except ValueError:
                raise InvalidArgument(f"{key}={val!r} for {op!r} is not an integer") from None
    return op, hparams


def cell_moves(c: CellOp, universe: Sequence[str], choices: dict[str, tuple]) -> list[CellOp]:
    """The cells one decision away from ``c``: another operation of ``universe`` (keeping the shared
    hyperparameters, the first choice for new ones), or one hyperparameter changed to another of
    ``choices`` (short key -> values)."""
    moves = []
    own = OP_HPARAMS.get(c.op, ())
    for op in universe:
        if op != c.op:
            kw = {KEY_FIELD[k]: getattr(c, KEY_FIELD[k]) if k in own else choices[k][0] for k in OP_HPARAMS.get(op, ())}
            moves.append(CellOp(op, **{**NEUTRAL, **kw}))
    for k in own:
        f = KEY_FIELD[k]
        moves += [replace(c, **{f: v}) for v in choices[k] if v != getattr(c, f)]
    return moves
