"""Scoring runs: score a set of architectures with several heuristics, into a store, resumably.

A run (:func:`run_scoring`) selects architectures (``all``, ``random:N`` or a file), groups them by
canonical form, skips what the store already holds, computes the rest through an executor (one task per
canonical class, on the member the space names as the class's representative, so that every run gives a
class the same value) and writes each result the moment it arrives, recording it for every member of the
class.  Heuristics declared not ``canonical_invariant`` (structural counts such as params and FLOPs, which
differ between class members) are computed for every architecture.  A failing heuristic (out of memory, a
numerical error, ...) is recorded with its reason and the run goes on.  Killed at any point (even
``kill -9``), the same call finishes the rest and recomputes nothing that was stored.

Every argument is checked (space, heuristics, their resources, the selection, the data set and its data)
before the store is touched, so a bad call writes nothing.  A stored failure is not a finished score: the
next run recomputes it when it was an environment problem (its error type is one of
:data:`archrank.store.failures.ENVIRONMENT_ERRORS`: a missing file, memory, a module...) or when
``retry_failed`` is given, and otherwise reports it in :attr:`ScoringSummary.stored_failures`.  A run
that ends with failures held is marked ``incomplete``, one stopped by SIGINT/SIGTERM ``interrupted``
(:mod:`archrank.run.guard`), one stopped by an error ``failed``.

A heuristic that scores with a resource file is stored under a name carrying the file's content hash
(:func:`archrank.run.context.stored_heuristic`: ``weight_sharing@<12 hex digits of the supernet's SHA-256>``),
so scores of another supernet are computed, not reused, and the summary names the stored heuristic.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from archrank.execution import Executor, LocalExecutor
from archrank.run.context import stored_heuristic
from archrank.run.guard import guarded_run
from archrank.run.prepare import PreparedScoring
from archrank.run.progress import progress_bar
from archrank.run.score_task import ScoringTask, score_arch
from archrank.run.selection import identities
from archrank.run.setting import ScoreSetting
from archrank.store.base import HeuristicInfo, ScoreRecord, Store
from archrank.store.failures import is_environment_error


@dataclass
class ScoringSummary:
    """What a run did: counts of architectures, canonical classes, and records per origin."""

    run_id: int
    n_archs: int
    n_classes: int
    held: int = 0  # (arch, heuristic) pairs already in the store
    copied: int = 0  # records filled from a stored member of the same canonical class
    computed: int = 0  # heuristic evaluations run now
    recorded: int = 0  # records written now (computed results times class members, plus copies)
    failed: int = 0  # evaluations that raised
    retried: int = 0  # stored failures recomputed (environment problems, or all with retry_failed)
    seconds: float = 0.0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (arch, heuristic, error)
    stored_failures: list[tuple[str, str, str]] = field(default_factory=list)  # held failures, not retried
    status: str = "finished"  # the run's status at the end: finished, or incomplete when failures remain
    nonfinite: dict[str, int] = field(default_factory=dict)  # heuristic -> NaN/inf values computed now (stored)

    def nonfinite_line(self) -> str | None:
        """One line saying how many computed scores were NaN or infinite, per heuristic (None if none)."""
        if not self.nonfinite:
            return None
        per = ", ".join(f"{h} {n}" for h, n in sorted(self.nonfinite.items()))
        return (f"{sum(self.nonfinite.values())} of {self.computed} computed scores are not finite "
                f"(stored as they are): {per}")


def run_scoring(
    setting: ScoreSetting,
    *,
    archs: str | Sequence[Any],
    heuristics: str | Sequence[str],
    store: Store | str | os.PathLike,
    executor: Executor | None = None,
    batch: tuple[Any, Any] | None = None,
    num_classes: int | None = None,
    supernet: str | os.PathLike | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    space: Any = None,
) -> ScoringSummary:
    """Score ``archs`` of ``setting.space`` with ``heuristics`` on one batch of the setting, into ``store``.

    ``batch`` (inputs, targets) overrides loading the data; ``supernet`` is the checkpoint the
    ``weight_sharing`` heuristic scores with; ``retry_failed`` recomputes stored failures; ``space`` is a
    space object that is not registered (a set of user models).  ``store`` is a :class:`Store` or a location
    for :func:`archrank.store.open_store`, opened (and created) only once every argument has been checked
    (:func:`~archrank.run.prepare.prepare_scoring`) and closed at the end.  Returns a
    :class:`ScoringSummary`.  See the module docstring for the guarantees.
    """
    from archrank.run.prepare import prepare_scoring

    t_start = time.perf_counter()
    prepared = prepare_scoring(setting, archs=archs, heuristics=heuristics, store=store, space=space, batch=batch,
                               num_classes=num_classes, supernet=supernet)
    return run_prepared(prepared, store=store, executor=executor, retry_failed=retry_failed, progress=progress,
                        t_start=t_start)


def run_prepared(prepared: PreparedScoring, *, store: Store | str | os.PathLike, executor: Executor | None = None,
                 retry_failed: bool = False, progress: bool = True, t_start: float | None = None) -> ScoringSummary:
    """Execute a run :func:`~archrank.run.prepare.prepare_scoring` checked, into ``store`` (a Store, or a
    location opened here and closed at the end)."""
    t_start = time.perf_counter() if t_start is None else t_start
    if not isinstance(store, Store):
        from archrank.store import open_store

        with open_store(store) as opened:
            return run_prepared(prepared, store=opened, executor=executor, retry_failed=retry_failed,
                                progress=progress, t_start=t_start)
    setting, sp, names, hs = prepared.setting, prepared.space, list(prepared.names), list(prepared.heuristics)
    extras = prepared.extras
    # Identity of every selected architecture, and its canonical class.
    ids = identities(sp, prepared.selection)
    strings = [s for s, _, _ in ids]
    classes: dict[str, list[str]] = {}
    for s, c, _ in ids:
        classes.setdefault(c, []).append(s)
    store.put_archs(sp.name, ids)
    stored = {n: stored_heuristic(n, extras) for n in names}  # weight_sharing@<supernet hash>
    store.put_heuristics(HeuristicInfo(stored[h.name], h.higher_is_better, tuple(sorted(h.needs)), h.description)
                         for h in hs)
    spec = prepared.archs_spec
    config = {"space": sp.name, "archs": spec if isinstance(spec, str) else strings,
              "heuristics": [stored[n] for n in names],
              "dataset": setting.dataset, "batch_size": setting.batch_size, "seed": setting.seed}
    run_id = store.open_run("score", config)
    summary = ScoringSummary(run_id=run_id, n_archs=len(prepared.selection), n_classes=len(classes))
    with guarded_run(store, run_id):
        _score_missing(summary, store, prepared, strings, classes, executor, retry_failed, progress)
        summary.status = "incomplete" if summary.failures or summary.stored_failures else "finished"
        store.finish_run(run_id, summary.status)
    summary.seconds = time.perf_counter() - t_start
    return summary


def _score_missing(summary: ScoringSummary, store: Store, prepared: PreparedScoring, strings: list[str],
                   classes: dict[str, list[str]], executor: Executor | None, retry_failed: bool,
                   progress: bool) -> None:
    """Copy or compute every (architecture, heuristic) pair the store does not hold, into ``summary``.

    Pairs are read and written under each heuristic's stored name (:func:`stored_heuristic`); tasks name
    the registered heuristic."""
    setting, hs, extras = prepared.setting, prepared.heuristics, prepared.extras
    stored = {h.name: stored_heuristic(h.name, extras) for h in hs}
    names = list(stored.values())
    run_id = summary.run_id
    key = setting.key
    held = store.score_keys(**key)
    wanted = {(s, n) for s in strings for n in names}
    retry = set()
    for pair, error in store.score_failures(**key).items():
        if pair not in wanted:
            continue
        if retry_failed or is_environment_error(error):
            retry.add(pair)
        else:
            summary.stored_failures.append((*pair, error))
    held -= retry
    summary.retried = len(retry)
    summary.held = sum((s, n) in held for s in strings for n in names)
    replace = bool(retry)  # only missing or retried keys are ever written below

    # Fill gaps from stored class members; collect what must be computed.
    existing: dict[tuple[str, str], ScoreRecord] | None = None
    copies: list[ScoreRecord] = []
    todo: dict[str, list[str]] = {}  # representative -> heuristics to compute
    members_of: dict[tuple[str, str], list[str]] = {}  # (representative, heuristic) -> archs to record
    singletons = [[x] for x in strings]
    sp = prepared.space

    def representative(member: str) -> str:
        # A class-wide value is computed on the member the space names, whichever member the run met first.
        return sp.format(sp.representative(sp.parse(member)))

    for h in hs:
        n = stored[h.name]
        # Structural heuristics (params, FLOPs) differ between class members: computed per architecture.
        for members in classes.values() if h.canonical_invariant else singletons:
            missing = [m for m in members if (m, n) not in held]
            if not missing:
                continue
            have = [m for m in members if (m, n) in held]
            if have:
                if existing is None:
                    existing = {(r.arch, r.heuristic): r for r in store.scores(**key)}
                src = existing[(have[0], n)]
                origin = src.source_arch or src.arch
                copies += [_record(key, m, n, src.value, src.seconds, src.flops, src.error, m == origin,
                                   origin, run_id) for m in missing]
            else:
                rep = representative(missing[0]) if h.canonical_invariant else missing[0]
                todo.setdefault(rep, []).append(h.name)
                members_of[(rep, h.name)] = missing
    if copies:
        summary.copied = store.put_scores(copies, replace=replace)
        summary.recorded += summary.copied
    if not todo:
        return
    inputs, targets = prepared.batch if prepared.batch is not None else (None, None)
    registered = _is_registered(prepared.space)
    task = ScoringTask(setting=setting, inputs=inputs, targets=targets, num_classes=prepared.num_classes,
                       plugins=prepared.plugins, extras=extras, space=None if registered else prepared.space)
    # Two phases: the architectures with canonical-invariant heuristics to compute (class representatives)
    # first, then those with structural heuristics only (the other class members), which get the class's
    # invariant values (stored by then) so that a heuristic built on others need not recompute them.
    invariant = {h.name for h in hs if h.canonical_invariant}
    first = [(rep, tuple(ns)) for rep, ns in todo.items() if invariant.intersection(ns)]
    later = [rep for rep, ns in todo.items() if not invariant.intersection(ns)]
    own_executor = executor is None
    ex = LocalExecutor() if executor is None else executor
    bar = progress_bar(len(todo), unit="arch", desc="scoring", enabled=progress)
    try:
        _execute(summary, store, key, ex, first, task, stored, members_of, replace, bar, run_id)
        if later:
            values = _class_values(store, key, classes, {stored[n]: n for n in invariant}) if invariant else {}
            items = [(rep, tuple(todo[rep]), values.get(rep, ())) for rep in later]
            _execute(summary, store, key, ex, items, task, stored, members_of, replace, bar, run_id)
    finally:
        bar.close()
        if own_executor:
            ex.close()


def _is_registered(space: Any) -> bool:
    """Whether ``space`` is the registered instance of its name (workers then look it up by name)."""
    from archrank.spaces import SPACES, get_space

    name = getattr(space, "name", None)
    return isinstance(name, str) and name in SPACES and get_space(name) is space


def _execute(summary: ScoringSummary, store: Store, key: dict, ex: Executor, items: list[tuple], task: ScoringTask,
             stored: dict[str, str], members_of: dict[tuple[str, str], list[str]], replace: bool, bar: Any,
             run_id: int) -> None:
    """Compute ``items`` on ``ex`` and record each result for every member it stands for."""
    for i, results in ex.imap_unordered(score_arch, items, task):
        rep = items[i][0]
        recs = []
        for r in results:
            n = stored[r.heuristic]
            summary.computed += 1
            if r.error is None and not math.isfinite(r.value):
                summary.nonfinite[n] = summary.nonfinite.get(n, 0) + 1
            if r.error is not None:
                summary.failed += 1
                summary.failures.append((rep, n, r.error))
            recs += [_record(key, m, n, r.value, r.seconds, r.flops, r.error, m == rep, rep,
                             run_id) for m in members_of[(rep, r.heuristic)]]
        summary.recorded += store.put_scores(recs, replace=replace)
        bar.update(1)
        if summary.failed:
            bar.set_postfix(failed=summary.failed, refresh=False)


def _class_values(store: Store, key: dict, classes: dict[str, list[str]], invariant: dict[str, str]
                  ) -> dict[str, tuple[tuple[str, float], ...]]:
    """Per architecture, the stored values (no failures) of the run's canonical-invariant heuristics
    (``invariant``: stored name -> heuristic name) for its canonical class (equal for every member: they
    are stored once per class and copied)."""
    by_arch: dict[str, dict[str, float]] = {}
    for r in store.scores(**key):
        if r.heuristic in invariant and r.error is None:
            by_arch.setdefault(r.arch, {})[invariant[r.heuristic]] = r.value
    out: dict[str, tuple[tuple[str, float], ...]] = {}
    for members in classes.values():
        known: dict[str, float] = {}
        for m in members:
            for h, v in by_arch.get(m, {}).items():
                known.setdefault(h, v)
        if known:
            pairs = tuple(sorted(known.items()))
            out.update((m, pairs) for m in members)
    return out


def _record(key: dict, arch: str, heuristic: str, value: float, seconds: float | None, flops: float | None,
            error: str | None, computed: bool, source: str, run_id: int) -> ScoreRecord:
    return ScoreRecord(key["space"], arch, heuristic, key["dataset"], key["batch_size"], key["seed"], value,
                       seconds, flops, error, computed, None if computed else source, run_id)
