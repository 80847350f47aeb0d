"""A set of a user's own networks as a space: its architectures are the networks' names.

:class:`ModelSet` lets a run (select, skip what the store holds, execute, record) score networks that no
registered space builds: ``archrank.score_models`` wraps ``{name: model_or_factory}`` in one.  The space
enumerates the names in the order given; a name is its own string form and canonical class (each network
is scored on its own).  It has no decisions to mutate or encode.  Its networks are built by the builder
``own_models`` (:mod:`archrank.models.own`), named in :attr:`ModelSet.builder`, which this space hands the
networks through :meth:`model_options`.  Its networks differ in kind, so a heuristic's space check (which
looks at one sampled network) is not applied to the set (:attr:`ModelSet.sampled_checks`): each network
that a heuristic cannot read fails with its own one-line reason instead.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument
from archrank.spaces.base import SearchSpace

#: The domains a set of networks may declare (the ``domain`` of every space).
DOMAINS = ("image", "sequence", "vector")


class ModelSet(SearchSpace):
    """``models`` (``{name: nn.Module or zero-argument factory}``) as a space named ``name``; ``options`` are
    heuristic options (``ScoreContext.extras``) for every network of the set."""

    builder = "own_models"
    sampled_checks = False

    def __init__(self, models: Mapping[str, Any], *, name: str = "models", domain: str = "image",
                 reinit: bool = True, input_shape: tuple[int, ...] | None = None,
                 options: Mapping[str, Any] | None = None):
        if not isinstance(models, Mapping) or not models:
            raise InvalidArgument("models must be a non-empty mapping {name: model or factory}", parameter="models")
        for key in models:
            if not isinstance(key, str) or not key.strip() or key != key.strip() or "\n" in key:
                raise InvalidArgument(f"model name {key!r} must be a non-empty string without surrounding "
                                      "blanks or line breaks", parameter="models")
            if not callable(models[key]):
                raise InvalidArgument(f"model {key!r} is a {type(models[key]).__name__}: give a torch.nn.Module or "
                                      "a zero-argument callable returning one", parameter="models")
        if domain not in DOMAINS:
            raise InvalidArgument(f"unknown domain {domain!r}; valid: {', '.join(DOMAINS)}", parameter="domain")
        if not isinstance(name, str) or not name.strip():
            raise InvalidArgument(f"space name {name!r} must be a non-empty string", parameter="name")
        self.models = dict(models)
        self.names = list(self.models)
        self.name = name
        self.domain = domain
        self.reinit = bool(reinit)
        self.input_shape = None if input_shape is None else tuple(int(s) for s in input_shape)
        self.options = dict(options or {})

    @property
    def size(self) -> int:
        return len(self.names)

    def index_to_arch(self, index: int) -> str:
        return self.names[self.check_index(index)]

    def arch_to_index(self, arch: Hashable) -> int:
        return self.names.index(self.parse(str(arch)))

    def parse(self, text: str) -> str:
        if text not in self.models:
            raise InvalidArgument(f"unknown model {text!r}; valid: {', '.join(self.names)}", parameter="archs")
        return text

    def parse_any(self, text: str) -> str:
        """A name (never an index: a network may be called ``"3"``)."""
        return self.parse(text.strip())

    def format(self, arch: Hashable) -> str:
        return str(arch)

    def sample(self, rng: np.random.Generator) -> str:
        return self.names[int(rng.integers(len(self.names)))]

    def _no_decisions(self, what: str):
        raise InvalidArgument(f"a set of models ({self.name!r}) has no decisions to {what}: its networks are given, "
                              "not built from choices")

    def mutate(self, arch: Hashable, rng: np.random.Generator) -> str:
        self._no_decisions("mutate")

    def neighbours(self, arch: Hashable) -> list[Hashable]:
        self._no_decisions("enumerate neighbours of")

    def encode(self, arch: Hashable) -> np.ndarray:
        self._no_decisions("encode")

    def heuristic_options(self) -> dict[str, Any]:
        """Heuristics' options (``ScoreContext.extras``) for networks that are given, not built: they cannot be
        narrowed or fed smaller inputs, so the empirical kernels (``ntk_cond``, ``ntk_krr``, ``lga``) see the
        batch at its own resolution, and ``linear_regions`` counts patterns on points of the closed path
        through the batch's inputs instead of on small patches of a thin network.  ``options`` given to the
        set override these and add others (e.g. ``lr_patches``, ``swap_mu``)."""
        return {"kernel_resolution": None, "lr_samples": "path", **self.options}

    def model_options(self) -> dict[str, Any]:
        return {"models": self.models, "reinit": self.reinit, "wrap": self.domain != "sequence"}


__all__ = ["DOMAINS", "ModelSet"]
