"""Training runs: train architectures under a regime and record each result in a store, resumably.

:func:`run_training` selects architectures exactly as a scoring run does (``random:N`` with the same seed
gives the same architectures), trains each one the store does not hold yet under the
:class:`~archrank.run.setting.TrainSetting` (one task per architecture on the chosen executor, local or
Ray) and writes its result the moment it arrives:

* a :class:`~archrank.store.TrainingRecord` ``(space, arch, regime key, dataset, seed)`` with the metrics
  (validation accuracy and loss, training accuracy and loss, epochs), wall seconds and training FLOPs;
* with ``score_record=True``, a score of heuristic ``train_<regime key>`` (value: validation accuracy), so
  that ``archrank correlate`` ranks the regime like any proxy.

The regime key (:func:`training_key`) holds every setting that changes a result: the regime's name (or the
setting's ``label``) alone when the rest is at :class:`TrainSetting`'s defaults, else followed by each
setting that differs, as a short code (:data:`KEY_CODES`): ``c0r0e0s1/ep1/n500`` is one base epoch on 500
training images.  Two runs that would train differently
are never stored under one key.  Every argument (space, selection, data set and its files) is checked
before the store is touched; SIGINT/SIGTERM mark the run ``interrupted`` (:mod:`archrank.run.guard`).

A single architecture is a run of one (``archrank train``).  The run is keyed by its configuration and
what the store already holds is skipped, so the same call after ``kill -9`` trains only the missing
architectures.  ``checkpoint_dir`` (or ``checkpoint``, a file, for a run of one) lets a killed training
resume from its last finished epoch; a checkpoint records its space, architecture, dataset, seed and
regime key, and one written for anything else is refused with one line.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archrank.errors import InvalidArgument
from archrank.run.guard import guarded_run
from archrank.run.selection import identities, select_archs
from archrank.run.setting import TrainSetting

if TYPE_CHECKING:
    from archrank.store.base import Store

_DATA: dict[tuple, Any] = {}
_DATA_CHECKED: frozenset[str] = frozenset({"synthetic"})  # data sets with no files to look for
METRICS = ("valid_acc", "valid_loss", "train_acc", "train_loss", "epochs", "train_seconds", "forward_flops")
#: What ``on_epoch`` receives about each epoch (valid_* are None without validation data).
EPOCH_METRICS = ("train_loss", "train_acc", "valid_loss", "valid_acc", "lr", "seconds")


@dataclass(frozen=True)
class TrainingTask:
    """What every training task needs (shipped once per run to the workers)."""

    setting: TrainSetting
    num_classes: int
    checkpoint_dir: str | None = None
    checkpoint: str | None = None
    on_epoch: Callable[[str, int, int, dict[str, Any]], None] | None = None  # in-process runs only


@dataclass
class TrainingSummary:
    """What a training run did; ``results`` holds one dict per architecture trained now or held."""

    run_id: int | None
    n_archs: int
    held: int = 0
    trained: int = 0
    seconds: float = 0.0
    results: list[dict[str, Any]] = field(default_factory=list)


#: The settings that change a training result besides space, architecture, data set and seed, in key order,
#: and the code each is written with in a regime key when it differs from its default (None reads "all").
KEY_CODES = {"base_epochs": "ep", "batch_size": "bs", "lr": "lr", "weight_decay": "wd", "augment": "aug",
             "train_limit": "n", "valid_limit": "v", "channels": "ch", "image_size": "px"}


def training_key(setting: TrainSetting) -> str:
    """The regime key a training result of ``setting`` is stored under (see the module docstring)."""
    defaults = {f.name: f.default for f in dataclasses.fields(TrainSetting)}
    parts = [setting.record_regime]
    for name, code in KEY_CODES.items():
        value = getattr(setting, name)
        if value != defaults[name]:
            text = "all" if value is None else (str(int(value)) if isinstance(value, bool) else f"{value:g}"
                                               if isinstance(value, float) else str(value))
            parts.append(code + text)
    return "/".join(parts)


def score_name(regime: str | TrainSetting) -> str:
    """The heuristic name under which a regime's (or a setting's) accuracies are stored as scores."""
    from archrank.train.regimes import parse_regime

    if isinstance(regime, TrainSetting):
        return f"train_{training_key(regime)}"
    return f"train_{parse_regime(regime).name}"


def checkpoint_owner(setting: TrainSetting, arch_text: str) -> dict[str, Any]:
    """What a training checkpoint of ``arch_text`` under ``setting`` records as its owner."""
    return {"space": setting.space, "arch": arch_text, "dataset": setting.dataset, "seed": int(setting.seed),
            "regime": training_key(setting)}


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
    owner = checkpoint_owner(s, arch_text)
    if ckpt is None and task.checkpoint_dir:
        ckpt = str(arch_checkpoint(s, task.checkpoint_dir, arch_text))
    hook = None
    if task.on_epoch is not None:
        def hook(rec, epochs: int) -> None:
            task.on_epoch(arch_text, rec.epoch, epochs, {k: getattr(rec, k) for k in EPOCH_METRICS})
    t0 = time.perf_counter()
    res = train_under_regime(space, arch, s.parsed_regime(), train_data, valid_data=valid_data,
                             num_classes=task.num_classes, seed=s.seed, base_config=s.base_config(),
                             checkpoint=ckpt, owner=owner, on_epoch=hook)
    seconds = time.perf_counter() - t0
    if task.checkpoint is None and ckpt and os.path.exists(ckpt):
        os.remove(ckpt)
    return {"arch": arch_text, "valid_acc": res.valid_acc, "valid_loss": res.valid_loss, "train_acc": res.train_acc,
            "train_loss": res.train_loss, "epochs": res.epochs, "seconds": seconds, "train_seconds": res.seconds,
            "flops": res.train_flops, "forward_flops": res.forward_flops, "resumed_from": res.resumed_from}


def check_training_args(setting: TrainSetting, archs: str | Sequence[Any]) -> list[Any]:
    """Check a training run's arguments without touching any store: the seed, the selection, the data set's
    name, and its files, which are read (and kept for the run, :func:`training_data`), so that a missing,
    corrupt or unsafe file fails here, before a store is opened.  Returns the selected architectures."""
    from archrank.data import num_classes_of
    from archrank.data.catalog import locate, missing_error
    from archrank.spaces import get_space

    if int(setting.seed) < 0:
        raise InvalidArgument(f"seed must be a non-negative integer, got {setting.seed}", parameter="seed")
    selection = select_archs(get_space(setting.space), archs, setting.seed)
    num_classes_of(setting.dataset)
    if setting.dataset not in _DATA_CHECKED and locate(setting.dataset, setting.data_dir) is None:
        raise missing_error(setting.dataset, setting.data_dir)
    training_data(setting)
    return selection


def arch_checkpoint(setting: TrainSetting, checkpoint_dir: str | os.PathLike, arch_text: str) -> Path:
    """The checkpoint file of ``arch_text`` in ``checkpoint_dir``: named after what it belongs to."""
    owner = checkpoint_owner(setting, arch_text)
    digest = hashlib.sha1("|".join(str(owner[k]) for k in sorted(owner)).encode()).hexdigest()
    return Path(checkpoint_dir) / f"{digest[:16]}.pt"


def run_training(
    setting: TrainSetting,
    *,
    archs: str | Sequence[Any],
    store: Store | str | os.PathLike | None = None,
    executor: Any = None,
    num_classes: int | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    checkpoint: str | os.PathLike | None = None,
    score_record: bool = True,
    kind: str = "train",
    on_result: Callable[[dict[str, Any]], None] | None = None,
    on_epoch: Callable[[str, int, int, dict[str, Any]], None] | None = None,
) -> TrainingSummary:
    """Train ``archs`` of ``setting.space`` under ``setting`` into ``store`` (resumable; no store: nothing
    recorded, everything trained).  ``store`` is a :class:`~archrank.store.base.Store` or a location for
    :func:`archrank.store.open_store` (a path or ``memory://``), opened only once the arguments are checked.  ``checkpoint`` is a checkpoint file for a run of one architecture;
    ``kind`` names the run in the store (runs are keyed by kind and configuration).  ``on_result(result)``
    is called as each architecture's result arrives; ``on_epoch(arch, epoch, epochs, metrics)`` after each
    epoch trained now (``epoch`` counts from 1 of ``epochs``; ``metrics`` holds :data:`EPOCH_METRICS`), which
    needs the tasks to run in this process (no executor, or a local one with one worker)."""
    from archrank.data import num_classes_of
    from archrank.execution import LocalExecutor
    from archrank.spaces import get_space
    from archrank.store import HeuristicInfo, ScoreRecord, TrainingRecord

    t_start = time.perf_counter()
    sp = get_space(setting.space)
    selection = check_training_args(setting, archs)
    if checkpoint is not None and len(selection) != 1:
        raise InvalidArgument(f"checkpoint is a file for a run of one architecture; this run has {len(selection)} "
                              "(pass checkpoint_dir instead)", parameter="checkpoint")
    if on_epoch is not None and executor is not None and not (
            isinstance(executor, LocalExecutor) and min(executor.workers, len(selection)) == 1):
        raise InvalidArgument("on_epoch is called in the process that trains: it needs tasks run in this process "
                              "(no executor, or a local one with one worker)", parameter="on_epoch")
    from archrank.train.checkpoint import load_file

    held_files = [Path(checkpoint)] if checkpoint is not None else (
        [arch_checkpoint(setting, checkpoint_dir, s) for s, _, _ in identities(sp, selection)] if checkpoint_dir
        else [])
    for f in held_files:
        if f.is_file():
            load_file(f)  # an unreadable or unsafe file fails here, before the store is touched
    n_classes = num_classes_of(setting.dataset) if num_classes is None else num_classes
    if store is not None and isinstance(store, (str, os.PathLike)):  # a location, as run_scoring takes
        from archrank.store import open_store

        with open_store(store) as opened:
            return run_training(setting, archs=archs, store=opened, executor=executor, num_classes=num_classes,
                                checkpoint_dir=checkpoint_dir, checkpoint=checkpoint, score_record=score_record,
                                kind=kind, on_result=on_result, on_epoch=on_epoch)
    ids = identities(sp, selection)
    strings = [s for s, _, _ in ids]
    label, hname = training_key(setting), score_name(setting)
    summary = TrainingSummary(run_id=None, n_archs=len(strings))
    held_recs: dict[str, Any] = {}
    if store is not None:
        store.put_archs(sp.name, ids)
        if score_record:
            store.put_heuristics([HeuristicInfo(hname, True, ("data", "labels", "training"),
                                                f"validation accuracy after training under regime {label}")])
        config = {"space": sp.name, "archs": archs if isinstance(archs, str) else strings, "regime": label,
                  "dataset": setting.dataset, "seed": setting.seed}
        summary.run_id = store.open_run(kind, config)
        held_recs = {r.arch: r for r in store.training(space=sp.name, regime=label, dataset=setting.dataset,
                                                       seed=setting.seed) if r.arch in set(strings)}

    def score_of(rec: TrainingRecord) -> ScoreRecord:
        return ScoreRecord(sp.name, rec.arch, hname, setting.dataset, setting.batch_size, setting.seed,
                           float(rec.metrics.get("valid_acc", float("nan"))), rec.seconds, rec.flops, None, True,
                           None, rec.run_id)

    with guarded_run(store, summary.run_id):
        if score_record and held_recs:
            # a kill between the two writes of an earlier run leaves a training record without its score
            store.put_scores([score_of(r) for r in held_recs.values()])
        for s in strings:
            if s in held_recs:
                r = held_recs[s]
                summary.results.append({"arch": s, **r.metrics, "seconds": r.seconds, "flops": r.flops,
                                        "held": True})
        todo = [s for s in strings if s not in held_recs]
        summary.held = len(strings) - len(todo)
        if todo:
            task = TrainingTask(setting=setting, num_classes=n_classes,
                                checkpoint_dir=None if checkpoint_dir is None else str(checkpoint_dir),
                                checkpoint=None if checkpoint is None else str(checkpoint))
            own = executor is None
            ex = LocalExecutor() if own else executor
            if on_epoch is not None:
                task = dataclasses.replace(task, on_epoch=on_epoch)
            try:
                for _, out in ex.imap_unordered(train_one, todo, task):
                    if store is not None:
                        rec = TrainingRecord(sp.name, out["arch"], label, setting.dataset, setting.seed,
                                             {k: out[k] for k in METRICS}, out["seconds"], out["flops"],
                                             summary.run_id)
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
