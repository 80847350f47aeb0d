"""Scoring runs: score a set of architectures with several heuristics, into a store, resumably.

A run (:func:`run_scoring`) selects architectures (``all``, ``random:N`` or a file), groups them by
canonical form, skips what the store already holds, computes the rest through an executor (one task per
canonical class) and writes each result the moment it arrives, recording it for every member of the
class.  Heuristics declared not ``canonical_invariant`` (structural counts such as params and FLOPs, which
differ between class members) are computed for every architecture.  A failing heuristic (out of memory, a numerical error, ...) is recorded with its reason and the
run goes on.  Killed at any point (even ``kill -9``), the same call finishes the rest and recomputes
nothing that was stored.

Plugins: ``ARCHRANK_PLUGINS=pkg.mod1,pkg.mod2`` names modules imported before heuristics and spaces are
looked up (in the caller and in every worker), so users can register their own heuristics and spaces.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archrank.errors import DataError, InvalidArgument
from archrank.execution import Executor, LocalExecutor
from archrank.spaces import SearchSpace, get_space
from archrank.store.base import HeuristicInfo, ScoreRecord, Store

PLUGINS_ENV = "ARCHRANK_PLUGINS"

_DATA_NEEDS = frozenset({"data", "labels", "gradients"})


# --- plugins -----------------------------------------------------------------------------------
def plugin_modules(env: str | None = None) -> tuple[str, ...]:
    """Module names listed in ``$ARCHRANK_PLUGINS`` (comma-separated)."""
    text = os.environ.get(PLUGINS_ENV, "") if env is None else env
    return tuple(m.strip() for m in text.split(",") if m.strip())


def load_plugins(modules: Sequence[str] | None = None) -> tuple[str, ...]:
    """Import plugin modules (default: those in ``$ARCHRANK_PLUGINS``); returns their names."""
    mods = plugin_modules() if modules is None else tuple(modules)
    for m in mods:
        try:
            importlib.import_module(m)
        except ModuleNotFoundError as e:
            if e.name == m:
                raise InvalidArgument(f"plugin module {m!r} (from ${PLUGINS_ENV}) cannot be imported") from None
            raise
    return mods


# --- architecture selection -------------------------------------------------------------------------
def select_archs(space: SearchSpace, spec: str | Sequence[Any], seed: int = 0) -> list[Hashable]:
    """Architectures named by ``spec``: ``"all"``, ``"random:N"`` (N distinct, drawn with ``seed``), a path
    to a file with one architecture per line (official string or index; blank lines and ``#`` comments
    skipped), or a sequence of strings/indices/architectures.  Duplicates are dropped, order kept."""
    if not isinstance(spec, str):
        archs = [space.parse_any(str(a)) if isinstance(a, (str, int, np.integer)) else a for a in spec]
        return _unique(archs)
    text = spec.strip()
    if text == "all":
        if space.size is None:
            raise InvalidArgument(f"--archs all needs an enumerable space; {space.name!r} is not")
        return [space.index_to_arch(i) for i in range(space.size)]
    if text.startswith("random:"):
        n_text = text.split(":", 1)[1]
        if not n_text.isdigit() or int(n_text) < 1:
            raise InvalidArgument(f"bad --archs {spec!r}: expected random:N with N a positive integer")
        return _random_archs(space, int(n_text), seed)
    path = Path(text).expanduser()
    if not path.is_file():
        raise InvalidArgument(
            f"bad --archs {spec!r}: not 'all', not 'random:N' and not an existing file of architectures"
        )
    archs = []
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read architecture file {str(path)!r}: {e}") from None
    for lineno, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            archs.append(space.parse_any(line))
        except InvalidArgument as e:
            raise InvalidArgument(f"{path}:{lineno}: {e}") from None
    if not archs:
        raise InvalidArgument(f"architecture file {str(path)!r} names no architecture")
    return _unique(archs)


def _random_archs(space: SearchSpace, n: int, seed: int) -> list[Hashable]:
    rng = np.random.default_rng(seed)
    if space.size is not None:
        if n > space.size:
            raise InvalidArgument(f"random:{n} asks for more architectures than space {space.name!r} has "
                                  f"({space.size})")
        return [space.index_to_arch(int(i)) for i in rng.choice(space.size, size=n, replace=False)]
    seen: dict[Hashable, None] = {}
    tries = 0
    while len(seen) < n:
        seen.setdefault(space.sample(rng), None)
        tries += 1
        if tries > 100 * n:
            raise InvalidArgument(f"could not draw {n} distinct architectures from space {space.name!r}")
    return list(seen)


def _unique(archs: list[Hashable]) -> list[Hashable]:
    return list(dict.fromkeys(archs))


# --- the work shipped to workers ----------------------------------------------------------------------
@dataclass(frozen=True)
class ScoringContext:
    """What every task needs; sent to workers once per run. The space travels by name."""

    space: str
    inputs: Any = None
    targets: Any = None
    num_classes: int = 10
    seed: int = 0
    dataset: str = "cifar10"
    plugins: tuple[str, ...] = ()
    threads: int = 1
    data_dir: str | None = None  # for heuristics that load more data (training-based scores)


@dataclass(frozen=True)
class TaskResult:
    """One heuristic's outcome on one architecture."""

    heuristic: str
    value: float
    seconds: float
    flops: float | None
    error: str | None


