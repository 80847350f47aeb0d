"""Several strategies under one protocol: one comparison table and one best-so-far plot.

An :class:`Entry` is a row: a strategy with its parameters (and, optionally, its own label, budget, run
count, objectives and target).  :func:`compare` runs every entry with :func:`archrank.search.harness.search`
(the same seeds for every entry); :func:`comparison_rows` is the table (data first) and
:func:`format_comparison` its markdown; :func:`archrank.search.plot.plot_curves` draws the curves of the
summaries.  ``archrank search --strategy a,b,c`` is this module.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from archrank.errors import InvalidArgument
from archrank.search.base import HEURISTIC, parse_params
from archrank.search.harness import SearchSummary, search
from archrank.search.objectives import Objective


@dataclass
class Entry:
    """One row of a comparison; ``None`` fields take the comparison's values."""

    strategy: str
    params: dict[str, Any] = field(default_factory=dict)
    label: str | None = None
    budget_seconds: float | None = None
    runs: int | None = None
    objectives: dict[str, Objective] | None = None
    target: float | None = None

    @property
    def name(self) -> str:
        return self.label or self.strategy


def parse_strategies(text: str) -> list[str]:
    """``"random,rea,reinforce"`` -> the registered strategy names (unknown names: an error)."""
    from archrank.registry import registered_names
    from archrank.search import STRATEGIES

    return registered_names(str(text), STRATEGIES, what="strategy", parameter="strategy")


def entries_with_params(strategies: list[str], items: list[str] | None) -> list[Entry]:
    """One entry per strategy; ``items`` are ``KEY=VALUE`` (given to every strategy that has ``KEY``) or
    ``STRATEGY.KEY=VALUE`` (that strategy only)."""
    from archrank.search.base import strategy_params

    if len(strategies) == 1:
        return [Entry(strategies[0], parse_params(items, strategies[0]))]
    per: dict[str, list[str]] = {s: [] for s in strategies}
    for item in items or []:
        key = item.split("=", 1)[0]
        if "." in key and key.split(".", 1)[0] in per:
            s, rest = item.split(".", 1)
            per[s].append(rest)
            continue
        takers = [s for s in strategies if key.strip() in strategy_params(s)]
        if not takers:
            raise InvalidArgument(f"no strategy of {', '.join(strategies)} has parameter {key.strip()!r}",
                                  parameter="params")
        for s in takers:
            per[s].append(item)
    return [Entry(s, parse_params(per[s], s)) for s in strategies]


def compare(entries: list[Entry], *, space, objectives: dict[str, Objective], budget_seconds: float, runs: int = 1,
            seed: int = 0, report_of: Callable[[Hashable], float] | None = None, best_report: float = math.nan,
            max_queries: int = 1_000_000,
            on_entry: Callable[[Entry, SearchSummary, dict], None] | None = None,
            on_run: Callable[[int, Any], None] | None = None) -> list[tuple[Entry, SearchSummary,
                                                                                                  dict]]:
    """Run every entry; returns ``(entry, summary, usage)`` per entry, where ``usage`` counts the stored and
    live heuristic scores the entry used (when its heuristic objective keeps ``stats``).  ``on_run(i,
    result)`` is called after each run of each entry (e.g. a progress bar)."""
    out = []
    for e in entries:
        objs = e.objectives or objectives
        hobj = objs.get(HEURISTIC)
        before = dict(getattr(hobj, "stats", {}) or {})
        t0 = time.perf_counter()
        summ = search(e.strategy, space=space, objectives=objs, budget_seconds=e.budget_seconds or budget_seconds,
                      runs=e.runs or runs, seed=seed, params=e.params, report_of=report_of, best_report=best_report,
                      max_queries=max_queries, on_run=on_run)
        usage: dict[str, Any] = {"wall_seconds": time.perf_counter() - t0}
        if hobj is not None and hasattr(hobj, "stats"):
            usage.update(heuristic=getattr(hobj, "name", None),
                         stored_scores_used=hobj.stats["stored"] - before.get("stored", 0),
                         live_scores=hobj.stats["live"] - before.get("live", 0))
        out.append((e, summ, usage))
        if on_entry is not None:
            on_entry(e, summ, usage)
    return out


def comparison_rows(results: list[tuple[Entry, SearchSummary, dict]], budget_seconds: float) -> list[dict]:
    """The comparison table: one dict per entry (label, strategy, params, heuristic, budget, the summary's
    figures, heuristic queries per run, target)."""
    rows = []
    for e, summ, usage in results:
        j = summ.to_json()
        hq = [r.queries_by_fidelity().get(HEURISTIC, 0) for r in summ.results]
        rows.append({"label": e.name, "strategy": e.strategy, "params": e.params,
                     "heuristic": usage.get("heuristic"), "budget": e.budget_seconds or budget_seconds,
                     "target": e.target, **j, "heuristic_queries_mean": sum(hq) / len(hq) if hq else 0.0,
                     **{k: v for k, v in usage.items() if k != "heuristic"}})
    return rows


def _f(x: float | None, digits: int = 2) -> str:
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}f}"


def format_comparison(rows: list[dict]) -> str:
    """A markdown table of :func:`comparison_rows` (rows with ``skipped`` print their reason); target and
    met columns appear when an entry has a target."""
    targets = any(r.get("target") is not None for r in rows)
    head = "| strategy | heuristic | budget (s) | runs | test acc. (%) mean +- std | regret | queries | simulated s |"
    sep = "|---|---|---|---|---|---|---|---|"
    if targets:
        head += " target | met |"
        sep += "---|---|"
    lines = [head, sep]
    for r in rows:
        tgt = "" if r.get("target") is None else f">= {r['target']}"
        if "skipped" in r:
            line = f"| {r['label']} | {r.get('heuristic') or '-'} | {r['budget']:g} | - | skipped: {r['skipped']} | | | |"
        else:
            q = f"{r['queries_mean']:.1f}"
            if r.get("heuristic"):
                q += f" ({r['heuristic_queries_mean']:.0f} heuristic)"
            line = (f"| {r['label']} | {r.get('heuristic') or '-'} | {r['budget']:g} | {r['runs']} | "
                    f"{_f(r['test_mean'])} +- {_f(r['test_std'])} | {_f(r['regret_mean'])} | {q} | "
                    f"{r['simulated_seconds_mean']:.0f} |")
        if targets:
            met = "" if r.get("target") is None or "skipped" in r else (
                "yes" if r["test_mean"] is not None and r["test_mean"] >= r["target"] else "NO")
            line += f" {tgt} | {met} |"
        lines.append(line)
    return "\n".join(lines)
