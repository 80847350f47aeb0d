"""NASWOT-style selection (Mellor et al. 2021): sample ``n`` architectures, keep the best by a heuristic.

No architecture is trained: every query is a ``"heuristic"`` query (charged at the heuristic's measured
seconds) and the recommendation is the best heuristic value.  With ``verify > 0`` the ``verify`` best
by the heuristic are then evaluated with the signal and the best signal value is recommended instead.
"""

from __future__ import annotations

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


@register_strategy("naswot")
class NaswotSelect(Strategy):
    """Score ``n`` random distinct architectures with the heuristic; recommend the best."""

    needs = (HEURISTIC,)

    def __init__(self, *, n: int = 1000, verify: int = 0, **kw):
        super().__init__(**kw)
        if n < 1 or verify < 0:
            raise InvalidArgument(f"n must be >= 1 and verify >= 0, got n={n}, verify={verify}")
        self.n = n
        self.verify = verify
        self._todo: list[Hashable] | None = None
        self._scored: list[tuple[float, int, Hashable]] = []
        self._verify: list[Hashable] | None = None

    def ask(self) -> Query | None:
        if self._todo is None:
            self._todo = sample_distinct(self.space, self.rng, self.n)[::-1]
        if self._todo:
            return Query(self._todo.pop(), HEURISTIC)
        if self.verify and self._verify is None:
            ranked = sorted((x for x in self._scored if finite(x[0])), key=lambda x: (-x[0], x[1]))
            self._verify = [a for _, _, a in ranked[: self.verify]][::-1]
        if self._verify:
            return Query(self._verify.pop(), SIGNAL)
        return None

    def tell(self, arch: Hashable, value: float, *, fidelity: str = SIGNAL, cost: float = 0.0) -> None:
        super().tell(arch, value, fidelity=fidelity, cost=cost)
        if fidelity == HEURISTIC:
            self._scored.append((float(value), len(self._scored), arch))
