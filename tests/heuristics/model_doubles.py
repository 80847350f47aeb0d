"""A test double for heuristics' unit tests: a space whose model is whatever a factory returns.

The model is built through the registered builder ``factory_double`` (the space hands the factory to the
builder through ``model_options``), so the test follows the same build path as every real space.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from archrank.models import BUILDERS, register_builder

NAME = "factory_double"

if NAME not in BUILDERS:
    register_builder(NAME)(lambda arch, num_classes=10, *, factory, **kw: factory())


class FactorySpace:
    """Builds ``factory()`` for every architecture; ``domain`` is "image" unless given."""

    name = NAME

    def __init__(self, factory: Callable[[], nn.Module], domain: str = "image"):
        self.factory, self.domain = factory, domain

    def model_options(self) -> dict:
        return {"factory": self.factory}
