"""The tables behind the report, and the page written from them."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from archrank.benchmarks.table import BenchmarkTable
from archrank.metrics import kendall_interval, spearman_interval
from archrank.report import search_tables, tables
from archrank.report.build import OWN, TRUTH, write_report
from archrank.report.html import SECTIONS
from archrank.store import open_store


def _tasks(path):
    with open_store(path) as st:
        bench = [tables.Benchmark("nb201:c10_test_200", BenchmarkTable.from_file("nb201"), "c10_test_200")]
        return tables.find_tasks(st, bench)


def test_spearman_rows_order_the_heuristics_by_quality(report_store):
    tasks = _tasks(report_store)
    assert [t.label for t in tasks] == ["nb201 / cifar10 / nb201:c10_test_200"]
    rows = {r["heuristic"]: r for r in tables.spearman_rows(tasks)}
    assert rows["good"]["spearman"] > 0.9 > rows["cheap"]["spearman"] > rows["slow_bad"]["spearman"]
    assert rows["good"]["n"] == 79 and rows["good"]["n_excluded"] == 1
    for r in rows.values():  # every correlation carries its interval, computed from its own n
        assert (r["spearman_low"], r["spearman_high"]) == spearman_interval(r["spearman"], r["n"])
        assert (r["kendall_low"], r["kendall_high"]) == kendall_interval(r["kendall"], r["n"])
        assert r["spearman_low"] < r["spearman"] < r["spearman_high"]
    assert rows["cheap"]["seconds_per_arch"] == pytest.approx(0.01)
    heur, labels, m = tables.heatmap_matrix(list(rows.values()))
    assert heur[0] == "good" and m.shape == (3, 1) and labels == [tasks[0].label]
    assert tables.heatmap_matrix(list(rows.values()), "spearman_low")[2][0, 0] == rows["good"]["spearman_low"]


def test_pareto_front():
    assert tables.pareto_front([1, 2, 3, 0.5], [0.5, 0.9, 0.8, 0.1]) == [True, True, False, True]
    assert tables.pareto_front([math.nan, 1.0], [0.9, 0.5]) == [False, True]


def test_cost_rows_mark_the_front(report_store):
    rows = tables.cost_rows(tables.spearman_rows(_tasks(report_store)))
    front = {r["heuristic"]: r["pareto"] for r in rows}
    assert front == {"good": True, "cheap": True, "slow_bad": False}
    assert all(r["spearman_low"] < r["spearman"] < r["spearman_high"] for r in rows)


def test_scatter_rows_are_the_finite_points(report_store):
    (task,) = _tasks(report_store)
    rows = tables.scatter_rows(task)
    assert sum(r["heuristic"] == "good" for r in rows) == 79
    assert all(math.isfinite(r["score"]) for r in rows)
    assert {r["higher_is_better"] for r in rows if r["heuristic"] == "slow_bad"} == {False}


def test_search_curves_are_best_so_far_over_every_run(report_store):
    with open_store(report_store) as st:
        runs = search_tables.search_runs(st)
    assert [s.name for s in runs] == ["random", "rea"] and all(len(s.runs) == 3 for s in runs)
    assert runs[0].signal == "signal" and runs[0].report == "c10_test_200"
    rows = search_tables.search_curve_rows(runs, points=10)
    rea = [r for r in rows if r["strategy"] == "rea"]
    # the grid starts where every run has made its first query (100 s each), so every point counts 3 runs
    assert len(rea) == 10 and rea[0]["cost"] == pytest.approx(100.0) and rea[-1]["cost"] == pytest.approx(2000.0)
    assert {r["runs"] for r in rows} == {3}
    assert all(r["q25"] <= r["median"] <= r["q75"] for r in rows)
    for s in runs:
        for c in s.runs:  # the best signal so far never falls, even where the recommendation's report does
            assert (np.diff(c.best) >= 0).all()
    for name in ("random", "rea"):
        med = [r["median"] for r in rows if r["strategy"] == name]
        assert med == sorted(med)
    fallen = [c for s in runs for c in s.runs if (np.diff(c.report) < 0).any()]
    assert fallen, "the fixture has a recommendation whose report value falls"
    last = {r["strategy"]: r["median"] for r in rows if r["cost"] == pytest.approx(2000.0)}
    assert last["rea"] > last["random"]
    summary = {r["strategy"]: r for r in search_tables.search_summary_rows(runs)}
    assert summary["rea"]["runs"] == 3 and summary["rea"]["queries_median"] == 20


def test_search_curve_of_runs_starting_at_different_costs():
    # run a starts at cost 10, run b at cost 50: a median over "runs started so far" would fall from 9 to 5
    a = search_tables.RunCurve(np.array([10.0, 60.0]), np.array([9.0, 9.0]), np.array([9.0, 9.0]))
    b = search_tables.RunCurve(np.array([50.0, 60.0]), np.array([1.0, 5.0]), np.array([1.0, 5.0]))
    rows = search_tables.search_curve_rows([search_tables.StrategyRuns("s", "v", "t", [a, b])], points=3)
    assert [r["cost"] for r in rows] == [50.0, 55.0, 60.0] and {r["runs"] for r in rows} == {2}
    assert [r["median"] for r in rows] == [5.0, 5.0, 7.0]


def test_top_rows_rank_by_direction_with_metric_ranks():
    archs = ["a", "b", "c", "d", "e"]
    scores = [3.0, float("nan"), 1.0, 5.0, -float("inf")]
    metric = [90.0, 95.0, 80.0, 85.0, 70.0]
    rows = tables.top_rows("t", "h", archs, scores, True, metric, k=3)
    assert [r["arch"] for r in rows] == ["d", "a", "c"] and [r["rank"] for r in rows] == [1, 2, 3]
    # metric ranks among the 3 ranked (finite-score) architectures a, c, d: a 90 -> 1, d 85 -> 2, c 80 -> 3
    assert [r["metric_rank"] for r in rows] == [2, 1, 3] and rows[0]["n"] == 3 and rows[0]["metric"] == 85.0
    low = tables.top_rows("t", "h", archs, scores, False, None, k=2)
    assert [r["arch"] for r in low] == ["c", "a"] and math.isnan(low[0]["metric"]) and low[0]["metric_rank"] == ""


def test_top_table_of_the_store(report_store):
    (task,) = _tasks(report_store)
    rows = tables.task_top_rows(task, k=5)
    good = [r for r in rows if r["heuristic"] == "good"]
    assert len(good) == 5 and good[0]["n"] == 79
    # 'good' is the accuracy plus small noise: its first picks are among the best by accuracy
    assert good[0]["metric_rank"] <= 5
    # 'slow_bad' is lower-is-better: its top pick has the lowest stored score
    bad = [r for r in rows if r["heuristic"] == "slow_bad"]
    assert bad[0]["score"] == min(task.paired["slow_bad"].scores)


def test_write_report_writes_every_table_and_section(report_store, tmp_path):
    with open_store(report_store) as st:
        files = write_report(st, tmp_path / "rep", store_path=str(report_store))
    page = files.page.read_text()
    assert files.kind == TRUTH
    assert [sid for sid in SECTIONS if f"id='{sid}'" in page] == list(SECTIONS)
    assert page.count("data:image/png;base64,") == 5
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "Bonett" in page and "Fieller" in page  # the interval method is stated on the page
    with open(files.tables["spearman"], newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["heuristic"] for r in rows} == {"good", "cheap", "slow_bad"}
    assert all(float(r["spearman_low"]) < float(r["spearman"]) < float(r["spearman_high"]) for r in rows)
    with open(files.tables["top"], newline="") as f:
        assert len(list(csv.DictReader(f))) == 30
    with open(files.tables["provenance"], newline="") as f:
        prov = {r["item"]: r["value"] for r in csv.DictReader(f)}
    assert prov["archrank version"] and prov["benchmarks"] == "nb201:c10_test_200"
    assert prov["torch version"] and prov["machine writing this report"].startswith("CPU: ")
    with open(files.tables["runs"], newline="") as f:
        runs = list(csv.DictReader(f))
    assert [r["kind"] for r in runs] == ["score", "search", "search"]  # the 3 runs of a strategy are one row
    with open(files.tables["archs"], newline="") as f:
        assert len(list(csv.DictReader(f))) == 80
    # runs and architectures are folded tables, not inline text
    assert "<details><summary>stored runs (3 rows" in page and "<details><summary>architectures (80 rows" in page


def test_report_without_matching_benchmark_shows_the_store_without_ground_truth(report_store, tmp_path):
    table = tmp_path / "other.csv"
    table.write_text("arch,c10_test_200\nx,1\ny,2\n")
    with open_store(report_store) as st:
        files = write_report(st, tmp_path / "rep", benchmarks=[str(table)])
    assert files.tasks == [] and files.kind == OWN and "the page shows the store without ground truth" in files.notes[0]
    assert (tmp_path / "rep" / "agreement.csv").read_text().startswith("group,heuristic_a,heuristic_b,spearman")
    assert not (tmp_path / "rep" / "spearman.csv").exists()


def test_source_commit_only_for_a_checkout_of_archrank(tmp_path):
    import subprocess

    from archrank.report.provenance import source_commit

    assert source_commit(tmp_path) is None  # not a git checkout
    pkg = tmp_path / "repo" / "src" / "archrank"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    other = tmp_path / "repo" / "site" / "archrank"  # an install inside someone else's checkout
    other.mkdir(parents=True)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(tmp_path / "repo")]
    if subprocess.run([*git, "init", "-q"], check=False).returncode != 0:
        pytest.skip("git is not available")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    assert source_commit(pkg) == head
    assert source_commit(other) is None
    (pkg / "__init__.py").write_text("x = 1\n")
    assert source_commit(pkg) == head + " (local changes)"


def test_scatter_top_and_title_use_the_same_points_as_the_correlation():
    from archrank.report.consistency import Paired

    archs = [f"a{i}" for i in range(12)]
    metric = np.arange(12.0)
    scores = metric.copy()
    scores[[0, 5, 11]] = [-np.inf, np.nan, np.inf]  # one rule: all three excluded and counted
    p = Paired("h", True, archs, scores, metric, [0.1] * 12)
    task = tables.Task("s", "d", 1, 0, None, "t", {"h": p})
    (row,) = tables.spearman_rows([task])
    assert row["n"] == 9 and row["n_excluded"] == 3 and row["spearman"] == pytest.approx(1.0)
    assert len(tables.scatter_rows(task)) == row["n"]
    top = tables.task_top_rows(task, k=20)
    assert len(top) == 9 and top[0]["arch"] == "a10" and top[0]["n"] == 9  # +inf is not the top pick


def test_search_picture_without_report_values():
    from archrank.report.figures import search_png

    a = search_tables.RunCurve(np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([np.nan, np.nan]))
    rows = search_tables.search_curve_rows([search_tables.StrategyRuns("s", "v", "t", [a])], points=2)
    assert all(math.isnan(r["report_median"]) for r in rows)
    assert search_png(rows)[:4] == b"\x89PNG"


def test_scores_without_ground_truth_beside_a_task_are_named(report_store, tmp_path):
    import shutil

    from archrank.store import ScoreRecord

    path = tmp_path / "mixed.db"
    shutil.copy(report_store, path)
    with open_store(path) as st:
        st.put_archs("mine", [("m1", "m1", None), ("m2", "m2", None)])
        st.put_scores([ScoreRecord("mine", a, "good", "mydata", 8, 0, v) for a, v in (("m1", 1.0), ("m2", 2.0))])
        files = write_report(st, tmp_path / "rep")
    assert files.kind == TRUTH and len(files.tasks) == 1
    assert any("mine / mydata" in n for n in files.notes)
    assert "Not shown, for want of ground truth: mine / mydata." in files.page.read_text()
