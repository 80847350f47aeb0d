"""Building a table: the shards that are missing (or miss a column) computed through the normal scoring run.

:func:`build_table` lists a table's architectures, groups them by canonical class, partitions the classes
(:func:`archrank.tables.catalog.shard_of`) and, for every asked shard whose file is missing or lacks a
column (or holds a retired version of one), scores the shard's architectures with the missing heuristics
through :func:`archrank.run.run_scoring` into a scratch SQLite store (``<work>/<table>-shard-K-<versions digest>.db``: a
shard interrupted half-way resumes from it), then writes the shard file (merging the columns it already
had) and removes the scratch store.  Shards already complete are left as they are, so the same call
resumes a build from the shards present.  A shard is written only when no evaluation failed for a reason
of the environment (memory, a missing file...): those are retried by the next call.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument
from archrank.tables.catalog import EXCLUDED_NEEDS, TABLES, TableSpec, shard_of
from archrank.tables.shard import Shard, make_column, read_shard, shard_file_name, write_shard


@dataclass(frozen=True)
class ShardPlan:
    """The rows of one shard: architectures ordered by class (first member of each class first)."""

    index: int
    archs: list[str]
    classes: list[str]
    klass: list[int]


@dataclass
class BuildSummary:
    """What a build did."""

    table: str
    folder: Path
    written: list[int] = field(default_factory=list)
    complete_before: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)  # shards still missing a column (environment failures)
    seconds: float = 0.0


def table_heuristics(spec: TableSpec) -> list[str]:
    """Every registered heuristic a table holds: training-free (no ``training`` need), no resource file,
    applicable to the table's space."""
    from archrank.heuristics import HEURISTICS
    from archrank.run.context import resource_extras
    from archrank.spaces import get_space

    sp = get_space(spec.space)
    out = []
    for n in HEURISTICS.names():
        h = HEURISTICS.get(n)
        if h.needs & EXCLUDED_NEEDS or h.applies_to(sp) is not None:
            continue
        try:
            if resource_extras([n]):
                continue
        except InvalidArgument:  # needs a resource file that is not given: not a table column
            continue
        out.append(n)
    return out


def table_archs(spec: TableSpec, data_dir: str | os.PathLike | None = None) -> list[str]:
    """The architectures of a table, in their canonical notation and a fixed order."""
    from archrank.spaces import get_space

    sp = get_space(spec.space)
    if not isinstance(spec.archs, str):
        return list(dict.fromkeys(sp.format(sp.parse_any(a)) for a in spec.archs))
    if spec.archs == "all":
        return [sp.format(sp.index_to_arch(i)) for i in range(sp.size)]
    from archrank.suite.tasks import TASKS

    truth = TASKS.get(spec.name).ground_truth(data_dir)
    return list(dict.fromkeys(sp.format(sp.parse_any(a)) for a in truth))


def plan_shards(spec: TableSpec, archs: Sequence[str]) -> list[ShardPlan]:
    """The partition of ``archs`` into the table's shards (see the module docstring of the catalog)."""
    from archrank.spaces import get_space

    sp = get_space(spec.space)
    by_class: dict[str, list[str]] = {}
    for a in archs:
        by_class.setdefault(sp.canonical(sp.parse(a)), []).append(a)
    plans: dict[int, tuple[list[str], list[str], list[int]]] = {i: ([], [], []) for i in range(spec.n_shards)}
    for c, members in by_class.items():
        rows, classes, klass = plans[shard_of(c, spec.n_shards)]
        classes.append(c)
        rows += members
        klass += [len(classes) - 1] * len(members)
    return [ShardPlan(i, *plans[i]) for i in range(spec.n_shards)]


def parse_shards(text: str | Sequence[int] | None, n_shards: int) -> list[int]:
    """``None`` (all), ``"3,5,10-12"`` or a sequence: shard numbers, each checked against ``n_shards``."""
    if text is None:
        return list(range(n_shards))
    if isinstance(text, str):
        out: list[int] = []
        for part in text.split(","):
            part = part.strip()
            lo, _, hi = part.partition("-")
            if not part or not lo.isdigit() or (hi and not hi.isdigit()):
                raise InvalidArgument(f"bad shard list {text!r}: expected numbers and ranges such as 0,3,5-9",
                                      parameter="shards")
            out += range(int(lo), int(hi or lo) + 1)
    else:
        out = [int(i) for i in text]
    bad = [i for i in out if not 0 <= i < n_shards]
    if bad:
        raise InvalidArgument(f"shard {bad[0]} does not exist: the table has shards 0 to {n_shards - 1}",
                              parameter="shards")
    return list(dict.fromkeys(out))


def _column_info(h: Any, when: str, device: str) -> dict[str, Any]:
    import torch

    from archrank import __version__

    return {"version": h.version, "higher_is_better": h.higher_is_better,
            "canonical_invariant": h.canonical_invariant, "needs": sorted(h.needs), "archrank": __version__,
            "torch": torch.__version__, "date": when, "threads": 1, "device": device}


def _scratch_store(scratch: Path, name: str, shard: int, versions: dict[str, int]) -> Path:
    """The scratch store of a shard under way, named after the definition versions it holds (a store of other
    versions, left by a build before a definition changed, is removed: its scores must not be reused)."""
    import hashlib

    tag = hashlib.sha256(repr(sorted(versions.items())).encode()).hexdigest()[:10]
    db = scratch / f"{name}-shard-{shard}-{tag}.db"
    for old in scratch.glob(f"{name}-shard-{shard}-*.db*"):
        if not old.name.startswith(db.name):
            old.unlink()
    legacy = scratch / f"{name}-shard-{shard}.db"  # named without versions by earlier builds
    for suffix in ("", "-wal", "-shm"):
        Path(str(legacy) + suffix).unlink(missing_ok=True)
    return db


