"""ENAS-style search (Pham et al. 2018): an LSTM controller rewarded by a weight-sharing supernet.

Every controller step is a ``"supernet"`` query: the harness's supernet objective trains the shared
weights a little on the sampled architecture and returns its inherited-weight accuracy (charged at the
measured seconds), which rewards the controller through REINFORCE with a moving-average baseline.
After ``steps`` controller steps, ``derive`` architectures are sampled from the controller and scored by
the supernet; the best is recommended.  With ``verify > 0`` the ``verify`` best of them are evaluated
with the signal and the best signal value is recommended instead.
"""

from __future__ import annotations

from collections.abc import Hashable

from archrank.errors import InvalidArgument
from archrank.search.base import SIGNAL, SUPERNET, Query, finite, register_strategy
from archrank.search.reinforce import ReinforceLSTM


@register_strategy("enas")
class ENASSearch(ReinforceLSTM):
    """REINFORCE (LSTM controller) rewarded by the supernet's inherited-weight accuracy."""

    needs = (SUPERNET,)
    reward_fidelity = SUPERNET

    def __init__(self, *, steps: int = 200, derive: int = 10, verify: int = 0, **kw):
        super().__init__(**kw)
        if steps < 1 or derive < 1 or verify < 0:
            raise InvalidArgument(f"need steps >= 1, derive >= 1, verify >= 0; got {steps}, {derive}, {verify}")
        self.steps, self.derive, self.verify = steps, derive, verify
        self._asked = 0
        self._derived: list[tuple[float, int, Hashable]] = []
        self._verify_queue: list[Hashable] | None = None
        self._deriving = False

    def ask(self) -> Query | None:
        if self._asked < self.steps + self.derive:
            self._asked += 1
            return Query(super().ask(), SUPERNET)
        if self.verify and self._verify_queue is None:
            ranked = sorted((x for x in self._derived if finite(x[0])), key=lambda x: (-x[0], x[1]))
            self._verify_queue = [a for _, _, a in ranked[: self.verify]][::-1]
        if self._verify_queue:
            return Query(self._verify_queue.pop(), SIGNAL)
        return None

    def tell(self, arch: Hashable, value: float, *, fidelity: str = SIGNAL, cost: float = 0.0) -> None:
        self._deriving = fidelity == SUPERNET and self._asked > self.steps
        if self._deriving:
            self._derived.append((float(value), len(self._derived), arch))
        super().tell(arch, value, fidelity=fidelity, cost=cost)

    def update(self, choices: list[int], advantage: float) -> None:
        if not self._deriving:  # derived samples only choose the recommendation, they do not train
            super().update(choices, advantage)

    def recommend(self) -> Hashable | None:
        if self.best(SIGNAL) is not None:
            return self.best(SIGNAL)[1]
        ranked = sorted((x for x in self._derived if finite(x[0])), key=lambda x: (-x[0], x[1]))
        if ranked:
            return ranked[0][2]
        return super().recommend()
