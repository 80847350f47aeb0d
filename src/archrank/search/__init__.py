"""Search strategies (ask/tell over a seeded generator), objectives and the evaluation harness.

The built-in strategies register themselves (``@register_strategy("name")`` in their module) and are found
in :data:`STRATEGIES` by name from the package's source (:mod:`archrank.search.names`), lazily: their modules (which may import torch or scipy) are imported the first
time a strategy is asked for.  Every name below is imported on first use (PEP 562), so that reading
:mod:`archrank.search.protocol` or :mod:`archrank.search.names` imports nothing heavy.
"""

from __future__ import annotations

from archrank.lazy import lazy_exports

_EXPORTS = {
    "HEURISTIC": "base", "SIGNAL": "base", "STRATEGIES": "base", "SUPERNET": "base", "Query": "base",
    "Strategy": "base", "make_strategy": "base", "register_strategy": "base", "strategy_params": "base",
    "BenchmarkObjective": "benchmark_objective",
    "RunResult": "harness", "SearchSummary": "harness", "run_search": "harness", "search": "harness",
    "HeuristicObjective": "heuristic_objective", "heuristic_objective": "heuristic_objective",
    "TrainingObjective": "training_objectives", "SupernetObjective": "training_objectives",
    "supernet_objective": "training_objectives",
    "Evaluation": "objectives", "Objective": "objectives",
}

__all__ = list(_EXPORTS)  # every name of the lazy map, and only those

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
