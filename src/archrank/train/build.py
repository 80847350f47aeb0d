"""Build your own benchmark: train architectures under a regime and record them in the store.

:func:`run_build` selects architectures exactly as ``archrank score`` does (``random:N`` with the same
seed gives the same architectures), trains each one not yet stored under the regime (one task per
architecture on the chosen executor, local or Ray) and writes its result the moment it arrives, in one
transaction:

* a :class:`~archrank.store.TrainingRecord` ``(space, arch, regime, dataset, seed)`` with the metrics
  (validation accuracy and loss, training accuracy and loss, epochs), wall seconds and training FLOPs;
* a score record of heuristic ``train_<regime>`` (value: validation accuracy), so that
  ``archrank correlate --store S --benchmark TABLE --metric COLUMN`` ranks the regime like any proxy.

Resuming: the run is keyed by its configuration, and what the store already holds is skipped, so the
same command after ``kill -9`` trains only the missing architectures; a record is never half-written and
never duplicated (the store's natural keys).  With ``checkpoint_dir`` a killed training also resumes from
its last finished epoch.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archrank.errors import InvalidArgument
from archrank.train.regimes import parse_regime

_DATA: dict[tuple, Any] = {}


@dataclass(frozen=True)
class BuildContext:
    """What every training task needs (shipped once per run to the workers)."""

    space: str
    regime: str
    dataset: str
    data_dir: str | None
    seed: int
    num_classes: int
    valid_limit: int
    batch_size: int
    checkpoint_dir: str | None = None
    train_limit: int | None = None


@dataclass
class BuildSummary:
    run_id: int
    n_archs: int
    held: int = 0
    trained: int = 0
    seconds: float = 0.0
    results: list[tuple[str, float]] = field(default_factory=list)


def score_name(regime: str) -> str:
    return f"train_{parse_regime(regime).name}"


def _data(ctx: BuildContext):
    key = (ctx.dataset, ctx.data_dir, ctx.valid_limit, ctx.train_limit, ctx.seed)
    if key not in _DATA:
        from archrank.data import load_dataset
        from archrank.heuristics.training_scores import as_tensors

        tr = as_tensors(load_dataset(ctx.dataset, split="train", data_dir=ctx.data_dir, limit=ctx.train_limit,
                                     seed=ctx.seed))
        va = as_tensors(load_dataset(ctx.dataset, split="test", data_dir=ctx.data_dir, limit=ctx.valid_limit,
                                     seed=ctx.seed))
        _DATA.clear()
        _DATA[key] = (tr, va)
    return _DATA[key]


def train_one(arch_text: str, ctx: BuildContext) -> dict[str, Any]:
    """Train one architecture (given by its string) under the context's regime; a picklable task."""
    from archrank.spaces import get_space
    from archrank.train.regimes import train_under_regime
    from archrank.train.trainer import TrainConfig

    space = get_space(ctx.space)
    arch = space.parse(arch_text)
    train_data, valid_data = _data(ctx)
    ckpt = None
    if ctx.checkpoint_dir:
        digest = hashlib.sha1(f"{ctx.space}|{arch_text}|{ctx.regime}|{ctx.dataset}|{ctx.seed}".encode()).hexdigest()
        ckpt = str(Path(ctx.checkpoint_dir) / f"{digest[:16]}.pt")
    t0 = time.perf_counter()
    res = train_under_regime(space, arch, ctx.regime, train_data, valid_data=valid_data,
                             num_classes=ctx.num_classes, seed=ctx.seed,
                             base_config=TrainConfig(batch_size=ctx.batch_size), checkpoint=ckpt)
    seconds = time.perf_counter() - t0
    if ckpt and os.path.exists(ckpt):
        os.remove(ckpt)
    return {"arch": arch_text, "valid_acc": res.valid_acc, "valid_loss": res.valid_loss, "train_acc": res.train_acc,
            "train_loss": res.train_loss, "epochs": res.epochs, "seconds": seconds, "train_seconds": res.seconds,
            "flops": res.train_flops, "forward_flops": res.forward_flops}


