"""The results store. ``open_store(path)`` opens (or creates) the embedded SQLite store."""

from __future__ import annotations

import os

from archrank.store.base import HeuristicInfo, RunInfo, ScoreRecord, Store, TrainingRecord, TrajectoryStep
from archrank.store.sqlite import SQLiteStore


def open_store(path: str | os.PathLike) -> Store:
    """The store at ``path`` (a SQLite file, created if missing)."""
    return SQLiteStore(path)


__all__ = [
    "HeuristicInfo",
    "RunInfo",
    "SQLiteStore",
    "ScoreRecord",
    "Store",
    "TrainingRecord",
    "TrajectoryStep",
    "open_store",
]
