"""A precomputed table read as a results store: ``open_store("table:nb201-cifar10")`` (read-only).

Every command that reads a store (``correlate``, ``suite --from-store``, ``report``, ``search``,
``export``) reads a table this way.  The scores are the table's served columns (:mod:`.table`), one record
per architecture; a canonical-invariant heuristic's record is ``computed`` on the first member of its
class (the one the build scored) and a copy on the others, as a scoring run stores them.  The store holds
one run, of kind ``table``, whose settings name the table, its version, its shards and every column's
provenance, and :attr:`TableStore.source` is the line outputs print.  Every write raises
:class:`~archrank.errors.InvalidArgument`: a table is changed only by ``archrank table build``.
"""

from __future__ import annotations

import calendar
import dataclasses
import math
import time
from collections.abc import Iterable
from typing import Any

from archrank.errors import DataError, InvalidArgument
from archrank.store.backends import register_store
from archrank.store.base import HeuristicInfo, RunInfo, ScoreRecord, Store, TrainingRecord, TrajectoryStep
from archrank.tables.table import Table, open_table

#: ``table:all``: every table archrank ships that has shards, read as one store (:class:`AllTablesStore`).
ALL = "all"


def shipped_tables() -> list[str]:
    """The names of the tables archrank ships that hold at least one shard."""
    from archrank.tables.catalog import TABLES, packaged_folder

    return [n for n in TABLES.names() if any(packaged_folder(n).glob("shard-*-of-*.npz"))]


class _ReadOnly(Store):
    """What every table store answers alike: every write refused (:meth:`_refuse`), no training results
    and no search trajectories."""

    multiprocess = True
    read_only = True
    #: how a refusal names the store
    _what_store = "table"

    def _refuse(self, what: str) -> InvalidArgument:
        return InvalidArgument(f"{self._what_store} is read-only: cannot write {what} (use a store file to keep "
                               "new results; 'archrank table build' computes a table's shards)", parameter="store")

    def open_run(self, kind: str, config: dict[str, Any]) -> int:
        raise self._refuse("a run")

    def finish_run(self, run_id: int, status: str = "finished") -> None:
        raise self._refuse("a run's status")

    def put_archs(self, space: str, archs: Iterable[tuple[str, str, int | None]]) -> None:
        raise self._refuse("architectures")

    def put_heuristics(self, infos: Iterable[HeuristicInfo]) -> None:
        raise self._refuse("heuristics")

    def put_scores(self, records: Iterable[ScoreRecord], *, replace: bool = False) -> int:
        raise self._refuse("scores")

    def put_training(self, records: Iterable[TrainingRecord], *, replace: bool = False) -> int:
        raise self._refuse("training results")

    def training(self, *, space: str | None = None, regime: str | None = None, dataset: str | None = None,
                 seed: int | None = None) -> list[TrainingRecord]:
        return []

    def put_trajectory(self, steps: Iterable[TrajectoryStep]) -> int:
        raise self._refuse("search trajectories")

    def trajectory(self, run_id: int) -> list[TrajectoryStep]:
        return []


