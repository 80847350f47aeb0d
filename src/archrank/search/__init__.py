"""Search strategies (ask/tell over a seeded generator), objectives and the evaluation harness.

The built-in strategies are registered in :data:`STRATEGIES` by name, lazily: their modules (which may
import torch or scipy) are imported the first time a strategy is asked for, so that listing the names, or
reading :mod:`archrank.search.protocol`, stays cheap.  The other names below are imported on first use
(PEP 562).
"""

from __future__ import annotations

import importlib
from typing import Any

from archrank.search.base import (
    HEURISTIC,
    SIGNAL,
    STRATEGIES,
    SUPERNET,
    Query,
    Strategy,
    make_strategy,
    register_strategy,
    strategy_params,
)

# name -> "module:Class"; each module also registers its classes itself when it is imported.
_BUILTIN_STRATEGIES = {
    "bandit_ucb": "archrank.search.bandit:UCBBandit",
    "bandit_egreedy": "archrank.search.bandit:EpsilonGreedyBandit",
    "qlearning": "archrank.search.bandit:QLearning",
    "enas": "archrank.search.enas:ENASSearch",
    "rea": "archrank.search.evolution:RegularizedEvolution",
    "hierarchical": "archrank.search.hierarchical:HierarchicalSearch",
    "naswot": "archrank.search.naswot_select:NaswotSelect",
    "random": "archrank.search.random:RandomSearch",
    "reinforce": "archrank.search.reinforce:ReinforceFactorized",
    "reinforce_lstm": "archrank.search.reinforce:ReinforceLSTM",
    "zc_warmup": "archrank.search.zero_cost_guided:ZeroCostWarmup",
    "zc_move": "archrank.search.zero_cost_guided:ZeroCostMove",
    "zc_evolution": "archrank.search.zero_cost_guided:ZeroCostWarmupMove",
}
for _name, _target in _BUILTIN_STRATEGIES.items():
    if _name not in STRATEGIES:
        STRATEGIES.register_lazy(_name, _target)

_EXPORTS = {
    "BenchmarkObjective": "benchmark_objective",
    "RunResult": "harness", "SearchSummary": "harness", "run_search": "harness", "search": "harness",
    "HeuristicObjective": "heuristic_objective",
    "Evaluation": "objectives", "Objective": "objectives",
}

__all__ = [
    "HEURISTIC",
    "SIGNAL",
    "STRATEGIES",
    "SUPERNET",
    "BenchmarkObjective",
    "Evaluation",
    "HeuristicObjective",
    "Objective",
    "Query",
    "RunResult",
    "SearchSummary",
    "Strategy",
    "make_strategy",
    "register_strategy",
    "run_search",
    "search",
    "strategy_params",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'archrank.search' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"archrank.search.{module}"), name)
    globals()[name] = value
    return value