def score_arch(item: tuple[str, tuple[str, ...]], ctx: ScoringContext) -> list[TaskResult]:
    """Score one architecture (given by its string) with several heuristics; failures become results.

    Runs with ``ctx.threads`` torch threads (restored afterwards): float reductions depend on the thread
    count, so fixing it makes every executor give identical results.
    """
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(ctx.threads)
    try:
        return _score_arch(item, ctx)
    finally:
        torch.set_num_threads(previous)


def _score_arch(item: tuple[str, tuple[str, ...]], ctx: ScoringContext) -> list[TaskResult]:
    from archrank.heuristics import HEURISTICS, ScoreContext, evaluate

    load_plugins(ctx.plugins)
    arch_text, names = item
    space = get_space(ctx.space)
    arch = space.parse(arch_text)
    out = []
    for name in names:
        h = HEURISTICS.get(name)
        sc = ScoreContext(arch=arch, space=space, inputs=ctx.inputs, targets=ctx.targets,
                          num_classes=ctx.num_classes, seed=ctx.seed, dataset=ctx.dataset,
                          extras={"data_dir": ctx.data_dir} if ctx.data_dir is not None else {})
        t0 = time.perf_counter()
        try:
            r = evaluate(h, sc)
        except Exception as e:  # noqa: BLE001 - any failure is recorded with its reason; the run goes on
            out.append(TaskResult(name, float("nan"), time.perf_counter() - t0, None,
                                  f"{type(e).__name__}: {e}".strip()))
        else:
            out.append(TaskResult(name, r.value, r.seconds, r.flops, r.error))
    return out


# --- the run ----------------------------------------------------------------------------------
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


def num_classes_of(dataset: str) -> int:
    """Number of classes of a data set (from the data catalogue)."""
    from archrank.data.catalog import dataset_info

    return dataset_info(dataset).num_classes


def load_batch(dataset: str, batch_size: int, seed: int, data_dir: str | os.PathLike | None) -> tuple[Any, Any]:
    """One batch of task data, as every heuristic of a run sees it."""
    from archrank import data

    one_batch = getattr(data, "one_batch", None)
    if one_batch is None:  # pragma: no cover - only while the data package is incomplete
        raise InvalidArgument("this archrank has no data loader (archrank.data.one_batch)")
    return one_batch(dataset, batch_size, seed, data_dir)


