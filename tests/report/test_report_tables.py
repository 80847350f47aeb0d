"""The tables behind the report, and the page written from them."""

from __future__ import annotations

import csv
import math

import pytest

from archrank.benchmarks.table import BenchmarkTable
from archrank.report import tables
from archrank.report.build import write_report
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
    assert rows["cheap"]["seconds_per_arch"] == pytest.approx(0.01)
    heur, labels, m = tables.heatmap_matrix(list(rows.values()))
    assert heur[0] == "good" and m.shape == (3, 1) and labels == [tasks[0].label]


def test_pareto_front():
    assert tables.pareto_front([1, 2, 3, 0.5], [0.5, 0.9, 0.8, 0.1]) == [True, True, False, True]
    assert tables.pareto_front([math.nan, 1.0], [0.9, 0.5]) == [False, True]


def test_cost_rows_mark_the_front(report_store):
    rows = tables.cost_rows(tables.spearman_rows(_tasks(report_store)))
    front = {r["heuristic"]: r["pareto"] for r in rows}
    assert front == {"good": True, "cheap": True, "slow_bad": False}


def test_scatter_rows_are_the_finite_points(report_store):
    (task,) = _tasks(report_store)
    rows = tables.scatter_rows(task)
    assert sum(r["heuristic"] == "good" for r in rows) == 79
    assert all(math.isfinite(r["score"]) for r in rows)
    assert {r["higher_is_better"] for r in rows if r["heuristic"] == "slow_bad"} == {False}


def test_search_curves_merge_runs_with_bands(report_store):
    with open_store(report_store) as st:
        runs = tables.search_runs(st)
    assert sorted(runs) == ["random", "rea"] and all(len(v) == 3 for v in runs.values())
    rows = tables.search_curve_rows(runs, points=10)
    rea = [r for r in rows if r["strategy"] == "rea"]
    assert len(rea) == 9 and rea[-1]["cost"] == pytest.approx(2000.0)  # nothing is known at cost 0
    assert all(r["q25"] <= r["median"] <= r["q75"] for r in rows)
    assert [r["median"] for r in rea] == sorted(r["median"] for r in rea)  # best so far never falls
    last = {r["strategy"]: r["median"] for r in rows if r["cost"] == pytest.approx(2000.0)}
    assert last["rea"] > last["random"]


def test_write_report_writes_every_table_and_section(report_store, tmp_path):
    with open_store(report_store) as st:
        files = write_report(st, tmp_path / "rep", store_path=str(report_store))
    page = files.page.read_text()
    for sid in SECTIONS:
        assert f"id='{sid}'" in page
    assert page.count("data:image/png;base64,") == 4
    assert "http://" not in page and "https://" not in page and "<script" not in page
    with open(files.tables["spearman"], newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["heuristic"] for r in rows} == {"good", "cheap", "slow_bad"}
    with open(files.tables["provenance"], newline="") as f:
        prov = {r["item"]: r["value"] for r in csv.DictReader(f)}
    assert prov["archrank version"] and prov["benchmarks"] == "nb201:c10_test_200"
    assert any(k.startswith("run ") and "search" in k for k in prov)


def test_report_without_matching_benchmark_still_writes_a_page(report_store, tmp_path):
    table = tmp_path / "other.csv"
    table.write_text("arch,c10_test_200\nx,1\ny,2\n")
    with open_store(report_store) as st:
        files = write_report(st, tmp_path / "rep", benchmarks=[str(table)])
    assert files.tasks == [] and files.notes
    assert (tmp_path / "rep" / "spearman.csv").read_text().startswith("task,heuristic,spearman")