@register_store("table")
class TableStore(_ReadOnly):
    """The read-only store of one table (``table:NAME`` or ``table:/folder/of/shards``)."""

    def __init__(self, location: str):
        self.location = location
        self.table: Table = open_table(location)
        self._records: dict[str, list[ScoreRecord]] = {}
        self._archs: dict[str, tuple[str, int | None]] | None = None

    @classmethod
    def open_location(cls, location: str) -> Store:
        if location == ALL:
            return AllTablesStore()
        return cls(location)

    @property
    def source(self) -> str:
        return self.table.source

    @property
    def _what_store(self) -> str:
        return f"table {self.table.name}"

    # --- runs ------------------------------------------------------------------------------------
    def runs(self, kind: str | None = None) -> list[RunInfo]:
        t = self.table
        if kind not in (None, "", "table") or not t.shards:
            return []
        columns = {h: {k: v for k, v in t.column_info(h).items() if k in ("version", "archrank", "torch", "date")}
                   for h in t.served}
        dates = sorted(c["date"] for c in columns.values() if c.get("date")) or ["1970-01-01"]
        config = {"table": t.name, "version": t.version, "shards": f"{len(t.shards)} of {t.n_shards}",
                  **t.protocol, "columns": columns, "retired": sorted(t.retired)}
        stamp = [calendar.timegm(time.strptime(d, "%Y-%m-%d")) for d in (dates[0], dates[-1])]
        return [RunInfo(1, "table", config, "finished" if t.complete else "incomplete", stamp[0], stamp[1])]

    # --- architectures and heuristics --------------------------------------------------------------
    def archs(self, space: str) -> dict[str, tuple[str, int | None]]:
        if space != self.table.protocol.get("space"):
            return {}
        if self._archs is None:
            from archrank.spaces import get_space

            sp = get_space(space)
            out = {}
            for s in self.table.shards:
                for r, a in enumerate(s.archs):
                    idx = sp.arch_to_index(sp.parse(a)) if sp.size is not None else None
                    out[a] = (s.classes[int(s.klass[r])], idx)
            self._archs = out
        return dict(self._archs)

    def heuristic_info(self) -> dict[str, HeuristicInfo]:
        out = {}
        for h in self.table.served:
            i = self.table.column_info(h)
            out[h] = HeuristicInfo(h, bool(i.get("higher_is_better", True)), tuple(i.get("needs", ())),
                                   f"{self.source}; definition version {i.get('version')}")
        return out

    # --- scores ----------------------------------------------------------------------------------
    def _column_records(self, h: str) -> list[ScoreRecord]:
        hit = self._records.get(h)
        if hit is not None:
            return hit
        p = self.table.protocol
        out = []
        for s in self.table.shards:
            c = s.columns[h]
            invariant = bool(c.info.get("canonical_invariant", True))
            first: dict[int, str] = {}
            for r, a in enumerate(s.archs):
                k = int(s.klass[r])
                rep = first.setdefault(k, a)
                computed = not invariant or rep == a
                secs = float(c.seconds[r])
                out.append(ScoreRecord(p["space"], a, h, p["dataset"], int(p["batch_size"]), int(p["seed"]),
                                       float(c.values[r]), None if math.isnan(secs) else secs, None, c.errors.get(r),
                                       computed, None if computed else rep, 1))
        out.sort(key=lambda r: r.arch)
        self._records[h] = out
        return out

    def scores(self, *, space: str | None = None, heuristic: str | None = None, dataset: str | None = None,
               batch_size: int | None = None, seed: int | None = None) -> list[ScoreRecord]:
        p = self.table.protocol
        wanted = {"space": space, "dataset": dataset, "batch_size": batch_size, "seed": seed}
        if any(v is not None and v != p.get(k) for k, v in wanted.items()):
            return []
        names = [heuristic] if heuristic is not None else self.table.served
        return [r for h in names if h in self.table.served for r in self._column_records(h)]

    def score_keys(self, *, space: str, dataset: str, batch_size: int, seed: int,
                   include_errors: bool = True) -> set[tuple[str, str]]:
        return {(r.arch, r.heuristic) for r in self.scores(space=space, dataset=dataset, batch_size=batch_size,
                                                            seed=seed) if include_errors or r.error is None}

    def close(self) -> None:
        self._records.clear()

    def __repr__(self) -> str:
        return f"TableStore({self.location!r})"


