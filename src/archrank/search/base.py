"""What a search strategy is: a small ask/tell object over a seeded ``numpy.random.Generator``.

A strategy never evaluates anything itself.  ``ask()`` names the next architecture to evaluate and the
*fidelity* to evaluate it with; the harness evaluates it with the matching objective, charges the cost to
the budget and calls ``tell(arch, value, fidelity=..., cost=...)``.  Fidelities:

* ``"signal"``: the costly estimator (a benchmark lookup with simulated training cost, or real training);
* ``"heuristic"``: a cheap heuristic, oriented so that higher is better, charged at its measured seconds;
* ``"supernet"``: the inherited-weight accuracy of a weight-sharing supernet (ENAS-style search).

Contract every strategy keeps:

* all randomness comes from the ``rng`` it is given (no global random state, torch included);
* ``ask()`` returns an architecture (meaning a ``"signal"`` query), a :class:`Query`, or ``None`` when the
  strategy has nothing left to ask (the harness then stops early);
* values are "higher is better"; a NaN value is kept in the history and is never the incumbent;
* ``recommend()`` returns the architecture the strategy would report now: by default the best
  ``"signal"`` value told, else the best value of the first fidelity that has one.

Strategies are registered by name in :data:`STRATEGIES`; :func:`make_strategy` builds one with extra
keyword parameters checked against the constructor.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument
from archrank.metrics import usable
from archrank.registry import Registry, class_registrar, keyword_params, registry
from archrank.search.names import DECORATOR, PACKAGE

SIGNAL = "signal"
HEURISTIC = "heuristic"
SUPERNET = "supernet"
FIDELITIES = (SIGNAL, HEURISTIC, SUPERNET)


@dataclass(frozen=True)
class Query:
    """An architecture to evaluate and the fidelity to evaluate it with."""

    arch: Hashable
    fidelity: str = SIGNAL


@dataclass(frozen=True)
class Observation:
    arch: Hashable
    value: float
    fidelity: str
    cost: float


def finite(value: float) -> bool:
    """Whether a told value can be compared (:func:`archrank.metrics.usable`: NaN and ``±inf`` cannot)."""
    return usable(value)


class Strategy(ABC):
    """Base class. Subclasses implement ``ask`` and may extend ``tell`` (calling ``super().tell``).

    ``space`` is an :class:`archrank.spaces.SearchSpace`; ``rng`` a ``numpy.random.Generator``;
    ``budget_seconds`` the total (simulated) seconds the harness will allow, which budget-aware
    strategies use to plan; ``None`` means unknown.
    """

    name: str = "abstract"
    #: fidelities this strategy may ask for besides ``"signal"``; the harness checks it has objectives.
    needs: tuple[str, ...] = ()

    def __init__(self, *, space, rng: np.random.Generator, budget_seconds: float | None = None):
        self.space = space
        self.rng = rng
        self.budget_seconds = budget_seconds
        self.history: list[Observation] = []
        self.spent = 0.0
        self._best: dict[str, tuple[float, Hashable]] = {}

    @abstractmethod
    def ask(self) -> Hashable | Query | None:
        """The next architecture (a signal query), a :class:`Query`, or ``None`` when done."""

    def tell(self, arch: Hashable, value: float, *, fidelity: str = SIGNAL, cost: float = 0.0) -> None:
        """Record the value of ``arch`` at ``fidelity``; ``cost`` is what the harness charged for it."""
        value = float(value)
        self.history.append(Observation(arch, value, fidelity, float(cost)))
        self.spent += float(cost)
        if finite(value):
            cur = self._best.get(fidelity)
            if cur is None or value > cur[0]:
                self._best[fidelity] = (value, arch)

    def best(self, fidelity: str = SIGNAL) -> tuple[float, Hashable] | None:
        """(value, arch) of the best finite value told at ``fidelity``, or ``None``."""
        return self._best.get(fidelity)

    def recommend(self) -> Hashable | None:
        for fid in FIDELITIES:
            b = self._best.get(fid)
            if b is not None:
                return b[1]
        return None

    @property
    def remaining(self) -> float:
        """Seconds left of the budget (``inf`` if the budget is unknown)."""
        return math.inf if self.budget_seconds is None else self.budget_seconds - self.spent


STRATEGIES: Registry[type[Strategy]] = registry("strategy")
STRATEGIES.discover(PACKAGE, DECORATOR)  # each built-in module is imported when one of its names is asked for


register_strategy = class_registrar(STRATEGIES)
"""Class decorator: ``@register_strategy("rea")`` sets ``cls.name`` and registers it."""


def strategy_params(name: str) -> dict[str, Any]:
    """The tunable keyword parameters of strategy ``name`` with their defaults."""
    return keyword_params(STRATEGIES.get(name), exclude=("space", "rng", "budget_seconds"))


def make_strategy(
    name: str, *, space, rng: np.random.Generator, budget_seconds: float | None = None, **params: Any
) -> Strategy:
    """Build strategy ``name``; unknown parameters raise an error listing the valid ones."""
    cls = STRATEGIES.get(name)
    valid = strategy_params(name)
    for k in params:
        if k not in valid:
            choices = ", ".join(sorted(valid)) or "(none)"
            raise InvalidArgument(f"strategy {name!r} has no parameter {k!r}; valid parameters: {choices}")
    return cls(space=space, rng=rng, budget_seconds=budget_seconds, **params)


def parse_params(items: list[str] | None, name: str) -> dict[str, Any]:
    """``["population=20", "mode=ucb"]`` -> typed dict, using the defaults' types of strategy ``name``."""
    valid = strategy_params(name)
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise InvalidArgument(f"parameter {item!r} is not of the form KEY=VALUE")
        k, v = item.split("=", 1)
        k = k.strip()
        if k not in valid:
            choices = ", ".join(sorted(valid)) or "(none)"
            raise InvalidArgument(f"strategy {name!r} has no parameter {k!r}; valid parameters: {choices}")
        default = valid[k]
        try:
            if isinstance(default, bool):
                if v.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(v)
                out[k] = v.lower() in ("true", "1", "yes")
            elif isinstance(default, int):
                out[k] = int(v)
            elif isinstance(default, float):
                out[k] = float(v)
            else:
                out[k] = v
        except ValueError:
            raise InvalidArgument(
                f"parameter {k}={v!r} of strategy {name!r} is not a valid {type(default).__name__}"
            ) from None
    return out


def sample_distinct(space, rng: np.random.Generator, n: int, exclude: set | None = None) -> list[Hashable]:
    """Up to ``n`` distinct architectures drawn uniformly (without replacement where the space is enumerable)."""
    exclude = exclude or set()
    size = space.size
    if size is not None and n >= size // 4:
        order = rng.permutation(size)
        out = []
        for i in order:
            a = space.index_to_arch(int(i))
            if a not in exclude:
                out.append(a)
                if len(out) == n:
                    break
        return out
    seen: set = set(exclude)
    out = []
    tries = 0
    while len(out) < n and tries < 50 * max(n, 1):
        tries += 1
        a = space.sample(rng)
        if a not in seen:
            seen.add(a)
            out.append(a)
    return out
