"""A precomputed table as one object: its shards merged, its columns checked against the heuristics' versions.

:func:`open_table` reads every shard of a table (a name archrank ships, or a folder of shards).  A column
is *served* when the version of the definition it was computed with equals the registered heuristic's
``version``; otherwise it is *retired* (listed with both versions, never served): a change of definition
never passes old values off as the new heuristic's.  A column is served only where every present shard
holds it.  :meth:`Table.rows` gives one dict per architecture; :attr:`Table.source` is the line every
output that shows these values prints.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archrank.errors import DataError
from archrank.tables.catalog import TABLES, TableSpec, table_folder
from archrank.tables.shard import Shard, read_shard


@dataclass
class Table:
    """The merged shards of one table."""

    name: str
    folder: Path
    spec: TableSpec | None
    shards: list[Shard]
    n_shards: int
    served: list[str] = field(default_factory=list)  # columns served, in name order
    retired: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # column -> (stored, current)
    partial: list[str] = field(default_factory=list)  # columns missing from some present shards

    @property
    def protocol(self) -> dict[str, Any]:
        return dict(self.shards[0].protocol) if self.shards else (self.spec.protocol if self.spec else {})

    @property
    def version(self) -> int:
        return self.spec.version if self.spec is not None else 1

    @property
    def complete(self) -> bool:
        return len(self.shards) == self.n_shards

    @property
    def label(self) -> str:
        """``NAME version V (k of n shards)``."""
        return f"{self.name} version {self.version} ({len(self.shards)} of {self.n_shards} shards)"

    @property
    def source(self) -> str:
        """``looked up from table NAME version V (k of n shards)``: said by every output of these values."""
        return f"looked up from table {self.label}"

    def column_info(self, heuristic: str) -> dict[str, Any]:
        """The provenance of a column (definition version, archrank, torch, date), from its first shard."""
        for s in self.shards:
            if heuristic in s.columns:
                return dict(s.columns[heuristic].info)
        raise KeyError(heuristic)

    def rows(self) -> list[dict[str, Any]]:
        """One dict per architecture: ``arch``, ``canonical``, ``shard``, then ``heuristic: value`` for
        every served column and ``seconds:heuristic``; ``source`` says where the values come from."""
        out = []
        for s in self.shards:
            cols = {h: s.columns[h] for h in self.served}
            for r, a in enumerate(s.archs):
                row: dict[str, Any] = {"arch": a, "canonical": s.classes[int(s.klass[r])], "shard": s.index}
                for h, c in cols.items():
                    row[h] = float(c.values[r])
                for h, c in cols.items():
                    row[f"seconds:{h}"] = float(c.seconds[r])
                row["source"] = self.source
                out.append(row)
        return out

    def column(self, heuristic: str) -> tuple[list[str], np.ndarray, np.ndarray, list[str | None]]:
        """``(archs, values float64, seconds float64, errors)`` of a served column over every row."""
        if heuristic not in self.served:
            raise KeyError(heuristic)
        archs: list[str] = []
        vals, secs, errs = [], [], []
        for s in self.shards:
            c = s.columns[heuristic]
            archs += s.archs
            vals.append(np.asarray(c.values, dtype=np.float64))
            secs.append(np.asarray(c.seconds, dtype=np.float64))
            errs += [c.errors.get(r) for r in range(s.n_rows)]
        if not archs:
            return [], np.zeros(0), np.zeros(0), []
        return archs, np.concatenate(vals), np.concatenate(secs), errs

    def n_rows(self) -> int:
        return sum(s.n_rows for s in self.shards)


def current_versions(names: list[str]) -> dict[str, int | None]:
    """The registered definition version of each heuristic (None: not registered here)."""
    from archrank.heuristics import HEURISTICS
    from archrank.run import load_plugins

    load_plugins()
    return {h: (HEURISTICS.get(h).version if h in HEURISTICS else None) for h in names}


def open_table(location: str | os.PathLike) -> Table:
    """The table ``location`` (a name archrank ships, or a folder of shards), its columns checked."""
    name, folder = table_folder(location)
    files = sorted(folder.glob("shard-*-of-*.npz")) if folder.is_dir() else []
    shards = [read_shard(f) for f in files]
    spec = TABLES.get(name) if name in TABLES else None
    if shards:
        name = shards[0].table
        spec = TABLES.get(name) if name in TABLES else spec
        counts = {s.n_shards for s in shards}
        protocols = {tuple(sorted(s.protocol.items())) for s in shards}
        if len(counts) > 1 or len(protocols) > 1 or len({s.table for s in shards}) > 1:
            raise DataError(f"table folder {str(folder)!r} mixes shards of different tables, partitions or "
                            "protocols")
        n_shards = counts.pop()
    else:
        n_shards = spec.n_shards if spec is not None else 0
    table = Table(name, folder, spec, shards, n_shards)
    names = sorted({h for s in shards for h in s.columns})
    current = current_versions(names)
    for h in names:
        stored = {s.columns[h].version for s in shards if h in s.columns}
        if len(stored) > 1 or current[h] not in stored:
            table.retired[h] = (max(stored), current[h])
        elif all(h in s.columns for s in shards):
            table.served.append(h)
        else:
            table.partial.append(h)
    return table


def load(name: str | os.PathLike) -> list[dict[str, Any]]:
    """The rows of table ``name`` (see :meth:`Table.rows`): every architecture with its looked-up values."""
    return open_table(name).rows()
