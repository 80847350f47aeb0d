"""Heuristics. Importing this package registers every built-in heuristic in ``HEURISTICS``."""

from __future__ import annotations

import importlib

from archrank.heuristics.base import (
    HEURISTICS,
    Heuristic,
    ScoreContext,
    ScoreResult,
    evaluate,
    member_value,
    register_heuristic,
)

# Modules that register the built-in heuristics when imported.
_MODULES = (
    "archrank.heuristics.baselines",
    "archrank.heuristics.zero_cost",
    "archrank.heuristics.naswot",
    "archrank.heuristics.kernel_scores",
    "archrank.heuristics.training_scores",
    "archrank.heuristics.zico",
    "archrank.heuristics.meco",
    "archrank.heuristics.swap",
    "archrank.heuristics.az_nas",
    "archrank.heuristics.zen",
    "archrank.heuristics.naslib_proxies",
    "archrank.heuristics.gradient_stats",
    "archrank.heuristics.logsynflow",
    "archrank.heuristics.lga",
    "archrank.heuristics.combinations",
    "archrank.heuristics.hidden_cov",
)


def load_builtin() -> None:
    for mod in _MODULES:
        importlib.import_module(mod)


load_builtin()

__all__ = ["HEURISTICS", "Heuristic", "ScoreContext", "ScoreResult", "evaluate", "member_value", "register_heuristic"]
