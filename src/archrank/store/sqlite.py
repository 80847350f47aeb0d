"""The embedded default store: one SQLite file (WAL mode, busy timeout, versioned schema).

This module holds the reads and writes; the schema, its set-up and the encoding of non-finite values are
in :mod:`archrank.store.sqlite_schema`.  Each ``put_*`` is one ``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from archrank.errors import DataError, InvalidArgument
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
from archrank.store.sqlite_schema import decode_float, encode_float, prepare


@register_store("sqlite")
class SQLiteStore(Store):
    """A :class:`Store` in one SQLite file. ``SQLiteStore(path)``; ``":memory:"`` for a private one."""

    def __init__(self, path: str | os.PathLike, *, timeout: float = 60.0):
        self.path = str(path)
        self.timeout = timeout
        if self.path != ":memory:":
            parent = Path(self.path).expanduser().resolve().parent
            if not parent.is_dir():
                raise DataError(f"cannot create store {self.path!r}: folder {str(parent)!r} does not exist")
            if Path(self.path).is_dir():
                raise DataError(f"store path {self.path!r} is a folder, not a file")
        try:
            self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as e:
            raise DataError(f"cannot open store {self.path!r}: {e}") from None
        try:
            self._setup()
        except sqlite3.DatabaseError as e:
            self._conn.close()
            raise DataError(f"{self.path!r} is not an archrank store (SQLite says: {e})") from None
        except DataError:
            self._conn.close()
            raise

    # --- set-up ----------------------------------------------------------------------------------
    def _setup(self) -> None:
        prepare(self._conn, self.path, timeout=self.timeout, schema_version=self.SCHEMA_VERSION)

    def _write(self, sql_rows: list[tuple[str, tuple]]) -> int:
        """Run statements in one immediate transaction; returns rows changed."""
        c = self._conn
        before = c.total_changes
        c.execute("BEGIN IMMEDIATE")
        try:
            for sql, row in sql_rows:
                try:
                    c.execute(sql, row)
                except (sqlite3.InterfaceError, sqlite3.ProgrammingError, sqlite3.IntegrityError) as e:
                    raise InvalidArgument(f"cannot store record {row!r}: {e}") from None
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
        return c.total_changes - before

    # --- runs ------------------------------------------------------------------------------------
    def open_run(self, kind: str, config: dict[str, Any]) -> int:
        text = json.dumps(config, sort_keys=True, separators=(",", ":"))
        key = hashlib.sha256(f"{kind}\n{text}".encode()).hexdigest()
        now = time.time()
        self._write(
            [
                (
                    (
                        "INSERT OR IGNORE INTO runs (run_key, kind, config, status, created, updated) "
                        "VALUES (?, ?, ?, 'running', ?, ?)"
                    ),
                    (key, kind, text, now, now),
                ),
                ("UPDATE runs SET status = 'running', updated = ?, pid = ?, host = ? WHERE run_key = ?",
                 (now, os.getpid(), this_host(), key)),
            ]
        )
        return int(self._conn.execute("SELECT run_id FROM runs WHERE run_key = ?", (key,)).fetchone()[0])

    def finish_run(self, run_id: int, status: str = "finished") -> None:
        self._write([("UPDATE runs SET status = ?, updated = ? WHERE run_id = ?", (status, time.time(), run_id))])

    def runs(self, kind: str | None = None) -> list[RunInfo]:
        sql = "SELECT run_id, kind, config, status, created, updated, pid, host FROM runs"
        rows = self._conn.execute(sql + (" WHERE kind = ?" if kind else "") + " ORDER BY run_id",
                                  (kind,) if kind else ()).fetchall()
        return [RunInfo(r[0], r[1], json.loads(r[2]), reported_status(r[3], r[6], r[7]), r[4], r[5], r[6], r[7])
                for r in rows]

    # --- architectures and heuristics --------------------------------------------------------------
    def put_archs(self, space: str, archs: Iterable[tuple[str, str, int | None]]) -> None:
        sql = "INSERT OR IGNORE INTO architectures (space, arch, canonical, idx) VALUES (?, ?, ?, ?)"
        self._write([(sql, (space, a, can, None if i is None else int(i))) for a, can, i in archs])

    def archs(self, space: str) -> dict[str, tuple[str, int | None]]:
        rows = self._conn.execute("SELECT arch, canonical, idx FROM architectures WHERE space = ?", (space,))
        return {a: (can, i) for a, can, i in rows}

    def put_heuristics(self, infos: Iterable[HeuristicInfo]) -> None:
        sql = "INSERT OR IGNORE INTO heuristics (name, higher_is_better, needs, description) VALUES (?, ?, ?, ?)"
        self._write(
            [(sql, (h.name, int(bool(h.higher_is_better)), json.dumps(sorted(h.needs)), h.description))
             for h in infos]
        )

    def heuristic_info(self) -> dict[str, HeuristicInfo]:
        rows = self._conn.execute("SELECT name, higher_is_better, needs, description FROM heuristics")
        return {n: HeuristicInfo(n, bool(hib), tuple(json.loads(needs)), d) for n, hib, needs, d in rows}

    # --- scores ----------------------------------------------------------------------------------
    def put_scores(self, records: Iterable[ScoreRecord], *, replace: bool = False) -> int:
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        sql = (
            f"{verb} INTO scores (space, arch, heuristic, dataset, batch_size, seed, value, nonfinite, seconds,"
            " flops, error, computed, source_arch, run_id, written) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        )
        now = time.time()
        rows = []
        for r in records:
            value, nonfinite = encode_float(r.value)
            if r.error is not None:
                value, nonfinite = None, None
            rows.append((sql, (r.space, r.arch, r.heuristic, r.dataset, int(r.batch_size), int(r.seed), value,
                               nonfinite, finite_or_none(r.seconds), finite_or_none(r.flops), r.error,
                               int(bool(r.computed)), r.source_arch, r.run_id, now)))
        return self._write(rows)

    def scores(
        self,
        *,
        space: str | None = None,
        heuristic: str | None = None,
        dataset: str | None = None,
        batch_size: int | None = None,
        seed: int | None = None,
    ) -> list[ScoreRecord]:
        where, params = _filters(space=space, heuristic=heuristic, dataset=dataset, batch_size=batch_size,
                                 seed=seed)
        sql = (
            "SELECT space, arch, heuristic, dataset, batch_size, seed, value, nonfinite, seconds, flops, error,"
            f" computed, source_arch, run_id FROM scores{where} ORDER BY heuristic, arch"
        )
        out = []
        for r in self._conn.execute(sql, params):
            out.append(ScoreRecord(r[0], r[1], r[2], r[3], r[4], r[5], decode_float(r[6], r[7]), r[8], r[9], r[10],
                                   bool(r[11]), r[12], r[13]))
        return out

    def score_keys(
        self, *, space: str, dataset: str, batch_size: int, seed: int, include_errors: bool = True
    ) -> set[tuple[str, str]]:
        sql = "SELECT arch, heuristic FROM scores WHERE space = ? AND dataset = ? AND batch_size = ? AND seed = ?"
        if not include_errors:
            sql += " AND error IS NULL"
        return {(a, h) for a, h in self._conn.execute(sql, (space, dataset, int(batch_size), int(seed)))}

    def score_failures(self, *, space: str, dataset: str, batch_size: int, seed: int) -> dict[tuple[str, str], str]:
        sql = ("SELECT arch, heuristic, error FROM scores WHERE space = ? AND dataset = ? AND batch_size = ?"
               " AND seed = ? AND error IS NOT NULL")
        return {(a, h): e for a, h, e in self._conn.execute(sql, (space, dataset, int(batch_size), int(seed)))}

    def count_scores(self, **filters: Any) -> int:
        where, params = _filters(**filters)
        return int(self._conn.execute(f"SELECT COUNT(*) FROM scores{where}", params).fetchone()[0])

    # --- training results --------------------------------------------------------------------------
    def put_training(self, records: Iterable[TrainingRecord], *, replace: bool = False) -> int:
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        sql = (f"{verb} INTO training (space, arch, regime, dataset, seed, metrics, seconds, flops, run_id, written)"
               " VALUES (?,?,?,?,?,?,?,?,?,?)")
        now = time.time()
        return self._write(
            [(sql, (r.space, r.arch, r.regime, r.dataset, int(r.seed), json.dumps(r.metrics, sort_keys=True),
                    finite_or_none(r.seconds), finite_or_none(r.flops), r.run_id, now)) for r in records]
        )

    def training(
        self,
        *,
        space: str | None = None,
        regime: str | None = None,
        dataset: str | None = None,
        seed: int | None = None,
    ) -> list[TrainingRecord]:
        where, params = _filters(space=space, regime=regime, dataset=dataset, seed=seed)
        sql = ("SELECT space, arch, regime, dataset, seed, metrics, seconds, flops, run_id FROM training"
               f"{where} ORDER BY space, arch, regime")
        return [TrainingRecord(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7], r[8])
                for r in self._conn.execute(sql, params)]

    # --- search trajectories -------------------------------------------------------------------------
    def put_trajectory(self, steps: Iterable[TrajectoryStep]) -> int:
        sql = ("INSERT OR IGNORE INTO trajectories (run_id, step, space, arch, value, nonfinite, cost, best_so_far)"
               " VALUES (?,?,?,?,?,?,?,?)")
        rows = []
        for s in steps:
            value, nonfinite = encode_float(s.value)
            rows.append((sql, (int(s.run_id), int(s.step), s.space, s.arch, value, nonfinite,
                               finite_or_none(s.cost), finite_or_none(s.best_so_far))))
        return self._write(rows)

    def trajectory(self, run_id: int) -> list[TrajectoryStep]:
        sql = ("SELECT run_id, step, arch, value, nonfinite, cost, best_so_far, space FROM trajectories"
               " WHERE run_id = ? ORDER BY step")
        return [TrajectoryStep(r[0], r[1], r[2], decode_float(r[3], r[4]), r[5], r[6], r[7])
                for r in self._conn.execute(sql, (int(run_id),))]

    # --- lifetime ----------------------------------------------------------------------------------
    def close(self) -> None:
        self._conn.close()

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"


def _filters(**kw: Any) -> tuple[str, tuple]:
    items = [(k, v) for k, v in kw.items() if v is not None]
    if not items:
        return "", ()
    return " WHERE " + " AND ".join(f"{k} = ?" for k, _ in items), tuple(v for _, v in items)
