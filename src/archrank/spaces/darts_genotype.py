"""The DARTS-family genotype: the architecture value of the NDS and NAS-Bench-301 cell spaces.

A network stacks two kinds of cell, *normal* and *reduce*.  A cell has two inputs (0: the output of the cell
before the previous one, 1: the previous cell) and ``n`` intermediate nodes; node ``k`` (state ``k + 2``) is
the sum of two operations, each applied to one earlier state.  A cell is therefore a tuple of ``2 n``
``(operation, input)`` pairs, pairs ``2k`` and ``2k + 1`` feeding node ``k``, plus the list of states
concatenated into the cell output.  NDS records also carry the network's ``width`` (channels of the first
stage) and ``depth`` (number of cells); NAS-Bench-301 fixes both, so there they are ``None``.

The space's string form (see :func:`format_genotype`) is::

    normal=sep_conv_3x3~0+skip_connect~1|...;reduce=max_pool_3x3~0+...;width=48;depth=14

one ``|``-separated group per node, ``op~input`` joined by ``+``; the concat lists are implied by the
space's rule and are not written.  :func:`genotype_from_json` reads the ``net`` object of an NDS record
(``{"genotype": {...}, "width": .., "depth": ..}``) or a bare genotype dict.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, replace
from typing import Any

from archrank.errors import InvalidArgument

Cell = tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DartsArch:
    """Normal and reduce cells (each ``((op, input), ...)``), their concat lists, and width / depth."""

    normal: Cell
    normal_concat: tuple[int, ...]
    reduce: Cell
    reduce_concat: tuple[int, ...]
    width: int | None = None
    depth: int | None = None

    def cell(self, kind: str) -> Cell:
        return self.normal if kind == "normal" else self.reduce

    def concat(self, kind: str) -> tuple[int, ...]:
        return self.normal_concat if kind == "normal" else self.reduce_concat

    def with_cell(self, kind: str, cell: Cell, concat: tuple[int, ...]) -> DartsArch:
        if kind == "normal":
            return replace(self, normal=cell, normal_concat=concat)
        return replace(self, reduce=cell, reduce_concat=concat)

    def to_json(self) -> dict[str, Any]:
        """The NDS ``net`` layout: ``{"genotype": {...}, "width": .., "depth": ..}`` (width/depth if set)."""
        g = {
            "normal": [[op, i] for op, i in self.normal],
            "normal_concat": list(self.normal_concat),
            "reduce": [[op, i] for op, i in self.reduce],
            "reduce_concat": list(self.reduce_concat),
        }
        out: dict[str, Any] = {"genotype": g}
        if self.width is not None:
            out["width"] = self.width
        if self.depth is not None:
            out["depth"] = self.depth
        return out


def _pairs(obj: Any, what: str) -> Cell:
    if not isinstance(obj, (list, tuple)):
        raise InvalidArgument(f"{what} must be a list of (operation, input) pairs, got {obj!r}")
    out = []
    for p in obj:
        if not (isinstance(p, (list, tuple)) and len(p) == 2 and isinstance(p[0], str)):
            raise InvalidArgument(f"{what}: {p!r} is not an (operation, input) pair")
        try:
            i = int(p[1])
        except (TypeError, ValueError):
            raise InvalidArgument(f"{what}: input {p[1]!r} of {p!r} is not an integer") from None
        if i != p[1] or isinstance(p[1], bool):
            raise InvalidArgument(f"{what}: input {p[1]!r} of {p!r} is not an integer")
        out.append((p[0], i))
    return tuple(out)


def _ints(obj: Any, what: str) -> tuple[int, ...]:
    if isinstance(obj, range):
        obj = list(obj)
    if not isinstance(obj, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool) for v in obj):
        raise InvalidArgument(f"{what} must be a list of integers, got {obj!r}")
    return tuple(obj)


def _opt_int(obj: Any, what: str) -> int | None:
    if obj is None:
        return None
    if not isinstance(obj, int) or isinstance(obj, bool):
        raise InvalidArgument(f"{what} must be an integer, got {obj!r}")
    return obj


def genotype_from_json(obj: Any) -> DartsArch:
    """An unchecked value from an NDS ``net`` object or a bare genotype dict (concat lists may be absent).

    Missing concat lists are left empty, for the space to fill in from its rule.
    """
    if not isinstance(obj, dict):
        raise InvalidArgument(f"a DARTS-family architecture must be a JSON object, got {type(obj).__name__}")
    g = obj.get("genotype", obj)
    if not isinstance(g, dict) or "normal" not in g or "reduce" not in g:
        raise InvalidArgument(
            f"JSON architecture needs 'normal' and 'reduce' cells (under 'genotype' or at the top); got keys {sorted(g)!r}"
            if isinstance(g, dict) else f"'genotype' must be an object, got {g!r}"
        )
    return DartsArch(
        normal=_pairs(g["normal"], "normal cell"),
        normal_concat=_ints(g.get("normal_concat", ()), "normal_concat"),
        reduce=_pairs(g["reduce"], "reduce cell"),
        reduce_concat=_ints(g.get("reduce_concat", ()), "reduce_concat"),
        width=_opt_int(obj.get("width"), "width"),
        depth=_opt_int(obj.get("depth"), "depth"),
    )


def _genotype_call(text: str) -> DartsArch:
    """``Genotype(normal=[...], normal_concat=..., reduce=[...], reduce_concat=range(2, 6))`` (DARTS repr)."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise InvalidArgument(f"malformed Genotype(...) text {text!r}: {exc.msg}") from None
    if not isinstance(node, ast.Call) or node.args:
        raise InvalidArgument(f"malformed Genotype(...) text {text!r}; expected keyword arguments only")
    fields: dict[str, Any] = {}
    for kw in node.keywords:
        v = kw.value
        if isinstance(v, ast.Call) and getattr(v.func, "id", None) == "range":
            fields[kw.arg] = list(range(*[ast.literal_eval(a) for a in v.args]))
        else:
            try:
                fields[kw.arg] = ast.literal_eval(v)
            except ValueError:
                raise InvalidArgument(f"Genotype field {kw.arg!r} is not a literal in {text!r}") from None
    return genotype_from_json(fields)


