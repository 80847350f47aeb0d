"""Training runs: train architectures under a regime and record each result in a store, resumably.

:func:`run_training` selects architectures exactly as a scoring run does (``random:N`` with the same seed
gives the same architectures), trains each one the store does not hold yet under the
:class:`~archrank.run.setting.TrainSetting` (one task per architecture on the chosen executor, local or
Ray) and writes its result the moment it arrives:

* a :class:`~archrank.store.TrainingRecord` ``(space, arch, regime label, dataset, seed)`` with the metrics
  (validation accuracy and loss, training accuracy and loss, epochs), wall seconds and training FLOPs;
* with ``score_record=True``, a score of heuristic ``train_<regime>`` (value: validation accuracy), so that
  ``archrank correlate`` ranks the regime like any proxy.

A single architecture is a run of one (``archrank train``).  The run is keyed by its configuration and
what the store already holds is skipped, so the same call after ``kill -9`` trains only the missing
architectures.  ``checkpoint_dir`` (or ``checkpoint``, a file, for a run of one) lets a killed training
resume from its last finished epoch.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archrank.errors import InvalidArgument
from archrank.run.selection import identities, select_archs
from archrank.run.setting import TrainSetting

_DATA: dict[tuple, Any] = {}
METRICS = ("valid_acc", "valid_loss", "train_acc", "train_loss", "epochs", "train_seconds", "forward_flops")


@dataclass(frozen=True)
class TrainingTask:
    """What every training task needs (shipped once per run to the workers)."""

    setting: TrainSetting
    num_classes: int
    checkpoint_dir: str | None = None
    checkpoint: str | None = None


@dataclass
class TrainingSummary:
    """What a training run did; ``results`` holds one dict per architecture trained now or held."""

    run_id: int | None
    n_archs: int
    held: int = 0
    trained: int = 0
    seconds: float = 0.0
    results: list[dict[str, Any]] = field(default_factory=list)


def score_name(regime: str) -> str:
    """The heuristic name under which a regime's accuracies are stored as scores."""
    from archrank.train.regimes import parse_regime

    return f"train_{parse_regime(regime).name}"


def training_data(setting: TrainSetting):
    """``(train, valid)`` tensors of the setting (cached for the last setting, per process)."""
    key = (setting.dataset, setting.data_dir, setting.train_limit, setting.valid_limit, setting.seed,
           setting.channels, setting.image_size)
    if key not in _DATA:
        from archrank.data import as_tensors, load_dataset

        opts = {"data_dir": setting.data_dir, "seed": setting.seed, "channels": setting.channels,
                "image_size": setting.image_size}
        tr = as_tensors(load_dataset(setting.dataset, split="train", limit=setting.train_limit, **opts))
        va = as_tensors(load_dataset(setting.dataset, split="test", limit=setting.valid_limit, **opts))
        _DATA.clear()
        _DATA[key] = (tr, va)
    return _DATA[key]


def train_one(arch_text: str, task: TrainingTask) -> dict[str, Any]:
    """Train one architecture (given by its string) under the task's setting; a picklable task."""
    from archrank.spaces import get_space
    from archrank.train.regimes import train_under_regime

    s = task.setting
    space = get_space(s.space)
    arch = space.parse(arch_text)
    train_data, valid_data = training_data(s)
    ckpt = task.checkpoint
    if ckpt is None and task.checkpoint_dir:
        digest = hashlib.sha1(f"{s.space}|{arch_text}|{s.regime}|{s.dataset}|{s.seed}".encode()).hexdigest()
        ckpt = str(Path(task.checkpoint_dir) / f"{digest[:16]}.pt")
    t0 = time.perf_counter()
    res = train_under_regime(space, arch, s.parsed_regime(), train_data, valid_data=valid_data,
                             num_classes=task.num_classes, seed=s.seed, base_config=s.base_config(),
                             checkpoint=ckpt)
    seconds = time.perf_counter() - t0
    if task.checkpoint is None and ckpt and os.path.exists(ckpt):
        os.remove(ckpt)
    return {"arch": arch_text, "valid_acc": res.valid_acc, "valid_loss": res.valid_loss, "train_acc": res.train_acc,
            "train_loss": res.train_loss, "epochs": res.epochs, "seconds": seconds, "train_seconds": res.seconds,
            "flops": res.train_flops, "forward_flops": res.forward_flops, "resumed_from": res.resumed_from}


