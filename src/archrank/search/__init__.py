"""Search strategies (ask/tell over a seeded generator), objectives and the evaluation harness.

Importing this package registers the built-in strategies in :data:`STRATEGIES`.
"""

from __future__ import annotations

from archrank.search import (  # noqa: F401  (imported to register their strategies)
    bandit,
    enas,
    evolution,
    hierarchical,
    naswot_select,
    random,
    reinforce,
    zero_cost_guided,
)
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
from archrank.search.benchmark_objective import BenchmarkObjective
from archrank.search.harness import RunResult, SearchSummary, run_search, search
from archrank.search.heuristic_objective import HeuristicObjective
from archrank.search.objectives import Evaluation, Objective

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
