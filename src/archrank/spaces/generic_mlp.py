"""The generic space for vector inputs (the synthetic tasks): a stack of 1 to ``max_depth`` dense layers,
each with its own width and activation, plus the training hyperparameters of
:mod:`archrank.spaces.training_dims` (``arch.learning_rate``, ``arch.batch_size``, ``arch.epochs``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument, UnknownName
from archrank.spaces import register_space
from archrank.spaces.base import SearchSpace
from archrank.spaces.training_dims import Training, TrainingDims, check_choices

MLP_ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "gelu", "erf", "sigmoid", "identity")


@dataclass(frozen=True)
class MLPLayer:
    width: int
    activation: str


@dataclass(frozen=True)
class GenericMLPArch(Training):
    """Dense layers in order (each: width, activation), then a linear head."""

    layers: tuple[MLPLayer, ...] = ()


class GenericMLPSpace(TrainingDims, SearchSpace):
    """Dense networks for vector inputs: depth, and per layer a width and an activation; plus training.

    ``min_depth``..``max_depth`` hidden layers.  ``size`` is ``None``; :attr:`cardinality` counts all
    architectures.  String form: layers ``WIDTH:ACTIVATION`` joined by ``+``, ``|``, training, e.g.
    ``64:relu+32:tanh|lr=0.01,bs=64,ep=4``.  ``in_features`` (here or as a builder option) fixes the
    input size; when neither gives it the first layer is ``torch.nn.LazyLinear`` (sized on first call).
    """

    name = "generic_mlp"

    def __init__(
        self,
        *,
        min_depth: int = 1,
        max_depth: int = 4,
        widths: tuple[int, ...] = (16, 32, 64, 128, 256),
        activations: tuple[str, ...] = MLP_ACTIVATIONS,
        learning_rates: tuple[float, ...] = (0.1, 0.03, 0.01, 0.003),
        batch_sizes: tuple[int, ...] = (32, 64, 128, 256),
        epochs: tuple[int, ...] = (1, 2, 4, 8),
        in_features: int | None = None,
    ):
        if not (isinstance(min_depth, int) and isinstance(max_depth, int) and 1 <= min_depth <= max_depth):
            raise InvalidArgument(f"need 1 <= min_depth <= max_depth, got {min_depth!r}, {max_depth!r}")
        self.min_depth, self.max_depth = min_depth, max_depth
        self.widths = check_choices("widths", widths, int)
        self.activations = check_choices("activations", activations)
        for a in self.activations:
            if a not in MLP_ACTIVATIONS:
                raise UnknownName("activation", a, MLP_ACTIVATIONS)
        self._init_training(learning_rates, batch_sizes, epochs)
        self.in_features = in_features

    @property
    def size(self) -> None:
        return None

    @property
    def cardinality(self) -> int:
        per = len(self.widths) * len(self.activations)
        train = math.prod(len(c) for c in self._train_choices().values())
        return sum(per**d for d in range(self.min_depth, self.max_depth + 1)) * train

    def make(self, layers, *, learning_rate, batch_size, epochs) -> GenericMLPArch:
        """A checked architecture from ``[(width, activation), ...]``."""
        out = []
        for layer in layers:
            w, a = (layer.width, layer.activation) if isinstance(layer, MLPLayer) else layer
            if w not in self.widths:
                raise InvalidArgument(f"width {w!r} is not a choice; valid: {list(self.widths)}")
            if a not in self.activations:
                raise UnknownName("activation", a, self.activations)
            out.append(MLPLayer(int(w), str(a)))
        if not self.min_depth <= len(out) <= self.max_depth:
            raise InvalidArgument(f"depth {len(out)} is outside {self.min_depth}..{self.max_depth}")
        arch = GenericMLPArch(learning_rate, batch_size, epochs, tuple(out))
        self._check_training(arch)
        return arch

    def format(self, arch: GenericMLPArch) -> str:
        return (
            "+".join(f"{layer.width}:{layer.activation}" for layer in arch.layers)
            + "|"
            + self._format_training(arch)
        )

    def parse(self, text: str) -> GenericMLPArch:
        if not isinstance(text, str):
            raise InvalidArgument(f"MLP architecture string expected, got {type(text).__name__}")
        layers_s, train_s = self._split_training_parts(text, 2)
        layers = []
        for item in layers_s.split("+"):
            w, sep, a = item.strip().partition(":")
            if not sep or not w.isdigit():
                raise InvalidArgument(f"malformed layer {item!r}; expected WIDTH:ACTIVATION such as 64:relu")
            layers.append((int(w), a.strip()))
        return self.make(layers, **self._parse_training(train_s))

    def sample(self, rng: np.random.Generator) -> GenericMLPArch:
        depth = int(rng.integers(self.min_depth, self.max_depth + 1))
        layers = tuple(
            MLPLayer(
                self.widths[int(rng.integers(len(self.widths)))],
                self.activations[int(rng.integers(len(self.activations)))],
            )
            for _ in range(depth)
        )
        return GenericMLPArch(layers=layers, **self._sample_training(rng))

    def neighbours(self, arch: GenericMLPArch) -> list[GenericMLPArch]:
        """Change one width or activation, drop one layer, insert one layer, or change one training value."""
        ls = arch.layers
        out: list[GenericMLPArch] = []
        for i, layer in enumerate(ls):
            alts = [MLPLayer(w, layer.activation) for w in self.widths if w != layer.width]
            alts += [MLPLayer(layer.width, a) for a in self.activations if a != layer.activation]
            out += [replace(arch, layers=ls[:i] + (nl,) + ls[i + 1 :]) for nl in alts]
        if len(ls) > self.min_depth:
            seen = set()
            for i in range(len(ls)):
                cand = ls[:i] + ls[i + 1 :]
                if cand not in seen:
                    seen.add(cand)
                    out.append(replace(arch, layers=cand))
        if len(ls) < self.max_depth:
            seen = set()
            for i in range(len(ls) + 1):
                for w in self.widths:
                    for a in self.activations:
                        cand = ls[:i] + (MLPLayer(w, a),) + ls[i:]
                        if cand not in seen:
                            seen.add(cand)
                            out.append(replace(arch, layers=cand))
        return out + self._training_moves(arch)

    def encode(self, arch: GenericMLPArch) -> np.ndarray:
        """Per slot 1..max_depth: present bit, one-hot width, one-hot activation (zeros when absent); training."""
        vec: list[float] = []
        for i in range(self.max_depth):
            layer = arch.layers[i] if i < len(arch.layers) else None
            vec.append(float(layer is not None))
            vec += [float(layer is not None and layer.width == w) for w in self.widths]
            vec += [float(layer is not None and layer.activation == a) for a in self.activations]
        vec += self._encode_training(arch)
        return np.asarray(vec, dtype=np.float64)

    # --- model settings -------------------------------------------------------------------------
    def model_options(self) -> dict[str, Any]:
        """``in_features`` of this space's configuration, for the builder (None: sized on first call)."""
        return {"in_features": self.in_features}


register_space("generic_mlp", GenericMLPSpace)

__all__ = ["MLP_ACTIVATIONS", "GenericMLPArch", "GenericMLPSpace", "MLPLayer"]