def run_training(
    setting: TrainSetting,
    *,
    archs: str | Sequence[Any],
    store: Any = None,
    executor: Any = None,
    num_classes: int | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    checkpoint: str | os.PathLike | None = None,
    score_record: bool = True,
    kind: str = "train",
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> TrainingSummary:
    """Train ``archs`` of ``setting.space`` under ``setting`` into ``store`` (resumable; no store: nothing
    recorded, everything trained).  ``checkpoint`` is a checkpoint file for a run of one architecture;
    ``kind`` names the run in the store (runs are keyed by kind and configuration)."""
    from archrank.data import num_classes_of
    from archrank.execution import LocalExecutor
    from archrank.spaces import get_space
    from archrank.store import HeuristicInfo, ScoreRecord, TrainingRecord

    t_start = time.perf_counter()
    sp = get_space(setting.space)
    selection = select_archs(sp, archs, setting.seed)
    if checkpoint is not None and len(selection) != 1:
        raise InvalidArgument(f"checkpoint is a file for a run of one architecture; this run has {len(selection)} "
                              "(pass checkpoint_dir instead)", parameter="checkpoint")
    ids = identities(sp, selection)
    strings = [s for s, _, _ in ids]
    label, hname = setting.record_regime, score_name(setting.regime)
    summary = TrainingSummary(run_id=None, n_archs=len(strings))
    held_recs: dict[str, Any] = {}
    if store is not None:
        store.put_archs(sp.name, ids)
        if score_record:
            store.put_heuristics([HeuristicInfo(hname, True, ("data", "labels", "training"),
                                                f"validation accuracy after training under regime {label}")])
        config = {"space": sp.name, "archs": archs if isinstance(archs, str) else strings, "regime": label,
                  "dataset": setting.dataset, "seed": setting.seed, "valid_limit": setting.valid_limit,
                  "batch_size": setting.batch_size, "train_limit": setting.train_limit}
        summary.run_id = store.open_run(kind, config)
        held_recs = {r.arch: r for r in store.training(space=sp.name, regime=label, dataset=setting.dataset,
                                                       seed=setting.seed) if r.arch in set(strings)}

    def score_of(rec: TrainingRecord) -> ScoreRecord:
        return ScoreRecord(sp.name, rec.arch, hname, setting.dataset, setting.batch_size, setting.seed,
                           float(rec.metrics.get("valid_acc", float("nan"))), rec.seconds, rec.flops, None, True,
                           None, rec.run_id)

    if score_record and held_recs:
        # a kill between the two writes of an earlier run leaves a training record without its score: backfill
        store.put_scores([score_of(r) for r in held_recs.values()])
    for s in strings:
        if s in held_recs:
            r = held_recs[s]
            summary.results.append({"arch": s, **r.metrics, "seconds": r.seconds, "flops": r.flops, "held": True})
    todo = [s for s in strings if s not in held_recs]
    summary.held = len(strings) - len(todo)
    if todo:
        task = TrainingTask(setting=setting, num_classes=num_classes_of(setting.dataset) if num_classes is None
                            else num_classes,
                            checkpoint_dir=None if checkpoint_dir is None else str(checkpoint_dir),
                            checkpoint=None if checkpoint is None else str(checkpoint))
        own = executor is None
        ex = LocalExecutor() if own else executor
        try:
            for _, out in ex.imap_unordered(train_one, todo, task):
                if store is not None:
                    rec = TrainingRecord(sp.name, out["arch"], label, setting.dataset, setting.seed,
                                         {k: out[k] for k in METRICS}, out["seconds"], out["flops"], summary.run_id)
                    store.put_training([rec])
                    if score_record:
                        store.put_scores([score_of(rec)])
                summary.trained += 1
                summary.results.append(out)
                if on_result is not None:
                    on_result(out)
        finally:
            if own:
                ex.close()
    if store is not None:
        store.finish_run(summary.run_id)
    summary.seconds = time.perf_counter() - t_start
    return summary
