"""DARTS-family cell spaces: the rules shared by the NDS design spaces and NAS-Bench-301.

A space is fixed by its operation vocabulary, the number of intermediate nodes per cell, whether the two
inputs of a node must be distinct states, the concat rule (``"all"``: every intermediate node is
concatenated into the cell output; ``"loose"``: only the nodes no other node reads, as in NASNet) and, for
NDS, the widths and depths a sampled network draws from.  Architectures are
:class:`~archrank.spaces.darts_genotype.DartsArch` values (see that module for the string and JSON forms).

Canonical form: the two ``(op, input)`` pairs of a node are sorted (addition is commutative) and, in
``"all"`` spaces with the zero operation ``none``, the input of a ``none`` edge is set to 0 (a zero tensor
does not depend on its input).  With either concat rule every other operation lies on a path to the cell
output, so nothing else is dead.  Intermediate nodes are not relabelled: permuting them permutes the
channels of the cell output, which changes the function computed with given weights.
"""

from __future__ import annotations

from math import comb
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument, UnknownName
from archrank.spaces.base import SearchSpace
from archrank.spaces.darts_genotype import (
    Cell,
    DartsArch,
    format_genotype,
    genotype_from_json,
    parse_genotype,
)

KINDS = ("normal", "reduce")
ZERO_OP = "none"


def loose_ends(cell: Cell, num_nodes: int) -> tuple[int, ...]:
    """Intermediate states (2 .. num_nodes + 1) that no edge of ``cell`` reads."""
    used = {i for _, i in cell}
    return tuple(s for s in range(2, num_nodes + 2) if s not in used)


def _pairs_of(n_inputs: int) -> list[tuple[int, int]]:
    return [(a, b) for a in range(n_inputs) for b in range(a + 1, n_inputs)]