class BesideStore(TableStore):
    """A table's scores beside a store's own (a new heuristic scored on the table's architectures, under its
    protocol), read as one store: the table's columns, then every heuristic the store holds that the table
    does not.  Read-only like the table; the store's scores are its own (computed, not looked up)."""

    def __init__(self, table: str, store: Store):
        super().__init__(table)
        self.other = store
        p = self.table.protocol
        key = {k: p[k] for k in ("space", "dataset", "batch_size", "seed")}
        mine = [r for r in store.scores(**key) if r.heuristic not in self.table.served]
        self._mine: dict[str, list[ScoreRecord]] = {}
        for r in mine:
            self._mine.setdefault(r.heuristic, []).append(r)

    @property
    def source(self) -> str:
        new = ", ".join(sorted(self._mine)) or "none"
        return f"{self.table.source}; computed now: {new}"

    def runs(self, kind: str | None = None) -> list[RunInfo]:
        return super().runs(kind) + [r for r in self.other.runs(kind)]

    def archs(self, space: str) -> dict[str, tuple[str, int | None]]:
        return {**self.other.archs(space), **super().archs(space)}

    def heuristic_info(self) -> dict[str, HeuristicInfo]:
        theirs = self.other.heuristic_info()
        return {**{h: theirs[h] for h in self._mine if h in theirs}, **super().heuristic_info()}

    def scores(self, *, space: str | None = None, heuristic: str | None = None, dataset: str | None = None,
               batch_size: int | None = None, seed: int | None = None) -> list[ScoreRecord]:
        out = super().scores(space=space, heuristic=heuristic, dataset=dataset, batch_size=batch_size, seed=seed)
        p = self.table.protocol
        wanted = {"space": space, "dataset": dataset, "batch_size": batch_size, "seed": seed}
        if any(v is not None and v != p.get(k) for k, v in wanted.items()):
            return out
        for h in sorted(self._mine):
            if heuristic is None or h == heuristic:
                out += sorted(self._mine[h], key=lambda r: r.arch)
        return out


class AllTablesStore(_ReadOnly):
    """``table:all``: every shipped table with shards, read as one store (their union: the tables differ in
    space or data set, so no record of one is a record of another).  Read-only; each table's runs keep
    their provenance, and :attr:`source` names every table, its version and its shards."""

    _what_store = "table:all"

    def __init__(self) -> None:
        names = shipped_tables()
        if not names:
            raise DataError("table:all: no table archrank ships has shards yet (build them with "
                            "'archrank table build NAME')")
        self.location = ALL
        self.parts = [TableStore(n) for n in names]

    @property
    def source(self) -> str:
        return self.source_for(p.table.name for p in self.parts)

    def source_for(self, names: Iterable[str]) -> str:
        """The source line of the values read from the tables ``names`` only (those a command's tasks read),
        in the order of :attr:`parts`."""
        wanted = set(names)
        return "looked up from tables " + "; ".join(p.table.label for p in self.parts if p.table.name in wanted)

    def protocols(self) -> dict[str, dict[str, Any]]:
        """table name -> its protocol (space, dataset, batch size, seed)."""
        return {p.table.name: dict(p.table.protocol) for p in self.parts}

    def runs(self, kind: str | None = None) -> list[RunInfo]:
        out = []
        for i, p in enumerate(self.parts, start=1):
            out += [dataclasses.replace(r, run_id=i) for r in p.runs(kind)]
        return out

    def archs(self, space: str) -> dict[str, tuple[str, int | None]]:
        out: dict[str, tuple[str, int | None]] = {}
        for p in self.parts:
            out.update(p.archs(space))
        return out

    def heuristic_info(self) -> dict[str, HeuristicInfo]:
        out: dict[str, HeuristicInfo] = {}
        for p in self.parts:
            for h, info in p.heuristic_info().items():
                out.setdefault(h, info)
        return out

    def scores(self, *, space: str | None = None, heuristic: str | None = None, dataset: str | None = None,
               batch_size: int | None = None, seed: int | None = None) -> list[ScoreRecord]:
        out = [r for p in self.parts for r in p.scores(space=space, heuristic=heuristic, dataset=dataset,
                                                        batch_size=batch_size, seed=seed)]
        out.sort(key=lambda r: (r.heuristic, r.arch))
        return out

    def score_keys(self, *, space: str, dataset: str, batch_size: int, seed: int,
                   include_errors: bool = True) -> set[tuple[str, str]]:
        return {k for p in self.parts for k in p.score_keys(space=space, dataset=dataset, batch_size=batch_size,
                                                            seed=seed, include_errors=include_errors)}

    def close(self) -> None:
        for p in self.parts:
            p.close()

    def __repr__(self) -> str:
        return "AllTablesStore()"
