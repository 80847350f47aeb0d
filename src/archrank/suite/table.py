"""The suite table: every heuristic against every task's ground truth, scored through the run layer.

:func:`run_suite` takes each task's ground-truth architectures (all of them, or ``archs_per_task`` drawn
with the seed), scores what the store lacks with :func:`archrank.run.run_scoring` (resumable: a rerun
computes nothing already stored), and correlates every heuristic's stored scores with the task's metric.
Both sides are oriented so that higher is better (the heuristic's ``higher_is_better``, the task's
direction), so a positive Spearman means the heuristic ranks good architectures high.  A heuristic that
does not apply to a task's space (``Heuristic.applies_to``) gets a skipped cell with the one-line reason.

The result is a :class:`SuiteTable` of :class:`Cell` values: the text table, the JSON and the heatmap
(:mod:`archrank.suite.plot`) are drawn from it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument
from archrank.suite.tasks import TASKS, Task, task_names


@dataclass
class Cell:
    """One heuristic on one task: correlations over the ``n`` architectures with a finite score."""

    task: str
    heuristic: str
    n: int = 0
    spearman: float = math.nan
    kendall: float = math.nan
    spearman_low: float = math.nan  # 95% confidence intervals (archrank.metrics.with_intervals)
    spearman_high: float = math.nan
    kendall_low: float = math.nan
    kendall_high: float = math.nan
    seconds_per_arch: float = math.nan  # mean seconds of the evaluations (one per class met)
    failed: int = 0  # architectures excluded: score not finite (an error, NaN, ±inf)
    skipped: str | None = None  # why the heuristic does not apply to the task's space


@dataclass
class SuiteTable:
    tasks: list[str]
    heuristics: list[str]
    cells: list[Cell] = field(default_factory=list)
    archs: dict[str, int] = field(default_factory=dict)  # task -> architectures scored
    notes: dict[str, str] = field(default_factory=dict)  # task -> caveat

    def cell(self, heuristic: str, task: str) -> Cell:
        for c in self.cells:
            if c.heuristic == heuristic and c.task == task:
                return c
        raise InvalidArgument(f"no cell for heuristic {heuristic!r} on task {task!r}")

    def matrix(self, stat: str = "spearman") -> np.ndarray:
        """heuristics x tasks array of ``stat`` (NaN where skipped or not computable)."""
        if stat not in ("spearman", "kendall", "seconds_per_arch", "n"):
            raise InvalidArgument(f"unknown statistic {stat!r}; valid: spearman, kendall, seconds_per_arch, n",
                                  parameter="stat")
        m = np.full((len(self.heuristics), len(self.tasks)), np.nan)
        for c in self.cells:
            m[self.heuristics.index(c.heuristic), self.tasks.index(c.task)] = float(getattr(c, stat))
        return m

    def to_json(self) -> dict[str, Any]:
        def clean(v):
            return None if isinstance(v, float) and not math.isfinite(v) else v

        return {"tasks": self.tasks, "heuristics": self.heuristics, "archs": self.archs, "notes": self.notes,
                "cells": [{k: clean(v) for k, v in asdict(c).items()} for c in self.cells]}

    def format_text(self) -> str:
        """One row per heuristic; per task ``rho/tau [low,high] s`` (Spearman, Kendall, Spearman's 95% interval,
        seconds per architecture)."""
        head = ["heuristic"] + [f"{t} (n={self.archs.get(t, 0)})" for t in self.tasks]
        rows = [head]
        for h in self.heuristics:
            row = [h]
            for t in self.tasks:
                c = self.cell(h, t)
                if c.skipped:
                    row.append("n/a")
                elif c.n < 3:
                    row.append(f"- ({c.failed} failed)" if c.failed else "-")
                elif not math.isfinite(c.spearman):  # every architecture scored the same
                    row.append(f"constant {_secs(c.seconds_per_arch)}")
                else:
                    s = f"{c.spearman:+.3f}/{c.kendall:+.3f} [{c.spearman_low:+.2f},{c.spearman_high:+.2f}] " \
                        f"{_secs(c.seconds_per_arch)}"
                    absent = self.archs.get(t, 0) - c.n - c.failed
                    row.append(s + (f" [{c.failed} nan]" if c.failed else "") + (f" (n={c.n})" if absent > 0 else ""))
            rows.append(row)
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        lines.append("cells: Spearman/Kendall of the oriented score with the oriented metric, Spearman's 95% interval, "
                     "seconds per arch; (n=K): only K of the task's architectures have a score (a table still "
                     "being built)")
        lines += [f"note ({t}): {n}" for t, n in self.notes.items() if n]
        return "\n".join(lines)


def _secs(s: float) -> str:
    return "?s" if not math.isfinite(s) else (f"{s:.3f}s" if s < 10 else f"{s:.1f}s")


def pick_archs(truth: dict[str, float], n: int | None, seed: int) -> list[str]:
    """All of ``truth``'s architectures (``n`` None or >= their number) or ``n`` drawn with ``seed``, in table
    order.  The draw is a prefix of one seeded permutation, so a smaller ``n`` picks a subset of a larger one
    (a run with more architectures reuses the stored scores of a smaller one)."""
    archs = list(truth)
    if n is None or n >= len(archs):
        return archs
    if n < 1:
        raise InvalidArgument(f"archs_per_task must be >= 1, got {n}", parameter="archs_per_task")
    idx = np.sort(np.random.default_rng(seed).permutation(len(archs))[:n])
    return [archs[int(i)] for i in idx]


def correlate_cell(task: Task, heuristic, scores: dict[str, tuple[float, float | None, bool]],
                   truth: dict[str, float]) -> Cell:
    """The cell of one heuristic: ``scores`` maps arch -> (value, seconds, counted), ``counted`` true for one
    record of each evaluation (its seconds go into the mean).  Spearman, Kendall,
    ``n`` and ``failed`` (the excluded, non-finite scores) come from :func:`archrank.metrics.rank_consistency`,
    the rule every command applies."""
    from archrank.metrics import oriented, rank_consistency, usable

    x, y, secs = [], [], []
    for a, (v, s, counted) in scores.items():
        if a not in truth:
            continue
        x.append(v)
        y.append(truth[a])
        if usable(v) and counted and s is not None and math.isfinite(s):
            secs.append(s)
    rc = rank_consistency(np.array(x, dtype=np.float64), oriented(np.array(y, dtype=np.float64),
                          task.higher_is_better), higher_is_better=heuristic.higher_is_better)
    return Cell(task.name, heuristic.name, n=rc["n"], failed=rc["n_excluded"],
                seconds_per_arch=float(np.mean(secs)) if secs else math.nan,
                spearman=float(rc["spearman"]), kendall=float(rc["kendall"]),
                spearman_low=rc["spearman_low"], spearman_high=rc["spearman_high"],
                kendall_low=rc["kendall_low"], kendall_high=rc["kendall_high"])


def training_free_names() -> list[str]:
    """What ``--heuristics all`` means in the suite: every registered heuristic that trains nothing.

    The training-based estimators (reduced training, weight sharing: ``needs`` holds ``"training"``) cost
    minutes per architecture, or a supernet per space, and are measured in their own benchmarks; name them
    explicitly to put them in a suite table."""
    from archrank.heuristics import HEURISTICS

    return [n for n in HEURISTICS.names() if "training" not in HEURISTICS.get(n).needs]


def suite_combinations(names: Sequence[str]) -> list[tuple[str, Any]]:
    """(row name, combination) for every registered population-relative combination (te_nas, az_nas_rank,
    vote, the ranker's exact rule) whose members are all among ``names``.  A combination named like a
    registered heuristic (``ranker``, whose per-architecture stand-in has that name) is the row
    ``<name> (combination)``."""
    from archrank.heuristics.combinations import COMBINATIONS

    out = []
    for name in COMBINATIONS.names():
        comb = COMBINATIONS.get(name)
        if all(m in names for m in comb.members):
            out.append((f"{name} (combination)" if name in names else name, comb))
    return out


def combination_cell(task: Task, row: str, comb, by_h: dict[str, dict[str, tuple[float, float | None, bool]]],
                     truth: dict[str, float], member_cells: dict[str, Cell]) -> Cell:
    """The cell of a combination over the task's architectures that every member scored finitely; its
    seconds per architecture are the sum of its members'."""
    from types import SimpleNamespace

    from archrank.heuristics import HEURISTICS
    from archrank.metrics import usable

    archs = sorted(set.union(*(set(by_h[m]) for m in comb.members)) & set(truth))
    ok = [a for a in archs if all(a in by_h[m] and usable(by_h[m][a][0]) for m in comb.members)]
    directions = {m: HEURISTICS.get(m).higher_is_better for m in comb.members}
    values = comb.scores({m: {a: by_h[m][a][0] for a in ok} for m in comb.members}, directions) if ok else {}
    cell = correlate_cell(task, SimpleNamespace(name=row, higher_is_better=comb.higher_is_better),
                          {a: (float(values[a]), None, False) for a in ok}, truth)
    cell.failed = len(archs) - len(ok)
    cell.seconds_per_arch = float(sum(member_cells[m].seconds_per_arch for m in comb.members))
    return cell


def combination_cells(task: Task, combos: list[tuple[str, Any]],
                      by_h: dict[str, dict[str, tuple[float, float | None, bool]]], truth: dict[str, float],
                      cells: list[Cell]) -> list[Cell]:
    """The task's cell of each combination: skipped (naming the first member that does not apply, i.e. is
    not in ``by_h``) or computed by :func:`combination_cell`.  ``cells`` holds the members' cells."""
    mine = {c.heuristic: c for c in cells if c.task == task.name}
    out = []
    for row, comb in combos:
        absent = [m for m in comb.members if m not in by_h]
        out.append(Cell(task.name, row, skipped=f"member {absent[0]}: {mine[absent[0]].skipped}") if absent
                   else combination_cell(task, row, comb, by_h, truth, mine))
    return out


@dataclass
class TaskPlan:
    """One task of a suite, prepared: its architectures, ground truth, skipped heuristics, the heuristics
    that apply and (when the suite computes) its scoring run, checked by the one preparation step."""

    task: Task
    archs: list[str]
    truth: dict[str, float]
    setting: Any  # ScoreSetting
    skipped: list[Cell]
    apply: list[Any]  # Heuristic objects
    prepared: Any = None  # archrank.run.PreparedScoring, or None when nothing is computed


@dataclass
class SuitePlan:
    """Every task of a suite prepared (:func:`prepare_suite`) before any store is opened."""

    names: list[str]
    combos: list[tuple[str, Any]]
    tasks: list[TaskPlan]
    compute: bool = True


def prepare_suite(
    tasks: str | Sequence[str | Task],
    heuristics: str | Sequence[str],
    *,
    archs_per_task: int | None = 100,
    seed: int = 0,
    batch_size: int | None = None,
    data_root: str | os.PathLike | None = None,
    compute: bool = True,
    log: Callable[[str], None] | None = None,
) -> SuitePlan:
    """Check and prepare every task of a suite (see :func:`run_suite`): task names, heuristic names, each
    task's ground truth and architectures, and (with ``compute``) each task's scoring run through
    :func:`archrank.run.prepare_scoring` (batch, resources), all before any store is opened or scored."""
    from archrank.heuristics import HEURISTICS
    from archrank.run import ScoreSetting, heuristic_names, prepare_scoring
    from archrank.spaces import get_space

    say = log or (lambda _line: None)
    if isinstance(tasks, str):
        task_objs = [TASKS.get(n) for n in task_names(tasks)]
    else:
        task_objs = [t if isinstance(t, Task) else TASKS.get(task_names([t])[0]) for t in tasks]
    names = training_free_names() if heuristics == "all" else heuristic_names(heuristics)
    plans = []
    for task in task_objs:
        sp = get_space(task.space)
        raw = task.ground_truth(data_root)
        truth = {sp.format(sp.parse(a)): v for a, v in raw.items()}
        archs = pick_archs(truth, archs_per_task, seed)
        skipped, apply = [], []
        for h in (HEURISTICS.get(n) for n in names):
            reason = h.applies_to(sp)
            if reason:
                say(f"{task.name}: skip {h.name}: {reason}")
                skipped.append(Cell(task.name, h.name, skipped=reason))
            else:
                apply.append(h)
        setting = ScoreSetting(task.space, dataset=task.dataset, batch_size=batch_size or task.batch_size,
                               seed=seed, data_dir=None if data_root is None else str(data_root))
        prepared = None
        if compute and apply:
            prepared = prepare_scoring(setting, archs=archs, heuristics=[h.name for h in apply],
                                       num_classes=task.num_classes)
        plans.append(TaskPlan(task, archs, truth, setting, skipped, apply, prepared))
    return SuitePlan(names, suite_combinations(names), plans, compute)


def run_suite(
    tasks: str | Sequence[str | Task],
    heuristics: str | Sequence[str],
    store,
    *,
    archs_per_task: int | None = 100,
    seed: int = 0,
    batch_size: int | None = None,
    data_root: str | os.PathLike | None = None,
    executor=None,
    progress: bool = True,
    compute: bool = True,
    log: Callable[[str], None] | None = None,
    plan: SuitePlan | None = None,
) -> SuiteTable:
    """Score and correlate ``heuristics`` (names, or ``"all"``) on ``tasks`` (names, ``"all"``, or
    :class:`Task` objects); returns the :class:`SuiteTable`.  ``batch_size`` overrides each task's scoring
    batch (images, or token sequences); ``compute=False`` scores nothing and correlates what the store
    holds (a table of a run still under way); ``log`` receives one line per skipped heuristic and per task.
    Every task is prepared (:func:`prepare_suite`) before the first is scored; ``plan``, made by the caller
    before it opened ``store``, replaces that step (the task, heuristic and count arguments are then not
    read)."""
    from archrank.run import run_prepared

    say = log or (lambda _line: None)
    if plan is None:
        plan = prepare_suite(tasks, heuristics, archs_per_task=archs_per_task, seed=seed, batch_size=batch_size,
                             data_root=data_root, compute=compute, log=log)
    names, combos = plan.names, plan.combos
    table = SuiteTable([t.task.name for t in plan.tasks], names + [row for row, _ in combos])
    for tp in plan.tasks:
        task, archs, truth, apply, setting = tp.task, tp.archs, tp.truth, tp.apply, tp.setting
        table.archs[task.name], table.notes[task.name] = len(archs), task.note
        table.cells += tp.skipped
        if not apply:
            table.cells += combination_cells(task, combos, {}, truth, table.cells)
            continue
        if tp.prepared is not None:
            say(f"{task.name}: {len(archs)} architectures of {task.space}, {len(apply)} heuristics")
            summary = run_prepared(tp.prepared, store=store, executor=executor, progress=progress)
            if summary.failed:
                say(f"{task.name}: {summary.failed} evaluations failed (recorded as errors)")
        chosen = set(archs)
        by_h: dict[str, dict[str, tuple[float, float | None, bool]]] = {h.name: {} for h in apply}
        evaluations: set[tuple[str, str]] = set()
        for r in store.scores(**setting.key):
            if r.heuristic in by_h and r.arch in chosen:
                v = math.nan if r.error is not None or r.value is None else float(r.value)
                # One evaluation per class: a copy stands for it when the computed member (the class's
                # representative) is not among the chosen architectures.
                evaluation = (r.heuristic, r.source_arch or r.arch)
                first = evaluation not in evaluations
                evaluations.add(evaluation)
                by_h[r.heuristic][r.arch] = (v, r.seconds, first)
        for h in apply:
            table.cells.append(correlate_cell(task, h, by_h[h.name], truth))
        table.cells += combination_cells(task, combos, by_h, truth, table.cells)
    order = {(h, t): i for i, (h, t) in enumerate((h, t) for h in table.heuristics for t in table.tasks)}
    table.cells.sort(key=lambda c: order[(c.heuristic, c.task)])
    return table


__all__ = ["Cell", "SuitePlan", "SuiteTable", "TaskPlan", "combination_cell", "combination_cells", "correlate_cell",
           "pick_archs", "prepare_suite", "run_suite", "suite_combinations", "training_free_names"]