def _todo(existing: Shard | None, names: list[str], versions: dict[str, int]) -> list[str]:
    if existing is None:
        return list(names)
    return [n for n in names if n not in existing.columns or existing.columns[n].version != versions[n]]


def build_table(
    name: str,
    *,
    out: str | os.PathLike | None = None,
    shards: str | Sequence[int] | None = None,
    heuristics: str | Sequence[str] | None = None,
    skip: Sequence[str] = (),
    data_dir: str | os.PathLike | None = None,
    work: str | os.PathLike | None = None,
    workers: int = 1,
    device: str = "cpu",
    log: Callable[[str], None] | None = None,
) -> BuildSummary:
    """Compute the missing shards (or columns) of table ``name`` into ``out`` (default: the packaged folder).

    ``heuristics`` (default: :func:`table_heuristics` less ``skip``) are the columns wanted; ``shards`` the
    shard numbers (default all); ``work`` holds the scratch stores (default ``<out>/.partial``).
    """
    from archrank.execution import LocalExecutor
    from archrank.execution.device import resolve_device
    from archrank.heuristics import HEURISTICS
    from archrank.run import ScoreSetting, heuristic_names, load_plugins, run_scoring
    from archrank.store.failures import is_environment_error
    from archrank.tables.catalog import packaged_folder

    t0 = time.perf_counter()
    load_plugins()
    spec = TABLES.get(name)
    names = heuristic_names(heuristics) if heuristics is not None else table_heuristics(spec)
    names = [n for n in names if n not in set(skip)]
    if not names:
        raise InvalidArgument("no heuristics left to compute", parameter="heuristics")
    allowed = set(table_heuristics(spec))
    for n in names:
        if n not in allowed:
            raise InvalidArgument(f"heuristic {n!r} cannot be a column of table {name!r} (it needs training or "
                                  f"a resource file, or does not apply to {spec.space}); valid: "
                                  + ", ".join(sorted(allowed)), parameter="heuristics")
    hs = {n: HEURISTICS.get(n) for n in names}
    versions = {n: h.version for n, h in hs.items()}
    wanted = parse_shards(shards, spec.n_shards)
    folder = Path(out).expanduser() if out is not None else packaged_folder(name)
    scratch = (Path(work).expanduser() if work is not None else folder / ".partial")
    say = log or (lambda _m: None)
    setting = ScoreSetting(spec.space, dataset=spec.dataset, batch_size=spec.batch_size, seed=spec.seed,
                           data_dir=None if data_dir is None else str(data_dir), device=device)
    plans = plan_shards(spec, table_archs(spec, data_dir))
    summary = BuildSummary(name, folder)
    # The workers are kept from shard to shard: what they cache per process (the reference samples of the
    # ranker and az_nas stand-ins) is computed once for the whole build.
    executor = LocalExecutor(workers=int(workers), keep_workers=True)
    try:
        for i in wanted:
            plan = plans[i]
            path = folder / shard_file_name(i, spec.n_shards)
            existing = read_shard(path) if path.is_file() else None
            if existing is not None and existing.archs != plan.archs:
                raise InvalidArgument(f"{path} holds other architectures than shard {i} of table {name!r}; "
                                      "remove it to rebuild it")
            todo = _todo(existing, names, versions)
            if not todo:
                summary.complete_before.append(i)
                continue
            say(f"table {name}: shard {i} ({len(plan.classes)} classes, {len(plan.archs)} architectures): "
                f"computing {len(todo)} heuristic(s)")
            scratch.mkdir(parents=True, exist_ok=True)
            db = _scratch_store(scratch, name, i, versions)
            run = run_scoring(setting, archs=plan.archs, heuristics=todo, store=db, executor=executor,
                              num_classes=spec.num_classes, progress=sys.stderr.isatty())
            if any(is_environment_error(e) for *_, e in run.failures + run.stored_failures):
                summary.left.append(i)
                say(f"table {name}: shard {i} not written: failures of the environment (retried next time)")
                continue
            when = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d")
            shard = _shard_from_store(spec, plan, db, todo, hs, existing, when, resolve_device(device))
            write_shard(shard, folder)
            for suffix in ("", "-wal", "-shm"):
                Path(str(db) + suffix).unlink(missing_ok=True)
            summary.written.append(i)
            say(f"table {name}: shard {i} written ({time.perf_counter() - t0:.0f} s since the start)")
    finally:
        executor.close()
    summary.seconds = time.perf_counter() - t0
    return summary


def _shard_from_store(spec: TableSpec, plan: ShardPlan, db: Path, todo: list[str], hs: dict[str, Any],
                      existing: Shard | None, when: str, device: str) -> Shard:
    from archrank.store import open_store

    row = {a: r for r, a in enumerate(plan.archs)}
    columns = dict(existing.columns) if existing is not None else {}
    with open_store(db) as store:
        for n in todo:
            values = [np.nan] * len(plan.archs)
            seconds: list[float | None] = [None] * len(plan.archs)
            errors: dict[int, str] = {}
            seen = 0
            for r in store.scores(heuristic=n, **spec.protocol):
                k = row.get(r.arch)
                if k is None:
                    continue
                seen += 1
                values[k] = r.value
                seconds[k] = r.seconds
                if r.error is not None:
                    errors[k] = r.error
            if seen != len(plan.archs):
                raise InvalidArgument(f"shard {plan.index}: the scoring run left {len(plan.archs) - seen} "
                                      f"architectures without a {n} value")
            columns[n] = make_column(values, seconds, _column_info(hs[n], when, device), errors)
    return Shard(spec.name, plan.index, spec.n_shards, spec.protocol, list(plan.archs), list(plan.classes),
                 np.asarray(plan.klass, dtype=np.int32), columns)
