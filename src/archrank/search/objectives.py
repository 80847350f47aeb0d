"""What a search evaluates: objectives that turn an architecture into a value and a cost in seconds.

* :class:`~archrank.search.benchmark_objective.BenchmarkObjective`: a lookup in a benchmark table with a
  simulated cost (the NB201 protocol).
* :class:`~archrank.search.heuristic_objective.HeuristicObjective`: any registered heuristic, oriented so
  that higher is better, from stored scores or computed live (a score is never read without its cost).
* :class:`~archrank.search.training_objectives.TrainingObjective`: real training.

Every objective returns an :class:`Evaluation`; the harness adds ``cost`` to the budget.  This module
holds the interface; each objective lives in its own module.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable
from dataclasses import dataclass

from archrank.search.base import SIGNAL


@dataclass(frozen=True)
class Evaluation:
    """``value``: higher is better (NaN kept); ``cost``: seconds charged; ``report``: the figure reported."""

    value: float
    cost: float
    report: float | None = None


class Objective(ABC):
    """Something the harness can evaluate architectures with, at one fidelity."""

    fidelity: str = SIGNAL

    @abstractmethod
    def evaluate(self, arch: Hashable) -> Evaluation: ...

