"""Heuristics. Importing this package imports its every module, which registers every built-in heuristic in
``HEURISTICS``."""

from __future__ import annotations

import importlib
import pkgutil

from archrank.heuristics.base import (
    HEURISTICS,
    Heuristic,
    ScoreContext,
    ScoreResult,
    evaluate,
    member_value,
    register_heuristic,
)


def load_builtin() -> None:
    """Import every module of this package: each built-in heuristic registers itself in its own module
    (``@register_heuristic``), so a new heuristic is a new module and nothing else."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


load_builtin()

__all__ = ["HEURISTICS", "Heuristic", "ScoreContext", "ScoreResult", "evaluate", "member_value", "register_heuristic"]
