"""One store, one answer: ``correlate``, ``suite --from-store``, ``report`` and the demo's ranking report the
same n, Spearman and Kendall for a heuristic whose scores include ``-inf``, NaN and ``+inf`` (the rule of
:mod:`archrank.metrics`: non-finite scores are excluded and counted)."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from scipy import stats

from archrank.benchmarks.table import BenchmarkTable
from archrank.cli import main
from archrank.demo.ranking import ranking_rows, score_columns
from archrank.metrics import finite_pairs, rank_consistency, usable
from archrank.run import ScoreSetting
from archrank.spaces import get_space
from archrank.store import HeuristicInfo, ScoreRecord, open_store
from archrank.suite.table import pick_archs
from archrank.suite.tasks import TASKS

N = 20
NONFINITE = {3: -math.inf, 8: math.nan, 14: math.inf}  # positions in the drawn architectures


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """20 NB201 architectures of the suite's nb201-cifar10 draw (seed 0), naswot scores made up from the
    benchmark accuracy plus noise (numpy default_rng(1)), three of them non-finite."""
    path = tmp_path_factory.mktemp("one_answer") / "store.db"
    sp = get_space("nb201")
    task = TASKS.get("nb201-cifar10")
    truth = task.ground_truth()
    archs = pick_archs({sp.format(sp.parse(a)): v for a, v in truth.items()}, N, 0)
    rng = np.random.default_rng(1)
    acc = np.array([truth[a] for a in archs])
    values = acc + rng.normal(0, 3.0, N)
    for i, v in NONFINITE.items():
        values[i] = v
    with open_store(path) as st:
        run = st.open_run("score", {"seed": 0, "dataset": "cifar10", "batch_size": task.batch_size})
        st.put_archs("nb201", [(a, sp.canonical(sp.parse(a)), sp.arch_to_index(sp.parse(a)))
                               for a in archs])
        st.put_heuristics([HeuristicInfo("naswot", True)])
        st.put_scores(ScoreRecord("nb201", a, "naswot", "cifar10", task.batch_size, 0, float(v), seconds=0.1,
                                  run_id=run) for a, v in zip(archs, values))
        st.finish_run(run)
    return path, archs, values, acc


def _expected(values, acc):
    s, m, excluded = finite_pairs(values, acc)
    return {"n": s.size, "n_excluded": excluded, "spearman": stats.spearmanr(s, m)[0],
            "kendall": stats.kendalltau(s, m)[0]}


def test_the_rule():
    assert not usable(math.nan) and not usable(math.inf) and not usable(-math.inf) and not usable(None)
    assert usable(0.0) and usable(-1e300)
    r = rank_consistency([1.0, -math.inf, 2.0, math.nan, 3.0, math.inf], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert r["n"] == 3 and r["n_excluded"] == 3 and r["spearman"] == pytest.approx(1.0)
    r = rank_consistency([1.0, 2.0, math.inf], [1.0, 2.0, 3.0])
    assert r["n"] == 2 and math.isnan(r["spearman"]) and math.isnan(r["kendall"])  # fewer than MIN_PAIRS


def test_four_paths_one_answer(store, tmp_path, capsys):
    path, archs, values, acc = store
    want = _expected(values, acc)
    assert want["n"] == N - 3 and want["n_excluded"] == 3

    assert main(["correlate", "--store", str(path), "--benchmark", "nb201", "--metric", "c10_test_200",
                 "--json", "--quiet"]) == 0
    corr = json.loads(capsys.readouterr().out)["naswot"]

    assert main(["suite", "--from-store", "--store", str(path), "--tasks", "nb201-cifar10", "--heuristics",
                 "naswot", "--archs-per-task", str(N), "--json", "--no-progress", "--quiet"]) == 0
    suite = json.loads(capsys.readouterr().out)
    cell = next(c for c in suite["cells"] if c["heuristic"] == "naswot" and c["task"] == "nb201-cifar10")

    assert main(["report", "--store", str(path), "--out", str(tmp_path / "rep"), "--quiet"]) == 0
    with open(tmp_path / "rep" / "spearman.csv", newline="") as f:
        rep = next(r for r in csv.DictReader(f) if r["heuristic"] == "naswot")
    with open(tmp_path / "rep" / "scatter.csv", newline="") as f:
        points = [r for r in csv.DictReader(f) if r["heuristic"] == "naswot"]

    task = TASKS.get("nb201-cifar10")
    setting = ScoreSetting("nb201", dataset="cifar10", batch_size=task.batch_size, seed=0)
    with open_store(path) as st:
        columns, seconds = score_columns(st, setting, archs, ["naswot"])
    demo = ranking_rows(columns, seconds, {"naswot": True}, acc)[0]

    for name, n, rho, tau in [("correlate", corr["n"], corr["spearman"], corr["kendall"]),
                              ("suite", cell["n"], cell["spearman"], cell["kendall"]),
                              ("report", int(rep["n"]), float(rep["spearman"]), float(rep["kendall"])),
                              ("demo", demo["n"], demo["spearman"], demo["kendall"])]:
        assert n == want["n"], name
        assert rho == pytest.approx(want["spearman"], abs=1e-6), name
        assert tau == pytest.approx(want["kendall"], abs=1e-6), name
    assert corr["n_excluded"] == int(rep["n_excluded"]) == cell["failed"] == demo["n_excluded"] == 3
    assert len(points) == want["n"]  # the report's scatter shows the points its figures rank


def test_search_strategies_skip_non_finite_values():
    from archrank.search.base import make_strategy

    sp = get_space("nb201")
    s = make_strategy("random", space=sp, rng=np.random.default_rng(0))
    a, b, c = (sp.index_to_arch(i) for i in range(3))
    s.tell(a, 1.0)
    s.tell(b, math.inf)
    s.tell(c, -math.inf)
    assert s.best() == (1.0, a)


def test_packaged_table_agrees_with_the_task_truth():
    # the report and correlate read the packaged table; the suite reads the task's truth: the same values
    table = BenchmarkTable.from_file("nb201")
    truth = TASKS.get("nb201-cifar10").ground_truth()
    sp = get_space("nb201")
    a = next(iter(truth))
    assert table.lookup(sp.arch_to_index(sp.parse(a)), "c10_test_200") == pytest.approx(truth[a])


def test_demo_mean_rank_is_ranked_where_every_member_is_finite():
    from archrank.demo.ranking import MEAN_RANK

    truth = np.arange(8.0)
    cols = {"a": truth.copy(), "b": truth * 2}
    cols["a"][1], cols["b"][5] = -math.inf, math.nan
    rows = {r["heuristic"]: r for r in ranking_rows(cols, {"a": [], "b": []}, {"a": True, "b": True}, truth)}
    assert (rows["a"]["n"], rows["b"]["n"]) == (7, 7)
    assert rows[MEAN_RANK]["n"] == 6 and rows[MEAN_RANK]["n_excluded"] == 2
    assert rows[MEAN_RANK]["spearman"] == pytest.approx(1.0)
