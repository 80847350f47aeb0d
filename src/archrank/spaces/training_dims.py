"""Training hyperparameters (learning rate, batch size, epochs) as searchable dimensions of an architecture.

Shared by the generic spaces (:mod:`archrank.spaces.generic`, :mod:`archrank.spaces.generic_mlp`): their
architecture values carry the three training values, and their string forms end with
``lr=..,bs=..,ep=..``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from archrank.errors import InvalidArgument

TRAIN_KEYS = {"lr": "learning_rate", "bs": "batch_size", "ep": "epochs"}
"""Short key of each training hyperparameter in string forms -> attribute name."""


@dataclass(frozen=True)
class Training:
    learning_rate: float
    batch_size: int
    epochs: int

    @property
    def training(self) -> dict:
        """The training hyperparameters as ``{"learning_rate", "batch_size", "epochs"}``."""
        return {"learning_rate": self.learning_rate, "batch_size": self.batch_size, "epochs": self.epochs}


def check_choices(name: str, values, kind=None) -> tuple:
    """The distinct choices of a dimension; ``kind`` requires positive numbers of that type."""
    vals = tuple(values)
    if not vals or len(set(vals)) != len(vals):
        raise InvalidArgument(f"{name} must be a non-empty list of distinct values, got {values!r}")
    if kind is not None and not all(isinstance(v, kind) and not isinstance(v, bool) and v > 0 for v in vals):
        raise InvalidArgument(f"{name} must hold positive numbers, got {values!r}")
    return vals


class TrainingDims:
    """Shared handling of the training hyperparameters (learning rate, batch size, epochs)."""

    learning_rates: tuple[float, ...]
    batch_sizes: tuple[int, ...]
    epochs: tuple[int, ...]

    def _init_training(self, learning_rates, batch_sizes, epochs) -> None:
        self.learning_rates = check_choices("learning_rates", learning_rates, (int, float))
        self.batch_sizes = check_choices("batch_sizes", batch_sizes, int)
        self.epochs = check_choices("epochs", epochs, int)

    def _check_training(self, arch: Training) -> None:
        """Raise InvalidArgument unless each training value of ``arch`` is a choice of this space."""
        for key, choices in self._train_choices().items():
            value = getattr(arch, TRAIN_KEYS[key])
            if value not in choices:
                raise InvalidArgument(f"{TRAIN_KEYS[key]}={value!r} is not a choice; valid: {list(choices)}")

    def _train_choices(self) -> dict[str, tuple]:
        return {"lr": self.learning_rates, "bs": self.batch_sizes, "ep": self.epochs}

    def _sample_training(self, rng: np.random.Generator) -> dict:
        return {TRAIN_KEYS[k]: c[int(rng.integers(len(c)))] for k, c in self._train_choices().items()}

    def _format_training(self, arch: Training) -> str:
        return f"lr={arch.learning_rate!r},bs={arch.batch_size},ep={arch.epochs}"

    def _parse_training(self, text: str) -> dict:
        out: dict = {}
        for item in filter(None, (s.strip() for s in text.split(","))):
            key, _, val = item.partition("=")
            if key not in TRAIN_KEYS:
                raise InvalidArgument(f"unknown training hyperparameter {key!r}; valid: lr, bs, ep")
            choices = self._train_choices()[key]
            try:
                v = float(val) if key == "lr" else int(val)
            except ValueError:
                raise InvalidArgument(f"malformed value {val!r} for {key}; valid: {list(choices)}") from None
            if v not in choices:
                raise InvalidArgument(f"{key}={val} is not a choice of this space; valid: {list(choices)}")
            out[TRAIN_KEYS[key]] = choices[choices.index(v)]
        missing = [k for k, f in TRAIN_KEYS.items() if f not in out]
        if missing:
            raise InvalidArgument(
                f"missing training hyperparameter(s) {missing} in {text!r}; give lr=..,bs=..,ep=.."
            )
        return out

    def _training_moves(self, arch: Training) -> list[Training]:
        moves = []
        for key, choices in self._train_choices().items():
            field = TRAIN_KEYS[key]
            for c in choices:
                if c != getattr(arch, field):
                    moves.append(replace(arch, **{field: c}))
        return moves

    def _encode_training(self, arch: Training) -> list[float]:
        vec: list[float] = []
        for key, choices in self._train_choices().items():
            vec += [float(getattr(arch, TRAIN_KEYS[key]) == c) for c in choices]
        return vec

    def _training_decisions(self, arch: Training) -> list[int]:
        return [c.index(getattr(arch, TRAIN_KEYS[k])) for k, c in self._train_choices().items()]

    def _split_training_parts(self, text: str, parts: int) -> list[str]:
        pieces = text.strip().split("|")
        if len(pieces) != parts:
            raise InvalidArgument(f"malformed architecture {text!r}; expected {parts} parts separated by '|'")
        return pieces
