"""benchmarks/bench_ranker.py: the reporting split leaves out the selection sample's classes; seeds agree."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

from archrank.benchmarks.table import BenchmarkTable
from archrank.run import ScoreSetting
from archrank.run.selection import identities, select_archs
from archrank.search.heuristic_objective import store_writer
from archrank.spaces import get_space
from archrank.store import open_store

PARTS = ("az_expressivity", "az_progressivity", "az_trainability", "az_complexity")


def _truth() -> dict[str, float]:
    table = BenchmarkTable.packaged("nb201")
    return dict(zip(table.as_columns()[table.arch_column], map(float, table.values("c10_test_200"))))


def _write(path: Path, archs: list, truth: dict[str, float], seed: int) -> None:
    space, rng = get_space("nb201"), np.random.default_rng(seed)
    with open_store(str(path)) as store:
        for h in ("meco", "meco_opt", *PARTS):
            write = store_writer(store, ScoreSetting("nb201", seed=seed), h)
            for a in archs:
                t = truth[space.format(a)]
                write(a, t if h in ("meco", "meco_opt") else float(rng.normal()), 0.01)


def test_split_leaves_out_the_selection_classes_and_seeds_agree(tmp_path, capsys, bench_script):
    mod, truth, space = bench_script("bench_ranker"), _truth(), get_space("nb201")
    chosen = {c for _, c, _ in identities(space, select_archs(space, "random:1000", 0))}
    inside = [a for a in select_archs(space, "random:1000", 0)][:5]
    outside = [space.index_to_arch(i) for i in range(400)]
    outside = [a for a in outside if space.canonical(a) not in chosen][:30]
    _write(tmp_path / "s.db", inside + outside, truth, 0)
    mod.split(argparse.Namespace(store=str(tmp_path / "s.db"), sample="random:1000", sample_seed=0,
                                 heuristics="meco,meco_opt", seed=0, batch_size=64), truth)
    out = capsys.readouterr().out
    n_classes = len({space.canonical(a) for a in outside})
    assert f"reporting split: {len(outside)} architectures in {n_classes} canonical classes" in out
    lines = {line.split()[0]: line.split() for line in out.splitlines()[2:]}
    assert float(lines["meco"][1]) == pytest.approx(1.0) and float(lines["ranker"][2]) == pytest.approx(1.0)

    _write(tmp_path / "t.db", inside + outside, truth, 1)
    archs = tmp_path / "archs.txt"
    archs.write_text("\n".join(space.format(a) for a in outside) + "\n")
    mod.seeds(argparse.Namespace(archs=str(archs), store=[f"0={tmp_path / 's.db'}", f"1={tmp_path / 't.db'}"],
                                 heuristics="meco", batch_size=64), truth)
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[2:]}
    assert [float(x) for x in rows["meco"][1:]] == pytest.approx([1.0, 1.0, 1.0, 0.0])
    with pytest.raises(SystemExit, match="seed 2 .* not stored"):
        mod.seeds(argparse.Namespace(archs=str(archs), store=[f"2={tmp_path / 't.db'}"], heuristics="meco",
                                     batch_size=64), truth)