class DartsCellSpace(SearchSpace):
    """A DARTS-family cell space; subclasses set the class attributes below."""

    name = "darts_cells"
    #: Operation vocabulary, in the order used by :meth:`encode` and :meth:`decisions`.
    ops: tuple[str, ...] = ()
    num_nodes: int = 4
    distinct_inputs: bool = False
    concat_rule: str = "all"
    #: Widths and depths of sampled networks; ``None`` where the space fixes the network (NAS-Bench-301).
    widths: tuple[int, ...] | None = None
    depths: tuple[int, ...] | None = None
    #: ``archrank describe`` reports parameters and FLOPs for this data set unless told otherwise.
    default_dataset: str = "cifar10"

    @property
    def size(self) -> None:
        """``None``: the space is finite but not index-enumerable."""
        return None

    @property
    def has_network_size(self) -> bool:
        return self.widths is not None

    # --- checking -----------------------------------------------------------------------------
    def concat_of(self, cell: Cell) -> tuple[int, ...]:
        """The concat list the space's rule gives ``cell``."""
        if self.concat_rule == "loose":
            return loose_ends(cell, self.num_nodes)
        return tuple(range(2, self.num_nodes + 2))

    def _check_cell(self, cell: Cell, kind: str) -> None:
        n = self.num_nodes
        if len(cell) != 2 * n:
            raise InvalidArgument(
                f"{kind} cell has {len(cell)} (operation, input) pairs; space {self.name!r} needs {2 * n} "
                f"(two per node, {n} nodes)"
            )
        for e, (op, i) in enumerate(cell):
            if op not in self.ops:
                raise UnknownName(f"{self.name} operation", op, self.ops)
            k = e // 2
            if not 0 <= i <= k + 1:
                raise InvalidArgument(
                    f"{kind} cell: node {k} reads state {i}; valid inputs are 0..{k + 1} "
                    "(0, 1: the two cell inputs, 2+m: node m)"
                )
        if self.distinct_inputs:
            for k in range(n):
                if cell[2 * k][1] == cell[2 * k + 1][1]:
                    raise InvalidArgument(
                        f"{kind} cell: node {k} reads state {cell[2 * k][1]} twice; in space {self.name!r} "
                        "the two inputs of a node are distinct"
                    )

    def check(self, arch: DartsArch) -> DartsArch:
        """``arch`` with its concat lists filled in from the rule; InvalidArgument names any problem."""
        out = arch
        for kind in KINDS:
            cell = arch.cell(kind)
            self._check_cell(cell, kind)
            expected = self.concat_of(cell)
            given = arch.concat(kind)
            if given and tuple(sorted(given)) != expected:
                raise InvalidArgument(
                    f"{kind}_concat {list(given)} does not follow the {self.concat_rule!r} rule of space "
                    f"{self.name!r}, which gives {list(expected)}"
                )
            out = out.with_cell(kind, cell, expected)
        if self.has_network_size:
            if arch.width is None or arch.depth is None:
                raise InvalidArgument(
                    f"space {self.name!r} needs the network's width and depth (e.g. width={self.widths[0]};"
                    f"depth={self.depths[0]}); got width={arch.width}, depth={arch.depth}"
                )
            if arch.width < 2 or arch.width % 2:
                raise InvalidArgument(f"width must be an even integer >= 2, got {arch.width}")
            if arch.depth < 1:
                raise InvalidArgument(f"depth must be >= 1, got {arch.depth}")
        elif arch.width is not None or arch.depth is not None:
            raise InvalidArgument(
                f"space {self.name!r} fixes the network; width/depth are not part of its architectures "
                f"(got width={arch.width}, depth={arch.depth})"
            )
        return out

    def _coerce(self, arch: Any) -> DartsArch:
        if isinstance(arch, DartsArch):
            return self.check(arch)
        if isinstance(arch, str):
            return self.parse(arch)
        if isinstance(arch, dict):
            return self.from_json(arch)
        raise InvalidArgument(
            f"not a {self.name} architecture: {arch!r}; expected DartsArch, its string or its JSON object"
        )

    # --- strings and JSON -------------------------------------------------------------------------
    def parse(self, text: str) -> DartsArch:
        return self.check(parse_genotype(text))

    def from_json(self, obj: dict) -> DartsArch:
        """An architecture from an NDS record's ``net`` object (or a bare genotype dict)."""
        return self.check(genotype_from_json(obj))

    def to_json(self, arch: Any) -> dict:
        return self._coerce(arch).to_json()

    def format(self, arch: Any) -> str:
        return format_genotype(self._coerce(arch))

    # --- identity ---------------------------------------------------------------------------------
    def canonical_arch(self, arch: Any) -> DartsArch:
        a = self._coerce(arch)
        for kind in KINDS:
            cell = list(a.cell(kind))
            if self.concat_rule == "all" and ZERO_OP in self.ops:
                cell = [(op, 0 if op == ZERO_OP else i) for op, i in cell]
            nodes = [tuple(sorted(cell[2 * k : 2 * k + 2], key=lambda p: (p[1], p[0]))) for k in range(self.num_nodes)]
            a = a.with_cell(kind, tuple(p for node in nodes for p in node), a.concat(kind))
        return a

    def representative(self, arch: Any) -> DartsArch:
        """The canonical cell (:meth:`canonical_arch`), itself a member of the class."""
        return self.canonical_arch(arch)

    def canonical(self, arch: Any) -> str:
        """Equal for architectures equal up to the order of a node's two inputs (and ``none`` inputs)."""
        return format_genotype(self.canonical_arch(arch))

    # --- sequential decisions ---------------------------------------------------------------------
    def decisions(self) -> list[int]:
        """Per cell (normal, then reduce) and node ``k``: without distinct inputs, (input of ``k + 2``
        choices, operation) for each of the two edges; with distinct inputs, (unordered input pair, operation
        of the lower input, operation of the higher).  Then width and depth where the space samples them."""
        out: list[int] = []
        for _ in KINDS:
            for k in range(self.num_nodes):
                if self.distinct_inputs:
                    out += [comb(k + 2, 2), len(self.ops), len(self.ops)]
                else:
                    out += [k + 2, len(self.ops), k + 2, len(self.ops)]
        if self.has_network_size:
            out += [len(self.widths), len(self.depths)]
        return out

    def to_decisions(self, arch: Any) -> list[int]:
        """Inverse of :meth:`from_decisions`; with distinct inputs it is taken on the canonical form."""
        a = self.canonical_arch(arch) if self.distinct_inputs else self._coerce(arch)
        out: list[int] = []
        for kind in KINDS:
            cell = a.cell(kind)
            for k in range(self.num_nodes):
                (o1, i1), (o2, i2) = cell[2 * k], cell[2 * k + 1]
                if self.distinct_inputs:
                    out += [_pairs_of(k + 2).index((i1, i2)), self.ops.index(o1), self.ops.index(o2)]
                else:
                    out += [i1, self.ops.index(o1), i2, self.ops.index(o2)]
        if self.has_network_size:
            if a.width not in self.widths or a.depth not in self.depths:
                raise InvalidArgument(
                    f"width {a.width} / depth {a.depth} are not among the sampled {self.widths} / {self.depths}"
                )
            out += [self.widths.index(a.width), self.depths.index(a.depth)]
        return out

    def from_decisions(self, choices: list[int]) -> DartsArch:
        spec = self.decisions()
        if len(choices) != len(spec) or any(not 0 <= int(c) < m for c, m in zip(choices, spec)):
            raise InvalidArgument(f"decisions {list(choices)!r} do not fit {spec}")
        it = iter(int(c) for c in choices)
        cells = []
        for _ in KINDS:
            cell: list[tuple[str, int]] = []
            for k in range(self.num_nodes):
                if self.distinct_inputs:
                    i1, i2 = _pairs_of(k + 2)[next(it)]
                    cell += [(self.ops[next(it)], i1), (self.ops[next(it)], i2)]
                else:
                    i1, o1, i2, o2 = next(it), next(it), next(it), next(it)
                    cell += [(self.ops[o1], i1), (self.ops[o2], i2)]
            cells.append(tuple(cell))
        width = depth = None
        if self.has_network_size:
            width, depth = self.widths[next(it)], self.depths[next(it)]
        return self.check(DartsArch(cells[0], (), cells[1], (), width, depth))

    # --- sampling and local moves -------------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> DartsArch:
        """Operations uniform over the vocabulary; inputs uniform over the earlier states (independently,
        or a uniform pair of distinct states); width and depth uniform over the space's lists."""
        choices = [int(rng.integers(m)) for m in self.decisions()]
        return self.from_decisions(choices)

    def _edge_variants(self, cell: Cell, e: int) -> list[Cell]:
        op, i = cell[e]
        k = e // 2
        partner = cell[e ^ 1][1]
        out = []
        for o in self.ops:
            if o != op:
                out.append(cell[:e] + ((o, i),) + cell[e + 1 :])
        for j in range(k + 2):
            if j != i and not (self.distinct_inputs and j == partner):
                out.append(cell[:e] + ((op, j),) + cell[e + 1 :])
        return out

    def neighbours(self, arch: Any) -> list[DartsArch]:
        """Every architecture one operation, one input, or (NDS) the width or the depth away."""
        a = self._coerce(arch)
        out: list[DartsArch] = []
        for kind in KINDS:
            cell = a.cell(kind)
            for e in range(len(cell)):
                for c in self._edge_variants(cell, e):
                    out.append(self.check(a.with_cell(kind, c, ())))
        if self.has_network_size:
            for w in self.widths:
                if w != a.width:
                    out.append(DartsArch(a.normal, a.normal_concat, a.reduce, a.reduce_concat, w, a.depth))
            for d in self.depths:
                if d != a.depth:
                    out.append(DartsArch(a.normal, a.normal_concat, a.reduce, a.reduce_concat, a.width, d))
        return out

    def mutate(self, arch: Any, rng: np.random.Generator) -> DartsArch:
        """A uniformly drawn neighbour whose canonical form differs from ``arch``'s."""
        a = self._coerce(arch)
        here = self.canonical(a)
        pool = [b for b in self.neighbours(a) if self.canonical(b) != here]
        return pool[int(rng.integers(len(pool)))]

    # --- vectors ------------------------------------------------------------------------------------------
    def encode(self, arch: Any) -> np.ndarray:
        """The canonical form as one-hot vectors: per cell and edge, the operation (vocabulary order) and the
        input (``num_nodes + 1`` slots); then, for NDS, width and depth scaled to [0, 1] over the sampled
        ranges.  Length ``2 * 2n * (|ops| + n + 1)`` (+ 2)."""
        a = self.canonical_arch(arch)
        n_ops, n_in = len(self.ops), self.num_nodes + 1
        parts = []
        for kind in KINDS:
            for op, i in a.cell(kind):
                v = np.zeros(n_ops + n_in)
                v[self.ops.index(op)] = 1.0
                v[n_ops + i] = 1.0
                parts.append(v)
        if self.has_network_size:
            w0, w1 = min(self.widths), max(self.widths)
            d0, d1 = min(self.depths), max(self.depths)
            parts.append(np.array([(a.width - w0) / (w1 - w0), (a.depth - d0) / (d1 - d0)]))
        return np.concatenate(parts).astype(np.float64)


__all__ = ["KINDS", "ZERO_OP", "DartsCellSpace", "loose_ends"]