def run_scoring(
    *,
    space: str | SearchSpace,
    archs: str | Sequence[Any],
    heuristics: Sequence[str],
    dataset: str,
    store: Store,
    data_dir: str | os.PathLike | None = None,
    batch_size: int = 64,
    seed: int = 0,
    executor: Executor | None = None,
    batch: tuple[Any, Any] | None = None,
    num_classes: int | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    threads: int = 1,
) -> ScoringSummary:
    """Score ``archs`` of ``space`` with ``heuristics`` on one ``batch_size`` batch of ``dataset``.

    ``batch`` (inputs, targets) overrides loading the data; ``retry_failed`` recomputes stored failures;
    ``threads`` is the number of torch threads each task uses (the same in every executor, so that results
    are identical; one thread per task is also the fastest use of a busy machine).
    Returns a :class:`ScoringSummary`.  See the module docstring for the guarantees.
    """
    from archrank.heuristics import HEURISTICS

    t_start = time.perf_counter()
    plugins = load_plugins()
    sp = get_space(space) if isinstance(space, str) else space
    if isinstance(heuristics, str):
        heuristics = heuristics.split(",")
    names = list(dict.fromkeys(h.strip() for h in heuristics if h.strip()))
    if not names:
        raise InvalidArgument("no heuristics given; valid choices: " + ", ".join(HEURISTICS.names()))
    hs = [HEURISTICS.get(n) for n in names]
    if batch_size < 1:
        raise InvalidArgument(f"batch size must be positive, got {batch_size}")
    if threads < 1:
        raise InvalidArgument(f"threads must be positive, got {threads}")
    selection = select_archs(sp, archs, seed)

    # Identity of every selected architecture, and its canonical class.
    strings = [sp.format(a) for a in selection]
    canon = [sp.canonical(a) for a in selection]
    indices: list[int | None] = [None] * len(selection)
    if sp.size is not None:
        indices = [sp.arch_to_index(a) for a in selection]
    classes: dict[str, list[str]] = {}
    for s, c in zip(strings, canon):
        classes.setdefault(c, []).append(s)

    store.put_archs(sp.name, zip(strings, canon, indices))
    store.put_heuristics(HeuristicInfo(h.name, h.higher_is_better, tuple(sorted(h.needs)), h.description) for h in hs)
    config = {"space": sp.name, "archs": archs if isinstance(archs, str) else strings, "heuristics": names,
              "dataset": dataset, "batch_size": batch_size, "seed": seed}
    run_id = store.open_run("score", config)
    setting = {"space": sp.name, "dataset": dataset, "batch_size": batch_size, "seed": seed}
    summary = ScoringSummary(run_id=run_id, n_archs=len(selection), n_classes=len(classes))

    held = store.score_keys(**setting, include_errors=not retry_failed)
    summary.held = sum((s, n) in held for s in strings for n in names)

    # Fill gaps from stored class members; collect what must be computed.
    existing: dict[tuple[str, str], ScoreRecord] | None = None
    copies: list[ScoreRecord] = []
    todo: dict[str, list[str]] = {}  # representative -> heuristics to compute
    members_of: dict[tuple[str, str], list[str]] = {}  # (representative, heuristic) -> archs to record
    singletons = [[x] for x in strings]
    for n in names:
        # Structural heuristics (params, FLOPs) differ between class members: computed per architecture.
        invariant = getattr(HEURISTICS.get(n), "canonical_invariant", True)
        for members in classes.values() if invariant else singletons:
            missing = [m for m in members if (m, n) not in held]
            if not missing:
                continue
            have = [m for m in members if (m, n) in held]
            if have:
                if existing is None:
                    existing = {(r.arch, r.heuristic): r for r in store.scores(**setting)}
                src = existing[(have[0], n)]
                origin = src.source_arch or src.arch
                copies += [_record(setting, m, n, src.value, src.seconds, src.flops, src.error, m == origin,
                                   origin, run_id) for m in missing]
            else:
                todo.setdefault(missing[0], []).append(n)
                members_of[(missing[0], n)] = missing
    if copies:
        summary.copied = store.put_scores(copies, replace=retry_failed)
        summary.recorded += summary.copied

    if todo:
        needs_data = any(HEURISTICS.get(n).needs & _DATA_NEEDS for ns in todo.values() for n in ns)
        inputs = targets = None
        if batch is not None:
            inputs, targets = batch
        elif needs_data:
            inputs, targets = load_batch(dataset, batch_size, seed, data_dir)
        if num_classes is None:
            num_classes = num_classes_of(dataset)
        ctx = ScoringContext(space=sp.name, inputs=inputs, targets=targets, num_classes=num_classes,
                             seed=seed, dataset=dataset, plugins=plugins, threads=threads,
                             data_dir=None if data_dir is None else str(data_dir))
        items = [(rep, tuple(ns)) for rep, ns in todo.items()]
        own_executor = executor is None
        ex = LocalExecutor() if executor is None else executor
        bar = _progress(len(items), progress)
        try:
            for i, results in ex.imap_unordered(score_arch, items, ctx):
                rep = items[i][0]
                recs = []
                for r in results:
                    summary.computed += 1
                    if r.error is not None:
                        summary.failed += 1
                        summary.failures.append((rep, r.heuristic, r.error))
                    recs += [_record(setting, m, r.heuristic, r.value, r.seconds, r.flops, r.error, m == rep, rep,
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


def _record(setting: dict, arch: str, heuristic: str, value: float, seconds: float | None, flops: float | None,
            error: str | None, computed: bool, source: str, run_id: int) -> ScoreRecord:
    return ScoreRecord(setting["space"], arch, heuristic, setting["dataset"], setting["batch_size"],
                       setting["seed"], value, seconds, flops, error, computed,
                       None if computed else source, run_id)


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="arch", desc="scoring", file=sys.stderr, disable=not enabled,
                dynamic_ncols=True, mininterval=0.5)
