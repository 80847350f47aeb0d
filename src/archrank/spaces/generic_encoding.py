"""The numeric forms of a generic convolutional architecture (:mod:`archrank.spaces.generic`): the feature
vector (:meth:`GenericEncoding.encode`) and the sequence of decisions that sequential strategies choose one
at a time (:meth:`~GenericEncoding.decisions`, :meth:`~GenericEncoding.to_decisions`,
:meth:`~GenericEncoding.from_decisions`).

:class:`GenericEncoding` is a mixin of :class:`~archrank.spaces.generic.GenericSpace`: it reads the space's
``universe``, ``num_cells`` and hyperparameter choices (``_hp_choices``), builds checked values with its
``make_cell`` / ``make``, and takes the training part from :class:`~archrank.spaces.training_dims.TrainingDims`.
"""

from __future__ import annotations

import numpy as np

from archrank.errors import InvalidArgument
from archrank.spaces.generic_cells import KEY_FIELD, OP_HPARAMS, GenericArch
from archrank.spaces.training_dims import TRAIN_KEYS

#: The hyperparameter slots of every cell in the sequence of decisions, in order.
CELL_SLOTS = ("k", "d", "s", "p", "f")


class GenericEncoding:
    """Feature vector and sequence of decisions of a :class:`~archrank.spaces.generic.GenericSpace`."""

    def encode(self, arch: GenericArch) -> np.ndarray:
        """Per cell: one-hot op, one-hot of each hyperparameter (zeros where it does not apply); edge bits;
        one-hot training values."""
        hp = self._hp_choices()
        vec: list[float] = []
        for c in arch.cells:
            vec += [float(c.op == o) for o in self.universe]
            keys = OP_HPARAMS.get(c.op, ())
            for k, choices in hp.items():
                vec += [float(k in keys and getattr(c, KEY_FIELD[k]) == v) for v in choices]
        vec += [float(b) for row in arch.edges for b in row]
        vec += self._encode_training(arch)
        return np.asarray(vec, dtype=np.float64)

    def decisions(self) -> list[int]:
        """Per cell: op, k, d, s, p, f (ignored where they do not apply); then edge bits; then lr, bs, ep."""
        hp = self._hp_choices()
        per_cell = [len(self.universe)] + [len(hp[k]) for k in CELL_SLOTS]
        n = self.num_cells
        return per_cell * n + [2] * (n * (n + 1) // 2) + [len(c) for c in self._train_choices().values()]

    def to_decisions(self, arch: GenericArch) -> list[int]:
        hp = self._hp_choices()
        out: list[int] = []
        for c in arch.cells:
            out.append(self.universe.index(c.op))
            keys = OP_HPARAMS.get(c.op, ())
            out += [
                hp[k].index(getattr(c, KEY_FIELD[k])) if k in keys else 0 for k in CELL_SLOTS
            ]
        out += [b for row in arch.edges for b in row]
        return out + self._training_decisions(arch)

    def from_decisions(self, choices: list[int]) -> GenericArch:
        spec = self.decisions()
        if len(choices) != len(spec) or any(not 0 <= int(c) < k for c, k in zip(choices, spec)):
            raise InvalidArgument(f"decisions {list(choices)!r} do not fit {spec}")
        hp = self._hp_choices()
        it = iter(int(c) for c in choices)
        cells = []
        for _ in range(self.num_cells):
            op = self.universe[next(it)]
            vals = {k: hp[k][next(it)] for k in CELL_SLOTS}
            cells.append(self.make_cell(op, **{KEY_FIELD[k]: vals[k] for k in OP_HPARAMS.get(op, ())}))
        edges = [[next(it) for _ in range(j + 1)] for j in range(self.num_cells)]
        tr = {TRAIN_KEYS[k]: c[next(it)] for k, c in self._train_choices().items()}
        return self.make(cells, edges, **tr)
