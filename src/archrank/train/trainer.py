"""Train a model to convergence (or to a reduced budget), with checkpoints and deterministic resume.

The defaults follow the NAS-Bench-201 schedule: SGD with Nesterov momentum 0.9, learning rate 0.1 decayed
to 0 by a per-step cosine schedule, weight decay 5e-4, batch 256, 200 epochs, and the standard CIFAR
augmentation (random crop after zero padding of 4 pixels at 32x32, horizontal flip).  Every field of
:class:`TrainConfig` can be changed.

Determinism: the order of the examples and the augmentation are drawn from one ``torch.Generator`` seeded
with ``config.seed``; its state is saved in every checkpoint, so a run that is killed and resumed from its
last completed epoch produces exactly the weights of an uninterrupted run (same machine, same thread count).
The model's initial weights are the caller's business (build it with ``archrank.models.build_model(...,
seed=...)``, as :meth:`archrank.heuristics.ScoreContext.build` does).

A checkpoint is written at the end of every epoch; what it holds, how it is written and when it is refused
is :mod:`archrank.train.checkpoint`.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from archrank.errors import InvalidArgument
from archrank.train.checkpoint import read_checkpoint, write_checkpoint

Tensors = tuple[torch.Tensor, torch.Tensor]


@dataclass
class TrainConfig:
    """Training hyper-parameters (NB201 schedule by default)."""

    epochs: int = 200
    batch_size: int = 256
    lr: float = 0.1
    min_lr: float = 0.0
    momentum: float = 0.9
    nesterov: bool = True
    weight_decay: float = 5e-4
    augment: bool = True
    crop_padding: int | None = None  # None: resolution // 8 (4 at 32x32)
    eval_batch_size: int = 500
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        if int(self.epochs) < 1:
            raise InvalidArgument(f"epochs must be >= 1, got {self.epochs!r}")
        if int(self.batch_size) < 1:
            raise InvalidArgument(f"batch_size must be >= 1, got {self.batch_size!r}")
        if not self.lr > 0:
            raise InvalidArgument(f"lr must be > 0, got {self.lr!r}")


@dataclass
class EpochRecord:
    epoch: int
    train_loss: float
    train_acc: float
    lr: float
    seconds: float
    valid_loss: float | None = None
    valid_acc: float | None = None


@dataclass
class TrainResult:
    """Final metrics (accuracies in %) and cost of one training run."""

    epochs: int
    train_loss: float
    train_acc: float
    valid_loss: float | None
    valid_acc: float | None
    seconds: float
    forward_flops: float | None  # per example, at the training resolution
    train_flops: float | None  # ~3x forward per example seen (forward + backward)
    history: list[EpochRecord] = field(default_factory=list)
    resumed_from: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["history"] = [asdict(h) for h in self.history]
        return d


def augment_batch(x: torch.Tensor, gen: torch.Generator, padding: int) -> torch.Tensor:
    """Random crop after zero padding and random horizontal flip, drawn from ``gen`` (NCHW batch)."""
    n, _, h, w = x.shape
    if padding > 0:
        xp = F.pad(x, (padding, padding, padding, padding))
        oy = torch.randint(0, 2 * padding + 1, (n,), generator=gen)
        ox = torch.randint(0, 2 * padding + 1, (n,), generator=gen)
        rows = (oy[:, None] + torch.arange(h))[:, None, :, None]  # n,1,h,1
        cols = (ox[:, None] + torch.arange(w))[:, None, None, :]  # n,1,1,w
        idx_n = torch.arange(n)[:, None, None, None]
        idx_c = torch.arange(x.shape[1])[None, :, None, None]
        x = xp[idx_n, idx_c, rows, cols]
    flip = torch.rand(n, generator=gen) < 0.5
    if bool(flip.any()):
        x = x.clone()
        x[flip] = x[flip].flip(-1)
    return x


@torch.no_grad()
def evaluate_model(model: nn.Module, data: Tensors, *, batch_size: int = 500, device: str = "cpu") -> tuple[float, float]:
    """(mean cross-entropy loss, accuracy in %) of ``model`` in eval mode on ``data``."""
    x, y = data
    if len(x) == 0:
        raise InvalidArgument("cannot evaluate on an empty data set")
    was_training = model.training
    model.eval()
    loss_sum, correct = 0.0, 0
    for i in range(0, len(x), batch_size):
        xb, yb = x[i : i + batch_size].to(device), y[i : i + batch_size].to(device)
        out = _logits(model(xb))
        loss_sum += float(F.cross_entropy(out, yb, reduction="sum"))
        correct += int((out.argmax(1) == yb).sum())
    model.train(was_training)
    return loss_sum / len(x), 100.0 * correct / len(x)


def _logits(out: Any) -> torch.Tensor:
    # some builders return (features, logits)
    if isinstance(out, (tuple, list)):
        return out[-1]
    return out


def count_forward_flops(model: nn.Module, input_shape: tuple[int, ...]) -> float | None:
    """Forward multiply-accumulates per example (``archrank.models.flops.count_flops``), ``None`` if unknown.

    ``input_shape`` is one example's shape (C, H, W).
    """
    try:
        from archrank.models.flops import count_flops
    except ImportError:
        return None
    try:
        return float(count_flops(model, (1, *tuple(input_shape)[-3:])))
    except Exception:  # noqa: BLE001 - FLOPs are informative; never fail a training run over them
        return None


def train(
    model: nn.Module,
    train_data: Tensors,
    *,
    config: TrainConfig | None = None,
    valid_data: Tensors | None = None,
    checkpoint: str | os.PathLike | None = None,
    stop_after: int | None = None,
    on_epoch: Callable[[EpochRecord, int], None] | None = None,
    owner: dict[str, Any] | None = None,
) -> TrainResult:
    """Train ``model`` in place on ``train_data`` = (images NCHW float, labels int64).

    ``checkpoint``: a file path; if it exists the run resumes after its last completed epoch, and it is
    rewritten after every epoch.  ``stop_after``: stop (as if killed) after that many epochs in total,
    leaving the checkpoint behind (used by tests and by budgeted runs).  ``valid_data`` is evaluated after
    each epoch.  ``on_epoch(record, epochs)`` is called after every epoch trained now (once its checkpoint is
    written) with that epoch's :class:`EpochRecord` (``record.epoch`` counts from 1) and the total number of
    epochs.  Returns the final metrics with wall time and FLOPs.

    A checkpoint records what it belongs to: ``owner`` (JSON-like, e.g. space, architecture and setting), the
    training configuration and the shape of the training data.  Resuming from a checkpoint whose record
    differs, or whose weights do not fit ``model``, raises :class:`InvalidArgument` naming the difference;
    nothing is loaded.
    """
    cfg = config or TrainConfig()
    x, y = train_data
    if len(x) == 0 or len(x) != len(y):
        raise InvalidArgument(f"training data must be non-empty with one label per image (got {len(x)}, {len(y)})")
    device = cfg.device
    model.to(device)
    n = len(x)
    steps_per_epoch = math.ceil(n / cfg.batch_size)
    total_steps = steps_per_epoch * cfg.epochs
    params_decay = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(
        params_decay, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov and cfg.momentum > 0,
        weight_decay=cfg.weight_decay,
    )

    def lr_at(step: int) -> float:
        return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1 + math.cos(math.pi * step / total_steps))

    gen = torch.Generator().manual_seed(int(cfg.seed))
    history: list[EpochRecord] = []
    start_epoch, seconds_before = 0, 0.0
    ckpt = Path(checkpoint) if checkpoint is not None else None
    if ckpt is not None and ckpt.exists():
        done = read_checkpoint(ckpt, model=model, optimizer=opt, generator=gen, config=asdict(cfg), owner=owner,
                               data_shape=list(x.shape), device=device)
        start_epoch, seconds_before = done["epoch"], done["seconds"]
        history = [EpochRecord(**h) for h in done["history"]]

    padding = cfg.crop_padding if cfg.crop_padding is not None else max(1, x.shape[-1] // 8)
    fwd = count_forward_flops(model, tuple(x.shape[1:]))
    last_epoch = cfg.epochs if stop_after is None else min(cfg.epochs, int(stop_after))
    seconds = seconds_before
    for epoch in range(start_epoch, last_epoch):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=gen)
        loss_sum, correct = 0.0, 0
        for b in range(steps_per_epoch):
            step = epoch * steps_per_epoch + b
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            idx = perm[b * cfg.batch_size : (b + 1) * cfg.batch_size]
            xb = x[idx]
            if cfg.augment:
                xb = augment_batch(xb, gen, padding)
            xb, yb = xb.to(device), y[idx].to(device)
            out = _logits(model(xb))
            loss = F.cross_entropy(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((out.detach().argmax(1) == yb).sum())
        rec = EpochRecord(epoch + 1, loss_sum / n, 100.0 * correct / n, lr_at((epoch + 1) * steps_per_epoch), 0.0)
        if valid_data is not None:
            rec.valid_loss, rec.valid_acc = evaluate_model(model, valid_data, batch_size=cfg.eval_batch_size,
                                                           device=device)
        rec.seconds = time.perf_counter() - t0
        seconds += rec.seconds
        history.append(rec)
        if ckpt is not None:
            write_checkpoint(ckpt, model=model, optimizer=opt, generator=gen, epoch=epoch + 1, seconds=seconds,
                             history=[asdict(h) for h in history], config=asdict(cfg), owner=owner,
                             data_shape=list(x.shape))
        if on_epoch is not None:
            on_epoch(rec, cfg.epochs)

    done = len(history)
    last = history[-1] if history else None
    return TrainResult(
        epochs=done,
        train_loss=last.train_loss if last else math.nan,
        train_acc=last.train_acc if last else math.nan,
        valid_loss=last.valid_loss if last else None,
        valid_acc=last.valid_acc if last else None,
        seconds=seconds,
        forward_flops=fwd,
        train_flops=None if fwd is None else 3.0 * fwd * n * done,
        history=history,
        resumed_from=start_epoch,
    )
