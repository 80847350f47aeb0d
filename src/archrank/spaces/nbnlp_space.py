"""The NAS-Bench-NLP space: recurrent cells as recepie graphs (see :mod:`archrank.spaces.nbnlp`)."""

from __future__ import annotations

import numpy as np

from archrank.spaces import register_space
from archrank.spaces.base import SearchSpace
from archrank.spaces.nbnlp import (
    OPS,
    Recepie,
    canonical_form,
    canonical_recepie,
    encode_recepie,
    format_recepie,
    from_dict,
    parse_recepie,
    validate,
)
from archrank.spaces.nbnlp_sample import neighbours as recepie_neighbours
from archrank.spaces.nbnlp_sample import sample_recepie


class NBNLPSpace(SearchSpace):
    """NAS-Bench-NLP recurrent cells (recepie graphs).  Not enumerable: ``size`` is None."""

    name = "nbnlp"
    domain = "sequence"
    ops = OPS

    @property
    def size(self) -> None:
        return None

    def coerce(self, arch: Recepie | str | dict) -> Recepie:
        if isinstance(arch, Recepie):
            return arch
        if isinstance(arch, dict):
            return from_dict(arch)
        return parse_recepie(arch)

    def parse(self, text: str) -> Recepie:
        return parse_recepie(text)

    def format(self, arch: Recepie) -> str:
        return format_recepie(self.coerce(arch))

    def validate(self, arch: Recepie) -> Recepie:
        return validate(self.coerce(arch))

    def canonical(self, arch: Recepie | str) -> str:
        return canonical_form(self.coerce(arch))

    def representative(self, arch: Recepie | str) -> Recepie:
        """The cell the class's canonical form names (:func:`~archrank.spaces.nbnlp.canonical_recepie`)."""
        return canonical_recepie(self.coerce(arch))

    def sample(self, rng: np.random.Generator) -> Recepie:
        return sample_recepie(rng)

    def neighbours(self, arch: Recepie | str) -> list[Recepie]:
        return recepie_neighbours(self.coerce(arch))

    def encode(self, arch: Recepie | str) -> np.ndarray:
        return encode_recepie(self.coerce(arch))


register_space("nbnlp", NBNLPSpace)

__all__ = ["NBNLPSpace"]
