"""Heuristics. Importing this package registers every built-in heuristic in ``HEURISTICS``."""

from __future__ import annotations

import importlib

from archrank.heuristics.base import (
    HEURISTICS,
    Heuristic,
    ScoreContext,
    ScoreResult,
    evaluate,
    register_heuristic,
)

# Modules that register built-in heuristics. Each is imported explicitly; a module listed here that is not
# present yet is skipped so that the package works while parts are being developed.
_MODULES = [
    "archrank.heuristics.baselines",
    "archrank.heuristics.zero_cost",
    "archrank.heuristics.naswot",
    "archrank.heuristics.kernel_scores",
    "archrank.heuristics.training_scores",
]


def load_builtin() -> None:
    for mod in _MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise


load_builtin()

__all__ = ["HEURISTICS", "Heuristic", "ScoreContext", "ScoreResult", "evaluate", "register_heuristic"]
