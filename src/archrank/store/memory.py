"""An in-memory store: the same contract as the SQLite store, held in this process (``memory://[name]``).

``MemoryStore()`` is private to the object; ``MemoryStore("name")`` (``open_store("memory://name")``) is a
database shared by every store of that name in this process and kept until the process ends, so a run
reopened by name resumes as it would from a file.  Nothing is written to disk and other processes cannot
see it.  Each ``put_*`` validates the whole batch before changing anything and applies it under a lock,
so writes are atomic and several threads may write at once.  Values are kept as the SQLite store reads
them back (JSON round trip of configs and metrics, non-finite costs as ``None``), so both backends answer
every query alike.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import threading
import time
from collections.abc import Iterable
from typing import Any

from archrank.errors import InvalidArgument
from archrank.store.backends import register_store
from archrank.store.base import (
    HeuristicInfo,
    RunInfo,
    ScoreRecord,
    Store,
    TrainingRecord,
    TrajectoryStep,
    finite_or_none,
)
from archrank.store.run_status import reported_status, this_host


class _Database:
    """The tables of one memory store, and the lock its writers take."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.runs: dict[str, dict[str, Any]] = {}  # run key -> row
        self.archs: dict[tuple[str, str], tuple[str, int | None]] = {}
        self.heuristics: dict[str, HeuristicInfo] = {}
        self.scores: dict[tuple, ScoreRecord] = {}
        self.training: dict[tuple, tuple[TrainingRecord, str]] = {}  # record, metrics as JSON text
        self.trajectories: dict[tuple[int, int], TrajectoryStep] = {}


_NAMED: dict[str, _Database] = {}
_NAMED_LOCK = threading.Lock()


def _text(record: Any, field: str, *, optional: bool = False) -> str | None:
    v = getattr(record, field)
    if v is None and optional:
        return None
    if not isinstance(v, str):
        raise InvalidArgument(f"cannot store record {record!r}: {field} must be a string, got {type(v).__name__}")
    return v


def _int(record: Any, field: str, *, optional: bool = False) -> int | None:
    v = getattr(record, field)
    if v is None and optional:
        return None
    try:
        if isinstance(v, bool) or int(v) != v:
            raise TypeError
        return int(v)
    except (TypeError, ValueError):
        raise InvalidArgument(f"cannot store record {record!r}: {field} must be an integer, got {v!r}") from None


def _float(record: Any, field: str) -> float:
    v = getattr(record, field)
    if v is None:
        return math.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        raise InvalidArgument(f"cannot store record {record!r}: {field} must be a number, got {v!r}") from None


def _cost(record: Any, field: str) -> float | None:
    return None if getattr(record, field) is None else finite_or_none(_float(record, field))


def _matches(record: Any, **filters: Any) -> bool:
    """Whether ``record`` equals every filter that is not None (how the SQLite store's WHERE reads)."""
    return all(getattr(record, k) == v for k, v in filters.items() if v is not None)