def run_build(
    *,
    space: str,
    archs: str | Sequence[Any],
    regime: str,
    dataset: str,
    store: Any,
    data_dir: str | os.PathLike | None = None,
    seed: int = 0,
    executor: Any = None,
    valid_limit: int = 2000,
    batch_size: int = 256,
    train_limit: int | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    on_result: Any = None,
) -> BuildSummary:
    """Train ``archs`` of ``space`` under ``regime`` on ``dataset`` into ``store`` (resumable)."""
    from archrank.execution import LocalExecutor
    from archrank.scoring import num_classes_of, select_archs
    from archrank.spaces import get_space
    from archrank.store import HeuristicInfo, ScoreRecord, TrainingRecord

    t_start = time.perf_counter()
    reg = parse_regime(regime)
    if valid_limit < 1 or batch_size < 1:
        raise InvalidArgument(f"valid_limit and batch_size must be positive (got {valid_limit}, {batch_size})")
    sp = get_space(space)
    selection = select_archs(sp, archs, seed)
    strings = [sp.format(a) for a in selection]
    indices = [sp.arch_to_index(a) for a in selection] if sp.size is not None else [None] * len(selection)
    store.put_archs(sp.name, zip(strings, [sp.canonical(a) for a in selection], indices))
    hname = score_name(reg.name)
    store.put_heuristics([HeuristicInfo(hname, True, ("data", "labels", "training"),
                                        f"validation accuracy after training under regime {reg.name}")])
    config = {"space": sp.name, "archs": archs if isinstance(archs, str) else strings, "regime": reg.name,
              "dataset": dataset, "seed": seed, "valid_limit": valid_limit, "batch_size": batch_size,
              "train_limit": train_limit}
    run_id = store.open_run("bench_build", config)
    summary = BuildSummary(run_id=run_id, n_archs=len(strings))

    def score_of(rec: TrainingRecord) -> ScoreRecord:
        return ScoreRecord(sp.name, rec.arch, hname, dataset, batch_size, seed,
                           float(rec.metrics.get("valid_acc", float("nan"))), rec.seconds, rec.flops, None, True,
                           None, rec.run_id)

    held_recs = {r.arch: r for r in store.training(space=sp.name, regime=reg.name, dataset=dataset, seed=seed)}
    # a kill between the two writes of an earlier run leaves a training record without its score: backfill
    store.put_scores([score_of(r) for a, r in held_recs.items() if a in set(strings)])
    todo = [s for s in strings if s not in held_recs]
    summary.held = len(strings) - len(todo)
    if todo:
        ctx = BuildContext(space=sp.name, regime=reg.name, dataset=dataset,
                           data_dir=None if data_dir is None else str(data_dir), seed=seed,
                           num_classes=num_classes_of(dataset), valid_limit=valid_limit, batch_size=batch_size,
                           checkpoint_dir=None if checkpoint_dir is None else str(checkpoint_dir),
                           train_limit=train_limit)
        own = executor is None
        ex = LocalExecutor() if own else executor
        try:
            for _, out in ex.imap_unordered(train_one, todo, ctx):
                metrics = {k: out[k] for k in ("valid_acc", "valid_loss", "train_acc", "train_loss", "epochs",
                                               "train_seconds", "forward_flops")}
                rec = TrainingRecord(sp.name, out["arch"], reg.name, dataset, seed, metrics, out["seconds"],
                                     out["flops"], run_id)
                store.put_training([rec])
                store.put_scores([score_of(rec)])
                summary.trained += 1
                summary.results.append((out["arch"], out["valid_acc"]))
                if on_result is not None:
                    on_result(out)
        finally:
            if own:
                ex.close()
    store.finish_run(run_id)
    summary.seconds = time.perf_counter() - t_start
    return summary
