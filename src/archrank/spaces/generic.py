"""The generic search space, following the general definition of neural architecture search.

A network (:class:`GenericSpace`) is a stem followed by ``num_cells`` cells.  Each cell is one operation
drawn from a universe ``S`` (a bag: operations may repeat, each with its own weights) together with the
operation's hyperparameters; a binary edge map says which earlier nodes feed each cell (node 0 is the stem,
node ``j`` is cell ``j``), so any cell may skip to any later cell.  The last cell feeds the classifier.
The training hyperparameters (learning rate, batch size, epochs) are searchable dimensions of the same
architecture value.

The operations and their hyperparameters are listed in :mod:`archrank.spaces.generic_cells`.

String form: cells joined by ``+``, then ``|`` and the edge map as one group of bits per cell (group ``j``
holds the bits of nodes ``0..j-1`` feeding cell ``j``) joined by ``-``, then ``|`` and the training
hyperparameters, e.g. ``conv(k=3,d=1,s=1,p=zeros,f=32)+relu+maxpool(k=3,d=1,s=2)|1-01-011|lr=0.01,bs=64,ep=4``.

A cell is *active* when it lies on a path from the stem to the last cell; inactive cells compute nothing
that reaches the output and the canonical form blanks them (``identity``, no edges).  An architecture is
valid when the last cell is reachable from the stem.

The MLP variant for vector inputs is :mod:`archrank.spaces.generic_mlp`; the vocabulary and values are in
:mod:`archrank.spaces.generic_cells`, the numeric forms (feature vector, sequence of decisions) in
:mod:`archrank.spaces.generic_encoding`, the training dimensions in :mod:`archrank.spaces.training_dims`.

Training hyperparameters are attributes of the architecture: ``arch.learning_rate``, ``arch.batch_size``,
``arch.epochs`` (and ``arch.training``, the same as a dict).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument, UnknownName
from archrank.spaces import register_space
from archrank.spaces.base import SearchSpace
from archrank.spaces.generic_cells import (
    CONV_UNIVERSE,
    KEY_FIELD,
    NEUTRAL,
    OP_HPARAMS,
    PADDINGS,
    CellOp,
    GenericArch,
    active_nodes,
    cell_moves,
    format_cell,
    parse_cell_text,
)
from archrank.spaces.generic_encoding import GenericEncoding
from archrank.spaces.training_dims import TrainingDims, check_choices


class GenericSpace(GenericEncoding, TrainingDims, SearchSpace):
    """Cells from a universe of operations, a DAG edge map with skips, and training hyperparameters.

    Keyword-only configuration; ``GenericSpace()`` is the registered ``"generic"`` space.  ``size`` is
    ``None`` (not index-enumerable); :attr:`cardinality` counts every combination of decisions, including
    edge maps that leave the last cell unreachable.

    ``sample`` draws operations and hyperparameters uniformly, chain edges (``j-1 -> j``) with probability
    ``chain_prob`` and skip edges with probability ``skip_prob``, rejecting invalid edge maps.
    """

    name = "generic"

    def __init__(
        self,
        *,
        num_cells: int = 4,
        universe: tuple[str, ...] = CONV_UNIVERSE,
        kernel_sizes: tuple[int, ...] = (1, 3, 5),
        dilations: tuple[int, ...] = (1, 2),
        strides: tuple[int, ...] = (1, 2),
        paddings: tuple[str, ...] = ("zeros", "replicate"),
        filters: tuple[int, ...] = (16, 32, 64),
        stem_channels: int = 16,
        learning_rates: tuple[float, ...] = (0.1, 0.03, 0.01, 0.003),
        batch_sizes: tuple[int, ...] = (32, 64, 128, 256),
        epochs: tuple[int, ...] = (1, 2, 4, 8),
        chain_prob: float = 0.95,
        skip_prob: float = 0.3,
    ):
        if not isinstance(num_cells, int) or num_cells < 1:
            raise InvalidArgument(f"num_cells must be a positive integer, got {num_cells!r}")
        self.num_cells = num_cells
        self.universe = check_choices("universe", universe)
        for op in self.universe:
            if op not in CONV_UNIVERSE:
                raise UnknownName("generic operation", op, CONV_UNIVERSE)
        self.kernel_sizes = check_choices("kernel_sizes", kernel_sizes, int)
        if any(k % 2 == 0 for k in self.kernel_sizes):
            raise InvalidArgument(f"kernel_sizes must be odd, got {kernel_sizes!r}")
        self.dilations = check_choices("dilations", dilations, int)
        self.strides = check_choices("strides", strides, int)
        self.paddings = check_choices("paddings", paddings)
        for p in self.paddings:
            if p not in PADDINGS:
                raise UnknownName("padding mode", p, PADDINGS)
        self.filters = check_choices("filters", filters, int)
        self.stem_channels = stem_channels
        self._init_training(learning_rates, batch_sizes, epochs)
        if not (0 < chain_prob <= 1 and 0 <= skip_prob <= 1):
            raise InvalidArgument(
                f"chain_prob must be in (0, 1] and skip_prob in [0, 1], got {chain_prob}, {skip_prob}"
            )
        self.chain_prob, self.skip_prob = chain_prob, skip_prob

    # --- sizes ------------------------------------------------------------------------------------
    @property
    def size(self) -> None:
        return None

    def _hp_choices(self) -> dict[str, tuple]:
        return {"k": self.kernel_sizes, "d": self.dilations, "s": self.strides, "p": self.paddings,
                "f": self.filters}

    @property
    def cardinality(self) -> int:
        """Number of combinations of all decisions (cells, hyperparameters, edge maps, training)."""
        hp = self._hp_choices()
        per_cell = sum(math.prod(len(hp[k]) for k in OP_HPARAMS.get(op, ())) for op in self.universe)
        n = self.num_cells
        train = math.prod(len(c) for c in self._train_choices().values())
        return per_cell**n * 2 ** (n * (n + 1) // 2) * train

    # --- values -----------------------------------------------------------------------------------
    def make_cell(self, op: str, **hparams) -> CellOp:
        """A checked cell: ``make_cell("conv", kernel=3, dilation=1, stride=1, padding="zeros", filters=32)``."""
        if op not in self.universe:
            raise UnknownName("generic operation", op, self.universe)
        keys = OP_HPARAMS.get(op, ())
        fields = {KEY_FIELD[k]: k for k in keys}
        bad = [f for f in hparams if f not in fields]
        if bad:
            raise InvalidArgument(
                f"hyperparameter(s) {bad} do not apply to {op!r}; valid: {list(fields) or 'none'}"
            )
        missing = [f for f in fields if f not in hparams]
        if missing:
            raise InvalidArgument(f"missing hyperparameter(s) {missing} for {op!r}")
        hp = self._hp_choices()
        for f, k in fields.items():
            if hparams[f] not in hp[k]:
                raise InvalidArgument(f"{f}={hparams[f]!r} is not a choice for {op!r}; valid: {list(hp[k])}")
        return CellOp(op, **{**NEUTRAL, **hparams})

    def make(self, cells, edges, *, learning_rate, batch_size, epochs) -> GenericArch:
        """A checked architecture; ``edges[j-1]`` lists the 0/1 bits of nodes ``0..j-1`` feeding cell ``j``."""
        cells = tuple(cells)
        if len(cells) != self.num_cells:
            raise InvalidArgument(f"{len(cells)} cells given; this space has num_cells={self.num_cells}")
        for c in cells:
            if not isinstance(c, CellOp):
                raise InvalidArgument(f"cell {c!r} is not a CellOp")
            checked = self.make_cell(
                c.op, **{KEY_FIELD[k]: getattr(c, KEY_FIELD[k]) for k in OP_HPARAMS.get(c.op, ())}
            )
            if c != checked:
                raise InvalidArgument(f"cell {c!r} sets hyperparameters that do not apply to {c.op!r}")
        edges = tuple(tuple(int(b) for b in row) for row in edges)
        if len(edges) != self.num_cells or any(len(row) != j + 1 for j, row in enumerate(edges)):
            raise InvalidArgument(
                f"edge map must have {self.num_cells} groups of 1..{self.num_cells} bits, got {edges!r}"
            )
        if any(b not in (0, 1) for row in edges for b in row):
            raise InvalidArgument(f"edge map bits must be 0/1, got {edges!r}")
        arch = GenericArch(learning_rate, batch_size, epochs, cells, edges)
        self._check_training(arch)
        if not self.active(arch)[-1]:
            raise InvalidArgument("the last cell is not reachable from the stem; add an edge into it")
        return arch

    @staticmethod
    def active(arch: GenericArch) -> list[bool]:
        """For nodes 0..L (0 = stem): whether the node lies on a path from the stem to the last cell."""
        return active_nodes(arch)

    def _is_valid(self, arch: GenericArch) -> bool:
        return self.active(arch)[-1]

    # --- strings ----------------------------------------------------------------------------------
    def format(self, arch: GenericArch) -> str:
        cells = "+".join(format_cell(c) for c in arch.cells)
        edges = "-".join("".join(str(b) for b in row) for row in arch.edges)
        return f"{cells}|{edges}|{self._format_training(arch)}"

    def _parse_cell(self, text: str) -> CellOp:
        op, hparams = parse_cell_text(text, self.universe)
        return self.make_cell(op, **hparams)

    def parse(self, text: str) -> GenericArch:
        if not isinstance(text, str):
            raise InvalidArgument(f"generic architecture string expected, got {type(text).__name__}")
        cells_s, edges_s, train_s = self._split_training_parts(text, 3)
        cells = [self._parse_cell(c) for c in cells_s.split("+")]
        groups = edges_s.strip().split("-")
        if any(set(g) - {"0", "1"} or not g for g in groups):
            raise InvalidArgument(
                f"malformed edge map {edges_s!r}; expected groups of 0/1 bits joined by '-', e.g. 1-01-011"
            )
        edges = [[int(b) for b in g] for g in groups]
        return self.make(cells, edges, **self._parse_training(train_s))

    def canonical(self, arch: GenericArch) -> str:
        """The string form with inactive cells blanked to ``identity`` and their edges removed."""
        act = self.active(arch)
        cells = tuple(c if act[j + 1] else CellOp("identity") for j, c in enumerate(arch.cells))
        edges = tuple(
            tuple(b if act[i] and act[j + 1] else 0 for i, b in enumerate(row))
            for j, row in enumerate(arch.edges)
        )
        return self.format(replace(arch, cells=cells, edges=edges))

    # --- sampling and local moves -------------------------------------------------------------------
    def _random_cell(self, rng: np.random.Generator, op: str | None = None) -> CellOp:
        op = op if op is not None else self.universe[int(rng.integers(len(self.universe)))]
        hp = self._hp_choices()
        return self.make_cell(
            op, **{KEY_FIELD[k]: hp[k][int(rng.integers(len(hp[k])))] for k in OP_HPARAMS.get(op, ())}
        )

    def sample(self, rng: np.random.Generator) -> GenericArch:
        cells = tuple(self._random_cell(rng) for _ in range(self.num_cells))
        training = self._sample_training(rng)
        while True:
            edges = tuple(
                tuple(
                    int(rng.random() < (self.chain_prob if i == j else self.skip_prob)) for i in range(j + 1)
                )
                for j in range(self.num_cells)
            )
            arch = GenericArch(cells=cells, edges=edges, **training)
            if self._is_valid(arch):
                return arch

    def neighbours(self, arch: GenericArch) -> list[GenericArch]:
        """All valid architectures one decision away: an op, one op hyperparameter, one edge, one training value."""
        out: list[GenericArch] = []
        for j, c in enumerate(arch.cells):
            for nc in cell_moves(c, self.universe, self._hp_choices()):
                out.append(replace(arch, cells=arch.cells[:j] + (nc,) + arch.cells[j + 1 :]))
        for j, row in enumerate(arch.edges):
            for i in range(len(row)):
                nrow = row[:i] + (1 - row[i],) + row[i + 1 :]
                cand = replace(arch, edges=arch.edges[:j] + (nrow,) + arch.edges[j + 1 :])
                if self._is_valid(cand):
                    out.append(cand)
        out += self._training_moves(arch)
        return out

    # --- model settings -------------------------------------------------------------------------
    def model_options(self) -> dict[str, Any]:
        """``stem_channels`` of this space's configuration, for the builder."""
        return {"stem_channels": self.stem_channels}


register_space("generic", GenericSpace)

__all__ = ["CONV_UNIVERSE", "OP_HPARAMS", "CellOp", "GenericArch", "GenericSpace"]
