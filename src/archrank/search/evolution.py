"""Regularised (aging) evolution (Real et al. 2019).

Keep a queue of the ``population`` most recent architectures.  Each cycle draws ``sample`` members
uniformly without replacement, mutates the best of them in one decision (an operation or a connection,
via ``space.mutate``) and evaluates the child; the child joins the queue and the oldest member leaves.
Until the population is full, architectures are drawn at random.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable

import numpy as np

from archrank.errors import InvalidArgument
from archrank.search.base import SIGNAL, Strategy, finite, register_strategy


def tournament(pop: list[tuple[Hashable, float]], rng: np.random.Generator, sample: int) -> Hashable:
    """The best of ``sample`` members drawn without replacement; NaN values lose every comparison."""
    k = min(sample, len(pop))
    idx = rng.choice(len(pop), size=k, replace=False)
    best = None
    for i in idx:
        arch, v = pop[int(i)]
        if best is None or (finite(v) and (not finite(best[1]) or v > best[1])):
            best = (arch, v)
    return best[0]


@register_strategy("rea")
class RegularizedEvolution(Strategy):
    """Aging evolution with population ``population`` and tournament size ``sample``."""

    def __init__(self, *, population: int = 10, sample: int = 3, **kw):
        super().__init__(**kw)
        if population < 1 or sample < 1:
            raise InvalidArgument(f"population ({population}) and sample ({sample}) must be >= 1")
        self.population = population
        self.sample = sample
        self._pop: deque[tuple[Hashable, float]] = deque()

    def ask(self) -> Hashable:
        if len(self._pop) < self.population:
            return self.space.sample(self.rng)
        parent = tournament(list(self._pop), self.rng, self.sample)
        return self.space.mutate(parent, self.rng)

    def tell(self, arch: Hashable, value: float, *, fidelity: str = SIGNAL, cost: float = 0.0) -> None:
        super().tell(arch, value, fidelity=fidelity, cost=cost)
        if fidelity == SIGNAL:
            self._pop.append((arch, float(value)))
            if len(self._pop) > self.population:
                self._pop.popleft()
