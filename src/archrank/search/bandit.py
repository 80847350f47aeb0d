"""Bandit and Q-learning controllers over a space's sequential decisions (after Wu & Jain 2021).

* ``bandit_ucb`` / ``bandit_egreedy``: one multi-armed bandit per decision.  After ``warmup`` random
  architectures (which break the symmetry between bandits that are all rewarded at once), an
  architecture is the tuple of the arms each bandit pulls; its reward (the signal, divided by ``scale``) updates the running mean
  of every arm pulled.  UCB1 picks ``argmax mean + c sqrt(ln t / n)`` (unpulled arms first);
  epsilon-greedy picks a random arm with probability ``epsilon`` and the best mean otherwise.
* ``qlearning``: tabular Q-learning where choosing decision ``d`` is an action taken in state
  ``(d, previous choice)`` (``state="prev"``) or ``(d, all previous choices)`` (``state="prefix"``).
  Episodes end with the architecture's reward; ``Q(s, a) += alpha (target - Q(s, a))`` with
  ``target = max_a' Q(s', a')`` inside an episode and the reward at its end.  Every tell replays
  ``replay`` past episodes drawn from memory (experience replay).  Actions are epsilon-greedy with
  epsilon decaying linearly from ``epsilon`` to ``epsilon_min`` over ``decay_queries`` queries.

Ties are broken at random with the strategy's generator.  The incumbent is the best signal value seen.
"""

from __future__ import annotations

import math
from collections.abc import Hashable

import numpy as np

from archrank.errors import InvalidArgument
from archrank.search.base import SIGNAL, Strategy, finite, register_strategy


def _argmax(values: np.ndarray, rng: np.random.Generator) -> int:
    best = np.flatnonzero(values == values.max())
    return int(best[rng.integers(len(best))]) if len(best) > 1 else int(best[0])


class _PerDecisionBandit(Strategy):
    def __init__(self, *, scale: float = 100.0, warmup: int = 10, **kw):
        super().__init__(**kw)
        if scale <= 0:
            raise InvalidArgument(f"scale must be > 0, got {scale}")
        if warmup < 0:
            raise InvalidArgument(f"warmup must be >= 0, got {warmup}")
        self.scale = scale
        self.warmup = warmup
        self._n: list[np.ndarray] | None = None
        self._mean: list[np.ndarray] | None = None
        self.t = 0

    def _init(self) -> None:
        if self._n is None:
            ks = self.space.decisions()
            self._n = [np.zeros(k) for k in ks]
            self._mean = [np.zeros(k) for k in ks]

    def choose(self, d: int) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def ask(self) -> Hashable:
        self._init()
        if self.t < self.warmup:
            return self.space.sample(self.rng)
        return self.space.from_decisions([self.choose(d) for d in range(len(self._n))])

    def tell(self, arch: Hashable, value: float, *, fidelity: str = SIGNAL, cost: float = 0.0) -> None:
        super().tell(arch, value, fidelity=fidelity, cost=cost)
        if fidelity != SIGNAL or not finite(value):
            return
        self._init()
        self.t += 1
        r = float(value) / self.scale
        for d, a in enumerate(self.space.to_decisions(arch)):
            self._n[d][a] += 1
            self._mean[d][a] += (r - self._mean[d][a]) / self._n[d][a]


@register_strategy("bandit_ucb")
class UCBBandit(_PerDecisionBandit):
    """UCB1 per decision with exploration constant ``c`` (rewards are signal / ``scale``)."""

    def __init__(self, *, c: float = 0.3, **kw):
        super().__init__(**kw)
        self.c = c

    def choose(self, d: int) -> int:
        n, mean = self._n[d], self._mean[d]
        if (n == 0).any():
            return _argmax((n == 0).astype(float), self.rng)
        return _argmax(mean + self.c * np.sqrt(math.log(max(self.t, 1)) / n), self.rng)


@register_strategy("bandit_egreedy")
class EpsilonGreedyBandit(_PerDecisionBandit):
    """Epsilon-greedy per decision."""

    def __init__(self, *, epsilon: float = 0.5, **kw):
        super().__init__(**kw)
        if not 0.0 <= epsilon <= 1.0:
            raise InvalidArgument(f"epsilon must be in [0, 1], got {epsilon}")
        self.epsilon = epsilon

    def choose(self, d: int) -> int:
        n, mean = self._n[d], self._mean[d]
        if self.rng.random() < self.epsilon or (n == 0).all():
            return int(self.rng.integers(len(n)))
        return _argmax(np.where(n > 0, mean, -np.inf), self.rng)


@register_strategy("qlearning")
class QLearning(Strategy):
    """Tabular Q-learning over the sequential choice of operations."""

    def __init__(
        self,
        *,
        alpha: float = 0.3,
        epsilon: float = 1.0,
        epsilon_min: float = 0.1,
        decay_queries: int = 80,
        replay: int = 20,
        state: str = "prev",
        scale: float = 100.0,
        **kw,
    ):
        super().__init__(**kw)
        if state not in ("prev", "prefix"):
            raise InvalidArgument(f"unknown Q-learning state {state!r}; valid choices: prefix, prev")
        if not 0 < alpha <= 1:
            raise InvalidArgument(f"alpha must be in (0, 1], got {alpha}")
        self.alpha, self.epsilon, self.epsilon_min = alpha, epsilon, epsilon_min
        self.decay_queries, self.replay, self.state, self.scale = decay_queries, replay, state, scale
        self._q: dict[tuple, np.ndarray] = {}
        self._memory: list[tuple[list[int], float]] = []
        self._init_q = 0.5

    def _key(self, d: int, prefix: list[int]) -> tuple:
        if self.state == "prev":
            return (d, prefix[-1] if prefix else -1)
        return (d, *prefix)

    def _row(self, d: int, prefix: list[int]) -> np.ndarray:
        key = self._key(d, prefix)
        row = self._q.get(key)
        if row is None:
            row = self._q[key] = np.full(self.space.decisions()[d], self._init_q)
        return row

    def current_epsilon(self) -> float:
        frac = min(1.0, len(self._memory) / max(1, self.decay_queries))
        return self.epsilon + (self.epsilon_min - self.epsilon) * frac

    def ask(self) -> Hashable:
        ks = self.space.decisions()
        eps = self.current_epsilon()
        prefix: list[int] = []
        for d, k in enumerate(ks):
            if self.rng.random() < eps:
                a = int(self.rng.integers(k))
            else:
                a = _argmax(self._row(d, prefix), self.rng)
            prefix.append(a)
        return self.space.from_decisions(prefix)

    def _learn(self, choices: list[int], reward: float) -> None:
        n = len(choices)
        for d in reversed(range(n)):
            row = self._row(d, choices[:d])
            a = choices[d]
            target = reward if d == n - 1 else float(self._row(d + 1, choices[: d + 1]).max())
            row[a] += self.alpha * (target - row[a])

    def tell(self, arch: Hashable, value: float, *, fidelity: str = SIGNAL, cost: float = 0.0) -> None:
        super().tell(arch, value, fidelity=fidelity, cost=cost)
        if fidelity != SIGNAL or not finite(value):
            return
        choices = list(self.space.to_decisions(arch))
        reward = float(value) / self.scale
        if not self._memory:
            self._init_q = reward
            self._q.clear()
        self._memory.append((choices, reward))
        self._learn(choices, reward)
        if self.replay and len(self._memory) > 1:
            for i in self.rng.integers(len(self._memory), size=self.replay):
                self._learn(*self._memory[int(i)])
