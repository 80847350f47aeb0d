"""Random search: every query is an architecture drawn uniformly from the space (with replacement)."""

from __future__ import annotations

from collections.abc import Hashable

from archrank.search.base import Strategy, register_strategy


@register_strategy("random")
class RandomSearch(Strategy):
    """Uniform sampling; the incumbent is the best signal value seen."""

    def ask(self) -> Hashable:
        return self.space.sample(self.rng)
