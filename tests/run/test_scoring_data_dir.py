"""Scoring runs hand their data directory to heuristics that load more data (training-based scores)."""

from __future__ import annotations

from archrank.heuristics import HEURISTICS
from archrank.heuristics.base import Heuristic
from archrank.run import ScoreSetting, run_scoring
from archrank.store import open_store


def test_data_dir_reaches_the_heuristic(tmp_path):
    seen: list[object] = []

    def probe(ctx):
        seen.append(ctx.extras.get("data_dir"))
        return 1.0

    name = "_probe_data_dir"
    HEURISTICS.register(name, Heuristic(name, probe, needs=frozenset()))
    try:
        with open_store(tmp_path / "s.db") as store:
            run_scoring(ScoreSetting("nb201", data_dir=tmp_path / "data"), archs=["0", "1"], heuristics=[name],
                        store=store, progress=False)
    finally:
        HEURISTICS._items.pop(name)
    assert seen and all(s == str(tmp_path / "data") for s in seen)
