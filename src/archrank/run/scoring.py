"""Scoring runs: score a set of architectures with several heuristics, into a store, resumably.

A run (:func:`run_scoring`) selects architectures (``all``, ``random:N`` or a file), groups them by
canonical form, skips what the store already holds, computes the rest through an executor (one task per
canonical class) and writes each result the moment it arrives, recording it for every member of the
class.  Heuristics declared not ``canonical_invariant`` (structural counts such as params and FLOPs, which
differ between class members) are computed for every architecture.  A failing heuristic (out of memory, a
numerical error, ...) is recorded with its reason and the run goes on.  Killed at any point (even
``kill -9``), the same call finishes the rest and recomputes nothing that was stored.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from archrank.errors import InvalidArgument
from archrank.execution import Executor, LocalExecutor
from archrank.run.context import load_task_batch, needs_batch, resource_extras
from archrank.run.plugins import load_plugins
from archrank.run.score_task import ScoringTask, score_arch
from archrank.run.selection import identities, select_archs
from archrank.run.setting import ScoreSetting
from archrank.store.base import HeuristicInfo, ScoreRecord, Store


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
    seconds: float = 0.0
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (arch, heuristic, error)


def heuristic_names(heuristics: str | Sequence[str]) -> list[str]:
    """Registered heuristic names from a comma-separated string or a sequence (unknown names: an error)."""
    from archrank.heuristics import HEURISTICS

    if isinstance(heuristics, str):
        heuristics = heuristics.split(",")
    names = list(dict.fromkeys(h.strip() for h in heuristics if h.strip()))
    if not names:
        raise InvalidArgument("no heuristics given; valid choices: " + ", ".join(HEURISTICS.names()),
                              parameter="heuristics")
    for n in names:
        HEURISTICS.get(n)
    return names


def run_scoring(
    setting: ScoreSetting,
    *,
    archs: str | Sequence[Any],
    heuristics: str | Sequence[str],
    store: Store,
    executor: Executor | None = None,
    batch: tuple[Any, Any] | None = None,
    num_classes: int | None = None,
    supernet: str | os.PathLike | None = None,
    retry_failed: bool = False,
    progress: bool = True,
) -> ScoringSummary:
    """Score ``archs`` of ``setting.space`` with ``heuristics`` on one batch of the setting, into ``store``.

    ``batch`` (inputs, targets) overrides loading the data; ``supernet`` is the checkpoint the
    ``weight_sharing`` heuristic scores with; ``retry_failed`` recomputes stored failures.  Returns a
    :class:`ScoringSummary`.  See the module docstring for the guarantees.
    """
    from archrank.execution.device import resolve_device
    from archrank.heuristics import HEURISTICS
    from archrank.spaces import get_space

    t_start = time.perf_counter()
    resolve_device(setting.device)  # CUDA asked for where there is none: an error before any work
    plugins = load_plugins()
    sp = get_space(setting.space)
    names = heuristic_names(heuristics)
    hs = [HEURISTICS.get(n) for n in names]
    extras = resource_extras(names, supernet=None if supernet is None else str(supernet))
    selection = select_archs(sp, archs, setting.seed)

    # Identity of every selected architecture, and its canonical class.
    ids = identities(sp, selection)
    strings = [s for s, _, _ in ids]
    classes: dict[str, list[str]] = {}
    for s, c, _ in ids:
        classes.setdefault(c, []).append(s)

    store.put_archs(sp.name, ids)
    store.put_heuristics(HeuristicInfo(h.name, h.higher_is_better, tuple(sorted(h.needs)), h.description) for h in hs)
    config = {"space": sp.name, "archs": archs if isinstance(archs, str) else strings, "heuristics": names,
              "dataset": setting.dataset, "batch_size": setting.batch_size, "seed": setting.seed}
    run_id = store.open_run("score", config)
    summary = ScoringSummary(run_id=run_id, n_archs=len(selection), n_classes=len(classes))
    key = setting.key

    held = store.score_keys(**key, include_errors=not retry_failed)
    summary.held = sum((s, n) in held for s in strings for n in names)

    # Fill gaps from stored class members; collect what must be computed.
    existing: dict[tuple[str, str], ScoreRecord] | None = None
    copies: list[ScoreRecord] = []
    todo: dict[str, list[str]] = {}  # representative -> heuristics to compute
    members_of: dict[tuple[str, str], list[str]] = {}  # (representative, heuristic) -> archs to record
    singletons = [[x] for x in strings]
    for h in hs:
        n = h.name
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
                todo.setdefault(missing[0], []).append(n)
                members_of[(missing[0], n)] = missing
    if copies:
        summary.copied = store.put_scores(copies, replace=retry_failed)
        summary.recorded += summary.copied

    if todo:
        inputs = targets = None
        if batch is not None:
            inputs, targets = batch
        elif needs_batch(HEURISTICS.get(n) for ns in todo.values() for n in ns):
            inputs, targets = load_task_batch(setting)
        if num_classes is None:
            from archrank.data import num_classes_of

            num_classes = num_classes_of(setting.dataset)
        task = ScoringTask(setting=setting, inputs=inputs, targets=targets, num_classes=num_classes,
                           plugins=plugins, extras=extras)
        items = [(rep, tuple(ns)) for rep, ns in todo.items()]
        own_executor = executor is None
        ex = LocalExecutor() if executor is None else executor
        bar = _progress(len(items), progress)
        try:
            for i, results in ex.imap_unordered(score_arch, items, task):
                rep = items[i][0]
                recs = []
                for r in results:
                    summary.computed += 1
                    if r.error is not None:
                        summary.failed += 1
                        summary.failures.append((rep, r.heuristic, r.error))
                    recs += [_record(key, m, r.heuristic, r.value, r.seconds, r.flops, r.error, m == rep, rep,
                                     run_id) for m in members_of[(rep, r.heuristic)]]
                summary.recorded += store.put_scores(recs, replace=retry_failed)
                bar.update(1)
                if summary.failed:
                    bar.set_postfix(failed=summary.failed, refresh=False)
        finally:
            bar.close()
            if own_executor:
                ex.close()
    store.finish_run(run_id)
    summary.seconds = time.perf_counter() - t_start
    return summary


def _record(key: dict, arch: str, heuristic: str, value: float, seconds: float | None, flops: float | None,
            error: str | None, computed: bool, source: str, run_id: int) -> ScoreRecord:
    return ScoreRecord(key["space"], arch, heuristic, key["dataset"], key["batch_size"], key["seed"], value,
                       seconds, flops, error, computed, None if computed else source, run_id)


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="arch", desc="scoring", file=sys.stderr, disable=not enabled,
                dynamic_ncols=True, mininterval=0.5)
