"""A new heuristic beside a table's columns: scored on the table's architectures, under its protocol.

How a researcher evaluates a new proxy against the shipped ones: :func:`score_beside` scores the new
heuristics (registered by the caller, e.g. through ``$ARCHRANK_PLUGINS``) on the architectures of a table
(all the rows present, ``random:N`` of them drawn with a seed, or a list) with the table's protocol (space,
data set, batch size, seed), into a store (resumable like any scoring run), and returns a read-only store
holding the table's columns and the new ones side by side (:class:`~archrank.tables.store.BesideStore`):
every command that reads a store compares them on the same architectures.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument
from archrank.store.base import Store
from archrank.tables.store import BesideStore
from archrank.tables.table import open_table


def beside_archs(table: str, archs: str | Sequence[str] | None, seed: int = 0) -> list[str]:
    """The table's architectures a new heuristic is scored on: all rows (None or ``"all"``), ``random:N``
    (N distinct rows drawn with ``seed``) or the given ones (each must be a row of the table)."""
    t = open_table(table)
    rows = [a for s in t.shards for a in s.archs]
    if not rows:
        raise InvalidArgument(f"table {t.name} has no shards yet", parameter="table")
    if archs is None or (isinstance(archs, str) and archs.strip() == "all"):
        return rows
    if isinstance(archs, str):
        text = archs.strip()
        n_text = text.split(":", 1)[1] if text.startswith("random:") else ""
        if not n_text.isdigit() or not 1 <= int(n_text) <= len(rows):
            raise InvalidArgument(f"bad archs {archs!r}: expected all or random:N with N from 1 to {len(rows)} "
                                  f"(the rows of table {t.name})", parameter="archs")
        pick = np.random.default_rng(seed).choice(len(rows), size=int(n_text), replace=False)
        return [rows[int(i)] for i in sorted(pick)]
    known = set(rows)
    missing = [a for a in archs if a not in known]
    if missing:
        raise InvalidArgument(f"architecture {missing[0]!r} is not a row of table {t.name}", parameter="archs")
    return list(archs)


def score_beside(table: str, heuristics: str | Sequence[str], *, store: Store | str | os.PathLike,
                 archs: str | Sequence[str] | None = None, seed: int = 0, data_dir: str | os.PathLike | None = None,
                 executor: Any = None, progress: bool = False) -> BesideStore:
    """Score ``heuristics`` on the table's architectures under its protocol into ``store``; return the table
    and those scores as one read-only store (close it when done; a store given by location is opened and
    closed here, its scores kept)."""
    from archrank.run import ScoreSetting, heuristic_names, run_scoring
    from archrank.store import open_store

    t = open_table(table)
    names = heuristic_names(heuristics)
    chosen = beside_archs(table, archs, seed)
    p = t.protocol
    setting = ScoreSetting(p["space"], dataset=p["dataset"], batch_size=int(p["batch_size"]), seed=int(p["seed"]),
                           data_dir=None if data_dir is None else str(data_dir))
    num_classes = t.spec.num_classes if t.spec is not None else None
    run_scoring(setting, archs=chosen, heuristics=names, store=store, executor=executor, num_classes=num_classes,
                progress=progress)
    if isinstance(store, Store):
        return BesideStore(table, store)
    from archrank.store.memory import MemoryStore

    copy = MemoryStore()  # the scores read back, so that the returned store does not hold the file open
    with open_store(store) as opened:
        copy.put_archs(p["space"], [(a, c, i) for a, (c, i) in opened.archs(p["space"]).items()])
        copy.put_heuristics(opened.heuristic_info().values())
        copy.put_scores(opened.scores(**setting.key))
    return BesideStore(table, copy)
