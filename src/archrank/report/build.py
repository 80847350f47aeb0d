"""``write_report``: the tables of a store as CSV files, the pictures drawn from them, and one HTML page.

A store whose architectures are found in a benchmark gets the ground-truth page (:data:`html.SECTIONS`);
any other store, such as one of the user's own space, gets the page without ground truth
(:data:`html.OWN_SECTIONS`): ranking, score distributions, agreement between heuristics, cost.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archrank.benchmarks.table import BenchmarkTable
from archrank.errors import DataError, InvalidArgument
from archrank.metrics import INTERVAL_METHOD
from archrank.report import figures, html, own_tables, search_tables, tables
from archrank.report.provenance import ARCH_COLUMNS, RUN_COLUMNS, arch_rows, provenance_rows, run_rows

DEFAULT_METRIC = "c10_test_200"
TRUTH, OWN = "ground truth", "no ground truth"


@dataclass
class ReportFiles:
    page: Path
    tables: dict[str, Path] = field(default_factory=dict)
    tasks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kind: str = TRUTH  # which page was written: TRUTH or OWN


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


class _Writer:
    """Collects the sections of one page and writes each table as CSV into ``out``."""

    def __init__(self, out: Path, files: ReportFiles):
        self.out, self.files, self.sections = out, files, []

    def table(self, key: str, rows: list[dict[str, Any]], name: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
        self.files.tables[key] = write_csv(rows, self.out / name, columns)
        return rows

    def section(self, sid: str, title: str, **kw) -> None:
        self.sections.append(html.section_html(sid, title, **kw))


def write_report(store, out_dir: str | os.PathLike, *, benchmarks: list[str] | None = None,
                 metric: str | None = None, store_path: str = "", title: str = "archrank report",
                 top_k: int = 10) -> ReportFiles:
    """Write ``index.html`` and its tables (CSV) into ``out_dir`` from ``store``.

    ``benchmarks``: table files or packaged names (default: ``["nb201"]`` when the store holds NB201 scores).
    ``top_k``: architectures listed per heuristic in the top-ranked table.
    """
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise DataError(f"report folder {str(out)!r} is a file")
    if top_k < 1:
        raise InvalidArgument(f"top_k must be >= 1, got {top_k}", parameter="top_k")
    out.mkdir(parents=True, exist_ok=True)
    if benchmarks is None:
        benchmarks = ["nb201"] if any(s[0] == "nb201" for s in tables.score_settings(store)) else []
    bench = open_benchmarks(benchmarks, metric)
    files = ReportFiles(out / "index.html")
    tasks = tables.find_tasks(store, bench) if bench else []
    files.tasks = [t.label for t in tasks]
    w = _Writer(out, files)
    if tasks:
        _truth_sections(w, tasks, top_k)
        lead = (f"Heuristic scores against ground truth ({', '.join(b.label for b in bench)}). Every rank "
                f"correlation comes with a 95% confidence interval; {INTERVAL_METHOD}.")
        covered = {(t.space, t.dataset, t.batch_size, t.seed) for t in tasks}
        rest = [f"{sp} / {ds}{sfx}" for (sp, ds, bs, sd), sfx in tables.settings_with_suffix(store)
                if (sp, ds, bs, sd) not in covered]
        if rest:
            files.notes.append(f"scores without ground truth are not on this page: {', '.join(rest)} (give a "
                               "benchmark holding them, or report a store of their own)")
            lead += " Not shown, for want of ground truth: " + ", ".join(rest) + "."
    else:
        files.kind = OWN
        if bench:
            files.notes.append(f"no architecture of the store is in {', '.join(b.label for b in bench)}: "
                               "the page shows the store without ground truth")
        _own_sections(w, store, top_k)
        lead = ("No ground truth: the store's architectures are in no benchmark given, so this page shows what "
                f"the heuristics say and how far they agree. Intervals: {INTERVAL_METHOD}.")
    _search_section(w, store)
    _provenance_section(w, store, store_path, [b.label for b in bench])
    tmp = files.page.with_name("index.html.tmp")
    tmp.write_text(html.page_html(title, w.sections, lead), encoding="utf-8")
    os.replace(tmp, files.page)
    return files


def _truth_sections(w: _Writer, tasks: list[tables.Task], top_k: int) -> None:
    rows = w.table("spearman", tables.spearman_rows(tasks), "spearman.csv", tables.SPEARMAN_COLUMNS)
    heur, labels, matrix = tables.heatmap_matrix(rows)
    low, high = (tables.heatmap_matrix(rows, s)[2] for s in ("spearman_low", "spearman_high"))
    w.section("heatmap", "Rank consistency: heuristic x task", png=figures.heatmap_png(heur, labels, matrix, low, high),
              rows=rows, csv_name="spearman.csv", open_table=True,
              text=f"Spearman's rho of each heuristic against the benchmark metric, per task (space / data set the "
                   f"scores were computed on / benchmark:column), with its 95% interval in brackets; {len(labels)} "
                   "task(s). Lower-is-better heuristics are flipped; non-finite scores are left out and counted "
                   "(n_excluded).")
    first = tasks[0]
    stats = {r["heuristic"]: r for r in rows if r["task"] == first.label}
    srows = w.table("scatter", tables.scatter_rows(first), "scatter.csv", tables.SCATTER_COLUMNS)
    w.section("scatter", "Score against accuracy", rows=srows, csv_name="scatter.csv",
              png=figures.scatter_png(srows, stats, first.benchmark.metric) if srows else None,
              text=f"Stored score against {first.benchmark.metric} for the first task, {first.label}; the title gives "
                   "rho, its 95% interval and n, as in the table above. Score axes spanning more than three decades "
                   "are logarithmic (symmetric-logarithmic where scores are zero or negative).")
    top = w.table("top", [r for t in tasks for r in tables.task_top_rows(t, top_k)], "top_archs.csv",
                  tables.TOP_COLUMNS)
    first_top = [r for r in top if r["task"] == first.label]
    best = max((float(m) for p in first.paired.values() for m in p.metric if math.isfinite(m)), default=math.nan)
    w.section("top", f"Top {top_k} architectures per heuristic", rows=top, csv_name="top_archs.csv",
              png=figures.top_png(first_top, first.benchmark.metric, best) if first_top else None,
              text=f"The {top_k} architectures each heuristic ranks best, with their {first.benchmark.metric} and "
                   "its rank among the n architectures the heuristic ranked (1 = the best of them). Picture: the "
                   "first task; the large dot is each heuristic's first pick.")
    crows = w.table("cost", tables.cost_rows(rows), "cost_fidelity.csv", tables.COST_COLUMNS)
    timed = [r for r in crows if math.isfinite(r["seconds_per_arch"]) and r["seconds_per_arch"] > 0]
    text = ("Mean measured seconds per architecture against Spearman's rho, its 95% interval as a vertical bar; the "
            "dashed line joins the Pareto front (no other heuristic is both cheaper and more faithful).")
    untimed = sorted({r["heuristic"] for r in crows} - {r["heuristic"] for r in timed})
    if not timed:
        text = "No heuristic has measured seconds (imported scores carry none)."
    elif untimed:
        text += f" Without measured seconds (not drawn): {', '.join(untimed)}."
    w.section("cost", "Cost against fidelity", text=text, png=figures.cost_png(crows) if timed else None, rows=crows,
              csv_name="cost_fidelity.csv")


def _own_sections(w: _Writer, store, top_k: int) -> None:
    groups = own_tables.score_groups(store)
    first = groups[0] if groups else None
    others = f" Pictures: the first of {len(groups)} score settings, {first.label}; all in the tables." \
        if len(groups) > 1 else ""
    names = list(dict.fromkeys(h for g in groups for h in g.scores))
    consensus = w.table("consensus", [r for g in groups for r in own_tables.consensus_rows(g, top_k, names)],
                        "consensus.csv", ("group", "rank", "arch", "mean_rank", "n"))
    rank = w.table("ranking", [r for g in groups for r in own_tables.ranking_rows(g, top_k)], "ranking.csv",
                   ("group", *tables.TOP_COLUMNS[1:]))
    w.section("ranking", "Ranking", rows=consensus, csv_name="consensus.csv", open_table=True,
              more=((f"top {top_k} per heuristic", rank, "ranking.csv", False),),
              text=(f"The {top_k} architectures with the best mean rank over the heuristics (each heuristic's "
                    "direction applied; rank 1 is its best), among the n architectures every heuristic scored "
                    f"finitely, per score setting (space / data set); below, each heuristic's own top {top_k}."
                    if groups else "The store holds no heuristic scores ('archrank score --store ...' writes them)."))
    dist = w.table("distributions", [r for g in groups for r in own_tables.distribution_rows(g)], "distributions.csv",
                   own_tables.DISTRIBUTION_COLUMNS)
    png = figures.distribution_png({h: s.values for h, s in first.scores.items()}) if first else None
    w.section("distributions", "Score distributions", rows=dist, csv_name="distributions.csv", png=png,
              text="Quantiles of each heuristic's finite scores as stored; n_nonfinite counts NaN and infinite scores "
                   "(failures included, also in n_failed). Histograms with bins equally wide on the axis drawn: "
                   "logarithmic where scores span more than three decades, symmetric-logarithmic where they also "
                   "hold zero or negative values." + others)
    agree = w.table("agreement", [r for g in groups for r in own_tables.agreement_rows(g)], "agreement.csv",
                    own_tables.AGREEMENT_COLUMNS)
    png = None
    if first and len(first.scores) > 1:
        names, m = own_tables.agreement_matrix([r for r in agree if r["group"] == first.label])
        lo = own_tables.agreement_matrix([{**r, "spearman": r["spearman_low"]} for r in agree
                                          if r["group"] == first.label])[1]
        hi = own_tables.agreement_matrix([{**r, "spearman": r["spearman_high"]} for r in agree
                                          if r["group"] == first.label])[1]
        png = figures.heatmap_png(names, names, m, lo, hi, colorbar="Spearman rho between heuristics")
    w.section("agreement", "Agreement between heuristics", rows=agree, csv_name="agreement.csv", png=png,
              text="Spearman's rho between the rankings of every pair of heuristics (both oriented so that higher "
                   "is better), over the architectures both scored finitely, with its 95% interval. Without ground "
                   "truth this says which heuristics tell the same story, not which one is right." + others)
    cost = w.table("cost", [r for g in groups for r in own_tables.own_cost_rows(g)], "cost.csv",
                   own_tables.OWN_COST_COLUMNS)
    timed = [r for r in cost if math.isfinite(r["seconds_per_arch"]) and r["seconds_per_arch"] > 0]
    w.section("cost", "Cost", rows=cost, csv_name="cost.csv", png=figures.cost_bar_png(timed) if timed else None,
              text="Mean measured seconds per architecture of the scores actually computed (canonical copies not "
                   "counted)." if timed else "No heuristic has measured seconds (imported scores carry none).")


def _search_section(w: _Writer, store) -> None:
    runs = search_tables.search_runs(store)
    curves = w.table("search", search_tables.search_curve_rows(runs), "search_curves.csv", search_tables.SEARCH_COLUMNS)
    summary = w.table("search_summary", search_tables.search_summary_rows(runs), "search_summary.csv",
                      search_tables.SUMMARY_COLUMNS)
    if curves:
        signal = ", ".join(dict.fromkeys(s.signal for s in runs))
        report = ", ".join(dict.fromkeys(s.report for s in runs))
        png = figures.search_png(curves, signal=signal, report=report)
        text = (f"Left: the best {signal} found so far (the running maximum of the values the strategy was told; it "
                f"never falls). Right: the {report} of the strategy's recommendation, which can fall when a better "
                f"{signal} comes with a worse {report}. Median over runs with a 25-75% band, against the simulated "
                "seconds charged, from the cost at which every run has made its first query; "
                + "; ".join(f"{r['strategy']}: {r['runs']} runs" for r in summary) + ".")
    else:
        png, text = None, "The store holds no search runs ('archrank search --store ...' writes them)."
    w.section("search", "Search: best so far", text=text, png=png, rows=summary, csv_name="search_summary.csv",
              open_table=bool(summary), more=(("curves", curves, "search_curves.csv", False),))


def _provenance_section(w: _Writer, store, store_path: str, benchmarks: list[str]) -> None:
    facts = w.table("provenance", provenance_rows(store, store_path=store_path, benchmarks=benchmarks),
                    "provenance.csv", ("item", "value"))
    runs = w.table("runs", run_rows(store), "runs.csv", RUN_COLUMNS)
    archs = w.table("archs", arch_rows(store), "architectures.csv", ARCH_COLUMNS)
    w.section("provenance", "Settings and provenance", rows=facts, csv_name="provenance.csv", open_table=True,
              text="The machine is the one that wrote this page; the store does not record where scores were "
                   "computed. The source commit is given when archrank runs from a git checkout of its source.",
              more=(("stored runs", runs, "runs.csv", False), ("architectures", archs, "architectures.csv", False)))