def _parse_cell(text: str, what: str) -> Cell:
    pairs = []
    for group in text.split("|"):
        for item in group.split("+"):
            op, sep, idx = item.strip().partition("~")
            if not sep or not idx.strip().isdigit():
                raise InvalidArgument(f"{what}: {item!r} is not 'operation~input', e.g. 'sep_conv_3x3~1'")
            pairs.append((op.strip(), int(idx)))
    return tuple(pairs)


def parse_genotype(text: str) -> DartsArch:
    """An unchecked value from the string form, a JSON object, or a DARTS ``Genotype(...)`` repr."""
    if not isinstance(text, str):
        raise InvalidArgument(f"architecture string expected, got {type(text).__name__}")
    t = text.strip()
    if t.startswith("{"):
        try:
            return genotype_from_json(json.loads(t))
        except json.JSONDecodeError as exc:
            raise InvalidArgument(f"malformed JSON architecture {text!r}: {exc.msg}") from None
    if t.startswith("Genotype("):
        return _genotype_call(t)
    fields: dict[str, str] = {}
    for part in t.split(";"):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in ("normal", "reduce", "width", "depth", "normal_concat", "reduce_concat"):
            raise InvalidArgument(
                f"malformed architecture {text!r}: {part!r} is not one of normal=..., reduce=..., width=N, depth=N"
            )
        fields[key] = value.strip()
    if "normal" not in fields or "reduce" not in fields:
        raise InvalidArgument(f"architecture {text!r} needs both 'normal=...' and 'reduce=...'")

    def num(key: str) -> int | None:
        if key not in fields:
            return None
        if not fields[key].isdigit():
            raise InvalidArgument(f"{key} must be a positive integer, got {fields[key]!r}")
        return int(fields[key])

    def concat(key: str) -> tuple[int, ...]:
        v = fields.get(key, "")
        if v and not all(s.strip().isdigit() for s in v.split(",")):
            raise InvalidArgument(f"{key} must be integers joined by ',', got {v!r}")
        return tuple(int(s) for s in v.split(",")) if v else ()

    return DartsArch(
        normal=_parse_cell(fields["normal"], "normal cell"),
        normal_concat=concat("normal_concat"),
        reduce=_parse_cell(fields["reduce"], "reduce cell"),
        reduce_concat=concat("reduce_concat"),
        width=num("width"),
        depth=num("depth"),
    )


def format_cell(cell: Cell) -> str:
    return "|".join(
        "+".join(f"{op}~{i}" for op, i in cell[2 * k : 2 * k + 2]) for k in range(len(cell) // 2)
    )


def format_genotype(arch: DartsArch) -> str:
    """The string form: ``normal=...;reduce=...`` then ``;width=N;depth=N`` where they are set."""
    s = f"normal={format_cell(arch.normal)};reduce={format_cell(arch.reduce)}"
    if arch.width is not None:
        s += f";width={arch.width}"
    if arch.depth is not None:
        s += f";depth={arch.depth}"
    return s


__all__ = ["Cell", "DartsArch", "format_cell", "format_genotype", "genotype_from_json", "parse_genotype"]
