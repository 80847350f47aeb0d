"""The suite table: scoring through the run layer, skipped heuristics, correlations, resumability, heatmap."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archrank.errors import InvalidArgument
from archrank.heuristics import HEURISTICS
from archrank.metrics import kendall_interval, spearman, spearman_interval
from archrank.store import open_store
from archrank.suite.plot import heatmap_data, plot_heatmap
from archrank.suite.table import SuiteTable, correlate_cell, pick_archs, run_suite, training_free_names
from archrank.suite.tasks import TASKS


def test_pick_archs_is_seeded_and_bounded():
    truth = {f"a{i}": float(i) for i in range(20)}
    assert pick_archs(truth, None, 0) == list(truth) == pick_archs(truth, 50, 0)
    a, b = pick_archs(truth, 5, 1), pick_archs(truth, 5, 1)
    assert a == b and len(set(a)) == 5 and pick_archs(truth, 5, 2) != a
    with pytest.raises(InvalidArgument):
        pick_archs(truth, 0, 0)


def test_all_means_every_heuristic_that_trains_nothing():
    names = training_free_names()
    trains = {n for n in HEURISTICS.names() if "training" in HEURISTICS.get(n).needs}
    assert "weight_sharing" in trains and any(n.startswith("econas_") for n in trains)
    assert set(names) == set(HEURISTICS.names()) - trains
    assert {"naswot", "meco", "ranker", "hidden_cov", "params"} <= set(names)


def test_correlate_cell_orients_both_sides():
    task = TASKS.get("nds-darts")  # error: lower is better
    truth = {f"a{i}": float(10 - i) for i in range(10)}  # a9 best
    scores = {f"a{i}": (float(i), 0.5, True) for i in range(10)}  # higher score on better archs
    scores["a0"] = (math.nan, None, True)
    cell = correlate_cell(task, HEURISTICS.get("params"), scores, truth)  # params: higher is better
    assert cell.n == 9 and cell.failed == 1
    assert cell.spearman == pytest.approx(1.0) and cell.kendall == pytest.approx(1.0)
    assert cell.seconds_per_arch == pytest.approx(0.5)
    scores = {a: (v + (3.0 if a in ("a1", "a4") else 0.0), s, c) for a, (v, s, c) in scores.items()}  # not perfect
    cell = correlate_cell(task, HEURISTICS.get("params"), scores, truth)
    assert (cell.spearman_low, cell.spearman_high) == spearman_interval(cell.spearman, 9)
    assert (cell.kendall_low, cell.kendall_high) == kendall_interval(cell.kendall, 9)
    assert cell.spearman_low < cell.spearman < cell.spearman_high


def test_run_suite_on_nb201_scores_skips_and_resumes(tmp_path):
    store_path = tmp_path / "s.db"
    lines = []
    with open_store(store_path) as store:
        table = run_suite("nb201-cifar10", "params,hidden_cov", store, archs_per_task=12, seed=3,
                          progress=False, log=lines.append)
        n_scores = store.count_scores()
    assert any("skip hidden_cov" in line for line in lines)
    skipped = table.cell("hidden_cov", "nb201-cifar10")
    assert skipped.skipped and "sequence" in skipped.skipped
    cell = table.cell("params", "nb201-cifar10")
    assert cell.n == 12 and table.archs["nb201-cifar10"] == 12
    # the value equals a direct Spearman of the stored params with the packaged table
    truth = TASKS.get("nb201-cifar10").ground_truth()
    with open_store(store_path) as store:
        recs = {r.arch: r.value for r in store.scores(heuristic="params")}
        assert n_scores == 12
        again = run_suite("nb201-cifar10", "params", store, archs_per_task=12, seed=3, progress=False)
        assert store.count_scores() == n_scores  # resumed: nothing recomputed or added
    archs = sorted(recs)
    assert cell.spearman == pytest.approx(spearman([recs[a] for a in archs], [truth[a] for a in archs]))
    assert again.cell("params", "nb201-cifar10").spearman == pytest.approx(cell.spearman)
    assert cell.spearman > 0.3  # params is a known positive proxy on NB201
    m = table.matrix("spearman")
    assert m.shape == (2, 1) and math.isnan(m[1, 0]) and m[0, 0] == pytest.approx(cell.spearman)
    text = table.format_text()
    assert "n/a" in text and "params" in text and "nb201-cifar10 (n=12)" in text
    js = table.to_json()
    assert js["cells"][1]["spearman"] is None and js["archs"] == {"nb201-cifar10": 12}


def test_run_suite_on_real_tasks_with_data(shared_data, tmp_path):
    with open_store("memory://") as store:
        table = run_suite("nb101-cifar10,nbnlp-ptb", "params,grad_norm,naswot", store, archs_per_task=4,
                          batch_size=4, data_root=shared_data, progress=False)
    assert table.cell("naswot", "nbnlp-ptb").skipped
    for t in ("nb101-cifar10", "nbnlp-ptb"):
        for h in ("params", "grad_norm"):
            c = table.cell(h, t)
            assert c.n == 4 and -1 <= c.spearman <= 1 and c.seconds_per_arch > 0
    assert table.cell("naswot", "nb101-cifar10").n == 4


def test_combinations_get_their_own_rows(shared_data):
    from archrank.heuristics.combinations import te_nas_scores

    with open_store("memory://") as store:
        table = run_suite("nb201-cifar10,nbnlp-ptb", "ntk_cond,linear_regions", store, archs_per_task=8,
                          batch_size=4, data_root=shared_data, progress=False)
        stored = {h: {r.arch: r.value for r in store.scores(heuristic=h, space="nb201")}
                  for h in ("ntk_cond", "linear_regions")}
    assert table.heuristics == ["ntk_cond", "linear_regions", "te_nas"]
    assert "member ntk_cond" in table.cell("te_nas", "nbnlp-ptb").skipped
    cell = table.cell("te_nas", "nb201-cifar10")
    ok = sorted(a for a in stored["ntk_cond"] if all(math.isfinite(stored[h][a]) for h in stored))
    values = te_nas_scores({h: {a: stored[h][a] for a in ok} for h in stored})
    truth = TASKS.get("nb201-cifar10").ground_truth()
    assert cell.n == len(ok) >= 3 and cell.failed == 8 - len(ok)
    assert cell.spearman == pytest.approx(spearman([values[a] for a in ok], [truth[a] for a in ok]))
    parts = [table.cell(h, "nb201-cifar10").seconds_per_arch for h in ("ntk_cond", "linear_regions")]
    assert cell.seconds_per_arch == pytest.approx(sum(parts))


def test_a_constant_score_is_shown_as_such():
    task = TASKS.get("nb201-cifar10")
    truth = {f"a{i}": float(i) for i in range(6)}
    cell = correlate_cell(task, HEURISTICS.get("params"), {a: (5.0, 0.5, True) for a in truth}, truth)
    assert cell.n == 6 and math.isnan(cell.spearman)
    table = SuiteTable([task.name], ["params"], [cell], {task.name: 6})
    assert "constant 0.500s" in table.format_text() and "nan" not in table.format_text()


def test_heatmap_data_and_file(tmp_path):
    t = SuiteTable(["x", "y"], ["h1", "h2"], archs={"x": 5, "y": 7})
    from archrank.suite.table import Cell

    t.cells = [Cell("x", "h1", 5, 0.5, 0.4), Cell("y", "h1", 7, -0.2, -0.1), Cell("x", "h2", skipped="no"),
               Cell("y", "h2", 7, 0.9, 0.8)]
    m, rows, cols = heatmap_data(t)
    assert rows == ["h1", "h2"] and cols[1].startswith("y") and "n=7" in cols[1]
    np.testing.assert_allclose(m, [[0.5, -0.2], [np.nan, 0.9]])
    pytest.importorskip("matplotlib")
    out = plot_heatmap(t, tmp_path / "h.png")
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_spearman_ci_and_anchor_comparison():
    from archrank.suite.anchors import compare, spearman_ci
    from archrank.suite.table import Cell

    lo, hi = spearman_ci(0.3, 100)
    assert lo < 0.3 < hi and hi - lo == pytest.approx(0.37, abs=0.02)
    lo30, hi30 = spearman_ci(0.3, 30)
    assert hi30 - lo30 > hi - lo
    assert all(math.isnan(v) for v in spearman_ci(0.3, 3))
    t = SuiteTable(["nb101-cifar10"], ["synflow", "params"], archs={"nb101-cifar10": 100})
    t.cells = [Cell("nb101-cifar10", "synflow", 100, 0.30, 0.2), Cell("nb101-cifar10", "params", 100, 0.5, 0.4)]
    (c,) = compare(t)
    assert c.heuristic == "synflow" and c.published == pytest.approx(0.372) and c.differs and c.inside


def test_run_suite_from_store_computes_nothing():
    with open_store("memory://") as store:
        empty = run_suite("nb201-cifar10", "params", store, archs_per_task=6, compute=False, progress=False)
        assert empty.cell("params", "nb201-cifar10").n == 0 and store.count_scores() == 0
        run_suite("nb201-cifar10", "params", store, archs_per_task=4, progress=False)
        part = run_suite("nb201-cifar10", "params", store, archs_per_task=6, compute=False, progress=False)
        assert part.cell("params", "nb201-cifar10").n == 4  # the 4 are a prefix of the 6 (nested draws)
