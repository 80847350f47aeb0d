"""Zero-cost guided evolution (Abdelfattah et al. 2021): heuristic warm-up and heuristic move proposal.

Both build on regularised evolution (``archrank.search.evolution``):

* **warm-up** (``zc_warmup``): score ``warmup`` random distinct architectures with the heuristic and seed
  the population with the ``population`` best of them (each then evaluated with the signal), instead of
  random ones;
* **move proposal** (``zc_move``): at each cycle, draw ``proposals`` distinct mutants of the tournament
  winner, score them with the heuristic and evaluate only the best-scoring one with the signal.

``zc_evolution`` does both.  Every heuristic score is a ``"heuristic"`` query, charged at its measured
seconds; a score already obtained is remembered and not asked again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable

from archrank.errors import InvalidArgument
from archrank.search.base import (
    HEURISTIC,
    SIGNAL,
    Query,
    Strategy,
    finite,
    register_strategy,
    sample_distinct,
)
from archrank.search.evolution import tournament


class ZeroCostEvolution(Strategy):
    needs = (HEURISTIC,)

    def __init__(self, *, warmup: int = 0, proposals: int = 1, population: int = 10, sample: int = 3, **kw):
        super().__init__(**kw)
        if warmup < 0 or proposals < 1 or population < 1 or sample < 1:
            raise InvalidArgument(
                f"need warmup >= 0, proposals >= 1, population >= 1, sample >= 1; got warmup={warmup}, "
                f"proposals={proposals}, population={population}, sample={sample}"
            )
        self.warmup, self.proposals, self.population, self.sample = warmup, proposals, population, sample
        self._h: dict[Hashable, float] = {}
        self._pop: deque[tuple[Hashable, float]] = deque()
        self._queue: list[Query] = []  # stack of queries decided but not yet asked
        self._warm_started = False
        self._seeds: list[Hashable] | None = None
        self._candidates: list[Hashable] | None = None

    # --- helpers -----------------------------------------------------------------------------------
    def _hval(self, arch: Hashable) -> float:
        v = self._h.get(arch, float("nan"))
        return v if finite(v) else float("-inf")

    def _mutants(self, parent: Hashable) -> list[Hashable]:
        seen = {parent}
        out: list[Hashable] = []
        tries = 0
        while len(out) < self.proposals and tries < 5 * self.proposals:
            tries += 1
            m = self.space.mutate(parent, self.rng)
            if m not in seen:
                seen.add(m)
                out.append(m)
        return out

    # --- ask/tell ------------------------------------------------------------------------------------
    def ask(self) -> Hashable | Query:
        if self._queue:
            return self._queue.pop()
        if self.warmup and not self._warm_started:
            self._warm_started = True
            self._queue = [Query(a, HEURISTIC) for a in sample_distinct(self.space, self.rng, self.warmup)][::-1]
            return self._queue.pop()
        if self.warmup and self._seeds is None:
            ranked = sorted(self._h, key=lambda a: -self._hval(a))
            self._seeds = ranked[: self.population]
            self._queue = [Query(a, SIGNAL) for a in self._seeds][::-1]
            if self._queue:
                return self._queue.pop()
        if len(self._pop) < self.population:
            return self.space.sample(self.rng)
        if self._candidates is not None:  # all proposals scored: evaluate the best one
            best = max(self._candidates, key=self._hval)
            self._candidates = None
            return best
        parent = tournament(list(self._pop), self.rng, self.sample)
        if self.proposals == 1:
            return self.space.mutate(parent, self.rng)
        self._candidates = self._mutants(parent)
        unscored = [a for a in self._candidates if a not in self._h]
        if not unscored:
            return self.ask()
        self._queue = [Query(a, HEURISTIC) for a in unscored][::-1]
        return self._queue.pop()

    def tell(self, arch: Hashable, value: float, *, fidelity: str = SIGNAL, cost: float = 0.0) -> None:
        super().tell(arch, value, fidelity=fidelity, cost=cost)
        if fidelity == HEURISTIC:
            self._h[arch] = float(value)
        elif fidelity == SIGNAL:
            self._pop.append((arch, float(value)))
            if len(self._pop) > self.population:
                self._pop.popleft()


@register_strategy("zc_warmup")
class ZeroCostWarmup(ZeroCostEvolution):
    """Regularised evolution whose first population is the best of ``warmup`` heuristic-scored samples."""

    def __init__(self, *, warmup: int = 1000, **kw):
        super().__init__(warmup=warmup, **kw)


@register_strategy("zc_move")
class ZeroCostMove(ZeroCostEvolution):
    """Regularised evolution that evaluates the best-scoring of ``proposals`` mutants per cycle."""

    def __init__(self, *, proposals: int = 10, **kw):
        super().__init__(proposals=proposals, **kw)


@register_strategy("zc_evolution")
class ZeroCostWarmupMove(ZeroCostEvolution):
    """Warm-up and move proposal together."""

    def __init__(self, *, warmup: int = 1000, proposals: int = 10, **kw):
        super().__init__(warmup=warmup, proposals=proposals, **kw)
