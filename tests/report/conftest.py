"""Small stores for the report tests (synthetic numbers, made up for the tests, drawn from numpy generators).

``report_store``: three heuristics of known quality on 80 NB201 cells of the packaged table, with measured
seconds, and two search strategies of three runs each.  ``own_store``: a space no benchmark knows, with
four heuristics whose scores span very different ranges, and no search.
"""

from __future__ import annotations

import numpy as np
import pytest

from archrank.benchmarks.table import BenchmarkTable
from archrank.spaces import get_space
from archrank.store import HeuristicInfo, ScoreRecord, TrajectoryStep, open_store

# name -> (noise added to the accuracy, seconds per architecture, higher_is_better)
HEURISTICS = {"good": (0.5, 2.0, True), "cheap": (5.0, 0.01, True), "slow_bad": (50.0, 9.0, False)}


@pytest.fixture(scope="session")
def report_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "store.db"
    rng = np.random.default_rng(0)
    sp = get_space("nb201")
    table = BenchmarkTable.from_file("nb201")
    idx = rng.choice(sp.size, size=80, replace=False)
    archs = [sp.format(sp.index_to_arch(int(i))) for i in idx]
    acc = np.array([table.lookup(int(i), "c10_test_200") for i in idx])
    with open_store(path) as st:
        run = st.open_run("score", {"seed": 0, "dataset": "cifar10", "batch_size": 64})
        st.put_archs("nb201", [(a, sp.canonical(sp.parse(a)), int(i)) for a, i in zip(archs, idx)])
        st.put_heuristics(HeuristicInfo(h, hib) for h, (_, _, hib) in HEURISTICS.items())
        recs = []
        for h, (noise, sec, hib) in HEURISTICS.items():
            vals = acc + rng.normal(0, noise, acc.size)
            vals = vals if hib else -vals
            recs += [ScoreRecord("nb201", a, h, "cifar10", 64, 0, float(v), seconds=sec, run_id=run)
                     for a, v in zip(archs, vals)]
        recs[0] = ScoreRecord("nb201", archs[0], "good", "cifar10", 64, 0, float("nan"), seconds=2.0, run_id=run)
        st.put_scores(recs)
        st.finish_run(run)
        for strategy, gain in (("random", 0.5), ("rea", 1.0)):
            for r in range(3):
                rid = st.open_run("search", {"strategy": strategy, "seed": 0, "run": r, "run_seed": r,
                                             "fidelity": "signal", "report": "c10_test_200"})
                best, rep, steps = -np.inf, np.nan, []
                for k in range(20):
                    told = 80.0 + gain * k * rng.uniform(0.2, 0.7)  # the signal (e.g. validation accuracy)
                    if told > best:  # a new recommendation; its report (test) value can be below the last one's
                        best, rep = told, told - rng.uniform(0.0, 2.0)
                    steps.append(TrajectoryStep(rid, k, archs[k], told, 100.0, rep, "nb201"))
                st.put_trajectory(steps)
                st.finish_run(rid)
    return path


@pytest.fixture(scope="session")
def own_store(tmp_path_factory):
    """60 architectures of a space of the user's own ('mine'): ``huge`` spans 1e10..1e34 (like synflow),
    ``signed`` spans -1e6..1e6 with zeros, ``plain`` is linear, ``agrees`` is ``plain`` plus small noise and
    lower-is-better; one ``plain`` score is a failure (NaN)."""
    path = tmp_path_factory.mktemp("own") / "own.db"
    rng = np.random.default_rng(1)
    archs = [f"cell-{i:02d}" for i in range(60)]
    quality = rng.normal(size=60)
    values = {"huge": 10.0 ** (22 + 4 * quality), "signed": np.round(np.sinh(3 * quality) * 1e4, 0),
              "plain": 5.0 + quality, "agrees": -(5.0 + quality + rng.normal(0, 0.1, 60))}
    with open_store(path) as st:
        run = st.open_run("score", {"space": "mine", "archs": archs, "seed": 0, "dataset": "mydata", "batch_size": 8})
        st.put_archs("mine", [(a, a, None) for a in archs])
        st.put_heuristics([HeuristicInfo("huge", True), HeuristicInfo("signed", True), HeuristicInfo("plain", True),
                           HeuristicInfo("agrees", False)])
        recs = [ScoreRecord("mine", a, h, "mydata", 8, 0, float(v), seconds=0.1 * (j + 1), run_id=run)
                for j, (h, vs) in enumerate(values.items()) for a, v in zip(archs, vs)]
        recs = [ScoreRecord("mine", r.arch, "plain", "mydata", 8, 0, float("nan"), error="ValueError: boom",
                            seconds=0.3, run_id=run) if (r.heuristic, r.arch) == ("plain", archs[0]) else r
                for r in recs]
        st.put_scores(recs)
        st.finish_run(run)
    return path