@register_store("memory")
class MemoryStore(Store):
    """A :class:`Store` held in memory. ``MemoryStore()`` (private) or ``MemoryStore("name")`` (shared)."""

    multiprocess = False

    def __init__(self, name: str | None = None):
        self.name = name or None
        if self.name is None:
            self._db: _Database | None = _Database()
        else:
            with _NAMED_LOCK:
                self._db = _NAMED.setdefault(self.name, _Database())

    @classmethod
    def open_location(cls, location: str) -> MemoryStore:
        return cls(location or None)

    @property
    def db(self) -> _Database:
        if self._db is None:
            raise InvalidArgument(f"{self!r} is closed")
        return self._db

    # --- runs ------------------------------------------------------------------------------------
    def open_run(self, kind: str, config: dict[str, Any]) -> int:
        text = json.dumps(config, sort_keys=True, separators=(",", ":"))
        key = hashlib.sha256(f"{kind}\n{text}".encode()).hexdigest()
        now = time.time()
        db = self.db
        with db.lock:
            row = db.runs.get(key)
            if row is None:
                row = {"run_id": len(db.runs) + 1, "kind": kind, "config": text, "created": now}
                db.runs[key] = row
            row.update(status="running", updated=now, pid=os.getpid(), host=this_host())
            return int(row["run_id"])

    def finish_run(self, run_id: int, status: str = "finished") -> None:
        db = self.db
        with db.lock:
            for row in db.runs.values():
                if row["run_id"] == run_id:
                    row.update(status=status, updated=time.time())

    def runs(self, kind: str | None = None) -> list[RunInfo]:
        db = self.db
        with db.lock:
            rows = sorted(db.runs.values(), key=lambda r: r["run_id"])
            return [RunInfo(r["run_id"], r["kind"], json.loads(r["config"]),
                            reported_status(r["status"], r["pid"], r["host"]), r["created"], r["updated"],
                            r["pid"], r["host"]) for r in rows if not kind or r["kind"] == kind]

    # --- architectures and heuristics --------------------------------------------------------------
    def put_archs(self, space: str, archs: Iterable[tuple[str, str, int | None]]) -> None:
        rows = []
        for a, can, i in archs:
            if not (isinstance(space, str) and isinstance(a, str) and isinstance(can, str)):
                raise InvalidArgument(f"cannot store architecture {(space, a, can, i)!r}: names must be strings")
            rows.append(((space, a), (can, None if i is None else int(i))))
        db = self.db
        with db.lock:
            for key, value in rows:
                db.archs.setdefault(key, value)

    def archs(self, space: str) -> dict[str, tuple[str, int | None]]:
        db = self.db
        with db.lock:
            return {a: v for (s, a), v in db.archs.items() if s == space}

    def put_heuristics(self, infos: Iterable[HeuristicInfo]) -> None:
        rows = [HeuristicInfo(h.name, bool(h.higher_is_better), tuple(sorted(h.needs)), h.description)
                for h in infos]
        db = self.db
        with db.lock:
            for h in rows:
                db.heuristics.setdefault(h.name, h)

    def heuristic_info(self) -> dict[str, HeuristicInfo]:
        db = self.db
        with db.lock:
            return dict(db.heuristics)

    # --- scores ----------------------------------------------------------------------------------
    @staticmethod
    def _score(r: ScoreRecord) -> ScoreRecord:
        """``r`` as the store keeps it, or InvalidArgument naming the field that cannot be stored."""
        for f in ("space", "arch", "heuristic", "dataset"):
            _text(r, f)
        return dataclasses.replace(
            r, batch_size=_int(r, "batch_size"), seed=_int(r, "seed"),
            value=math.nan if r.error is not None else _float(r, "value"),
            seconds=_cost(r, "seconds"), flops=_cost(r, "flops"), error=_text(r, "error", optional=True),
            computed=bool(r.computed), source_arch=_text(r, "source_arch", optional=True),
            run_id=_int(r, "run_id", optional=True))

    def put_scores(self, records: Iterable[ScoreRecord], *, replace: bool = False) -> int:
        rows = [self._score(r) for r in records]
        return self._put(self.db.scores, [(r.key, r) for r in rows], replace)

    def _put(self, table: dict, rows: list[tuple[Any, Any]], replace: bool) -> int:
        changed = 0
        with self.db.lock:
            for key, row in rows:
                if replace or key not in table:
                    table[key] = row
                    changed += 1
        return changed

    def _matching(self, **filters: Any) -> list[ScoreRecord]:
        db = self.db
        with db.lock:
            rows = [r for r in db.scores.values() if _matches(r, **filters)]
        return sorted(rows, key=lambda r: (r.heuristic, r.arch, r.key))

    def scores(
        self,
        *,
        space: str | None = None,
        heuristic: str | None = None,
        dataset: str | None = None,
        batch_size: int | None = None,
        seed: int | None = None,
    ) -> list[ScoreRecord]:
        return self._matching(space=space, heuristic=heuristic, dataset=dataset, batch_size=batch_size, seed=seed)

    def score_keys(
        self, *, space: str, dataset: str, batch_size: int, seed: int, include_errors: bool = True
    ) -> set[tuple[str, str]]:
        rows = self._matching(space=space, dataset=dataset, batch_size=int(batch_size), seed=int(seed))
        return {(r.arch, r.heuristic) for r in rows if include_errors or r.error is None}

    def count_scores(self, **filters: Any) -> int:
        return len(self._matching(**filters))

    # --- training results --------------------------------------------------------------------------
    def put_training(self, records: Iterable[TrainingRecord], *, replace: bool = False) -> int:
        rows = []
        for r in records:
            for f in ("space", "arch", "regime", "dataset"):
                _text(r, f)
            text = json.dumps(r.metrics, sort_keys=True)
            kept = dataclasses.replace(r, seed=_int(r, "seed"), seconds=_cost(r, "seconds"),
                                       flops=_cost(r, "flops"), run_id=_int(r, "run_id", optional=True))
            rows.append((kept.key, (kept, text)))
        return self._put(self.db.training, rows, replace)

    def training(
        self,
        *,
        space: str | None = None,
        regime: str | None = None,
        dataset: str | None = None,
        seed: int | None = None,
    ) -> list[TrainingRecord]:
        db = self.db
        with db.lock:
            rows = [dataclasses.replace(r, metrics=json.loads(text)) for r, text in db.training.values()
                    if _matches(r, space=space, regime=regime, dataset=dataset, seed=seed)]
        return sorted(rows, key=lambda r: (r.space, r.arch, r.regime, r.key))

    # --- search trajectories -------------------------------------------------------------------------
    def put_trajectory(self, steps: Iterable[TrajectoryStep]) -> int:
        rows = []
        for s in steps:
            _text(s, "arch")
            _text(s, "space", optional=True)
            kept = dataclasses.replace(s, run_id=_int(s, "run_id"), step=_int(s, "step"), value=_float(s, "value"),
                                       cost=_cost(s, "cost"), best_so_far=_cost(s, "best_so_far"))
            rows.append(((kept.run_id, kept.step), kept))
        return self._put(self.db.trajectories, rows, False)

    def trajectory(self, run_id: int) -> list[TrajectoryStep]:
        db = self.db
        with db.lock:
            return sorted((s for (r, _), s in db.trajectories.items() if r == int(run_id)), key=lambda s: s.step)

    # --- lifetime ----------------------------------------------------------------------------------
    def close(self) -> None:
        self._db = None

    def __repr__(self) -> str:
        return f"MemoryStore({self.name!r})" if self.name else "MemoryStore()"
