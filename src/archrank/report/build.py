"""``write_report``: the tables of a store as CSV files, the pictures drawn from them, and one HTML page."""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archrank.benchmarks.table import BenchmarkTable
from archrank.errors import DataError, InvalidArgument
from archrank.report import figures, html, tables
from archrank.report.provenance import provenance_rows

DEFAULT_METRIC = "c10_test_200"


@dataclass
class ReportFiles:
    page: Path
    tables: dict[str, Path] = field(default_factory=dict)
    tasks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def open_benchmarks(specs: list[str], metric: str | None) -> list[tables.Benchmark]:
    """Benchmark tables by file or packaged name; ``metric`` (default ``c10_test_200``) must be a column."""
    out = []
    for spec in specs:
        t = BenchmarkTable.from_file(spec)
        col = metric or DEFAULT_METRIC
        if col not in t.columns:
            raise InvalidArgument(f"benchmark {spec!r} has no column {col!r}; numeric columns: "
                                  f"{', '.join(t.numeric_columns())} (choose one with metric=...)")
        out.append(tables.Benchmark(f"{Path(spec).name}:{col}", t, col))
    return out


def write_csv(rows: list[dict[str, Any]], path: Path, columns: tuple[str, ...]) -> Path:
    cols = list(rows[0]) if rows else list(columns)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r[c] is None else (repr(r[c]) if isinstance(r[c], float) else r[c]) for c in cols])
    return path


def write_report(store, out_dir: str | os.PathLike, *, benchmarks: list[str] | None = None,
                 metric: str | None = None, store_path: str = "", title: str = "archrank report") -> ReportFiles:
    """Write ``index.html`` and its tables (CSV) into ``out_dir`` from ``store``.

    ``benchmarks``: table files or packaged names (default: ``["nb201"]`` when the store holds NB201 scores).
    """
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise DataError(f"report folder {str(out)!r} is a file")
    out.mkdir(parents=True, exist_ok=True)
    if benchmarks is None:
        benchmarks = ["nb201"] if any(s[0] == "nb201" for s in tables.score_settings(store)) else []
    bench = open_benchmarks(benchmarks, metric)
    files = ReportFiles(out / "index.html")
    tasks = tables.find_tasks(store, bench) if bench else []
    files.tasks = [t.label for t in tasks]
    sections = []

    rows = tables.spearman_rows(tasks)
    files.tables["spearman"] = write_csv(rows, out / "spearman.csv", tables.SPEARMAN_COLUMNS)
    if rows:
        heur, labels, matrix = tables.heatmap_matrix(rows)
        png = figures.heatmap_png(heur, labels, matrix)
        text = (f"Spearman's rho of each heuristic against the benchmark metric, per task (space / data set the "
                f"scores were computed on / benchmark:column); {len(labels)} task(s). Lower-is-better heuristics "
                "are flipped; non-finite scores are left out.")
    else:
        png, text = None, "No task: the store holds no scores of architectures found in the benchmark(s) given."
        files.notes.append("no heatmap: " + text)
    sections.append(html.section_html("heatmap", "Rank consistency: heuristic x task", text=text, png=png, rows=rows,
                                      csv_name="spearman.csv", open_table=True))

    srows = tables.scatter_rows(tasks[0]) if tasks else []
    files.tables["scatter"] = write_csv(srows, out / "scatter.csv", tables.SCATTER_COLUMNS)
    if srows:
        rho = {r["heuristic"]: r["spearman"] for r in rows if r["task"] == tasks[0].label}
        png = figures.scatter_png(srows, rho, tasks[0].benchmark.metric)
        text = f"Stored score against {tasks[0].benchmark.metric} for the first task, {tasks[0].label}."
    else:
        png, text = None, "No points to draw."
    sections.append(html.section_html("scatter", "Score against accuracy", text=text, png=png, rows=srows,
                                      csv_name="scatter.csv"))

    crows = tables.cost_rows(rows)
    files.tables["cost"] = write_csv(crows, out / "cost_fidelity.csv", tables.COST_COLUMNS)
    timed = [r for r in crows if math.isfinite(r["seconds_per_arch"]) and r["seconds_per_arch"] > 0]
    if timed:
        png = figures.cost_png(crows)
        text = ("Mean measured seconds per architecture against Spearman's rho; the dashed line joins the Pareto "
                "front (no other heuristic is both cheaper and more faithful).")
        untimed = sorted({r["heuristic"] for r in crows} - {r["heuristic"] for r in timed})
        if untimed:
            text += f" Without measured seconds (not drawn): {', '.join(untimed)}."
    else:
        png, text = None, "No heuristic has measured seconds (imported scores carry none)."
    sections.append(html.section_html("cost", "Cost against fidelity", text=text, png=png, rows=crows,
                                      csv_name="cost_fidelity.csv"))

    runs = tables.search_runs(store)
    curves = tables.search_curve_rows(runs)
    files.tables["search"] = write_csv(curves, out / "search_curves.csv", tables.SEARCH_COLUMNS)
    if curves:
        ylabel = _search_metric(store)
        png = figures.search_png(curves, ylabel=f"best so far ({ylabel})")
        text = (f"Best-so-far value of each search strategy's recommendation against the simulated seconds charged: "
                f"median over runs, band from the 25% to the 75% quantile; {sum(len(v) for v in runs.values())} runs.")
    else:
        png, text = None, "The store holds no search runs ('archrank search --store ...' writes them)."
    sections.append(html.section_html("search", "Search: best so far", text=text, png=png, rows=curves,
                                      csv_name="search_curves.csv"))

    prows = provenance_rows(store, store_path=store_path, benchmarks=[b.label for b in bench])
    files.tables["provenance"] = write_csv(prows, out / "provenance.csv", ("item", "value"))
    sections.append(html.section_html("provenance", "Settings and provenance", rows=prows, csv_name="provenance.csv",
                                      open_table=True))
    tmp = files.page.with_name("index.html.tmp")
    tmp.write_text(html.page_html(title, sections), encoding="utf-8")
    os.replace(tmp, files.page)
    return files


def _search_metric(store) -> str:
    for r in store.runs("search"):
        if r.config.get("report"):
            return str(r.config["report"])
    return "report metric"
