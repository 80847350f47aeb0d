"""Weight sharing (one-shot) over the NAS-Bench-201 cell.

The supernet has the NB201 network's skeleton (stem, three stages of ``N`` cells at C, 2C, 4C channels
joined by residual reductions, head) and, on each of a cell's six edges, one module per candidate
operation: one set of weights per (cell, edge, operation).  A forward pass takes the six operations of a
child architecture and runs only that path.

Training samples a child uniformly at random for every mini-batch (uniform path sampling) and updates the
weights on that path (SGD with Nesterov momentum, cosine learning rate; the trainer's augmentation).  The
draws come from one ``torch.Generator`` seeded by the caller, so training is deterministic.

Scoring a child (:func:`score_child`): reset every BatchNorm's running statistics, re-estimate them with
forward passes of the child on a fixed set of training images (BN statistics of a shared network belong to
no single child), then measure the child's accuracy (%) on validation images with the inherited weights.

CPU budgets: the ``C``, ``N`` and ``resolution`` arguments shrink the supernet (e.g. ``C=8, N=2,
resolution=16``); images are resized to ``resolution`` on the way in.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from archrank.errors import DataError, InvalidArgument
from archrank.models.ops import ResidualReduction, make_op
from archrank.spaces.nb201 import EDGES, OPS, coerce_arch
from archrank.train.checkpoint import load_file, save_atomic
from archrank.train.regimes import resize
from archrank.train.trainer import augment_batch


def parse_ops(arch: str | Sequence[str]) -> tuple[str, ...]:
    """The six edge operations of an NB201 cell string (or a sequence of six operation names)."""
    return coerce_arch(arch if isinstance(arch, str) else tuple(str(o) for o in arch))


class SuperCell(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.edges = nn.ModuleList(
            nn.ModuleDict({op: make_op(op, channels, channels, 1) for op in OPS if op != "none"}) for _ in EDGES
        )

    def forward(self, x: torch.Tensor, ops: Sequence[str]) -> torch.Tensor:
        nodes: list[torch.Tensor | None] = [x, None, None, None]
        for e, (t, s) in enumerate(EDGES):
            if ops[e] == "none" or nodes[s] is None:
                continue
            y = self.edges[e][ops[e]](nodes[s])
            nodes[t] = y if nodes[t] is None else nodes[t] + y
        out = nodes[3]
        return torch.zeros_like(x) if out is None else out


@dataclass(frozen=True)
class SupernetConfig:
    C: int = 16
    N: int = 5
    num_classes: int = 10
    resolution: int = 32


class Supernet(nn.Module):
    """The NB201 weight-sharing network; ``forward(x, ops)`` runs the child with edge operations ``ops``."""

    def __init__(self, *, C: int = 16, N: int = 5, num_classes: int = 10, resolution: int = 32):
        super().__init__()
        self.config = SupernetConfig(C, N, num_classes, resolution)
        self.stem = nn.Sequential(nn.Conv2d(3, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        layers: list[nn.Module] = []
        c_prev = C
        for stage, width in enumerate((C, 2 * C, 4 * C)):
            if stage > 0:
                layers.append(ResidualReduction(c_prev, width, 2))
                c_prev = width
            layers.extend(SuperCell(width) for _ in range(N))
        self.cells = nn.ModuleList(layers)
        self.lastact = nn.Sequential(nn.BatchNorm2d(c_prev), nn.ReLU())
        self.classifier = nn.Linear(c_prev, num_classes)

    def forward(self, x: torch.Tensor, ops: Sequence[str]) -> torch.Tensor:
        x = self.stem(resize(x, self.config.resolution))
        for layer in self.cells:
            x = layer(x, ops) if isinstance(layer, SuperCell) else layer(x)
        return self.classifier(F.adaptive_avg_pool2d(self.lastact(x), 1).flatten(1))


def sample_ops(gen: torch.Generator) -> tuple[str, ...]:
    """A uniformly drawn child (six operations)."""
    idx = torch.randint(0, len(OPS), (len(EDGES),), generator=gen).tolist()
    return tuple(OPS[i] for i in idx)


@dataclass
class SupernetTraining:
    epochs: int
    steps: int
    seconds: float
    final_loss: float


def train_supernet(
    net: Supernet,
    train_data: tuple[torch.Tensor, torch.Tensor],
    *,
    epochs: int = 1,
    batch_size: int = 64,
    lr: float = 0.05,
    weight_decay: float = 5e-4,
    augment: bool = True,
    seed: int = 0,
) -> SupernetTraining:
    """Train ``net`` in place with uniform path sampling (one child per mini-batch)."""
    x, y = train_data
    if len(x) == 0:
        raise InvalidArgument("cannot train a supernet on an empty data set")
    x = resize(x, net.config.resolution)
    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=weight_decay)
    n = len(x)
    steps_per_epoch = math.ceil(n / batch_size)
    total = steps_per_epoch * epochs
    t0, step, loss_val = time.perf_counter(), 0, math.nan
    net.train()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for b in range(steps_per_epoch):
            for g in opt.param_groups:
                g["lr"] = 0.5 * lr * (1 + math.cos(math.pi * step / total))
            idx = perm[b * batch_size : (b + 1) * batch_size]
            xb = augment_batch(x[idx], gen, max(1, x.shape[-1] // 8)) if augment else x[idx]
            ops = sample_ops(gen)
            loss = F.cross_entropy(net(xb, ops), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_val = float(loss.detach())
            step += 1
    return SupernetTraining(epochs, step, time.perf_counter() - t0, loss_val)


@torch.no_grad()
def score_child(
    net: Supernet,
    arch: str | Sequence[str],
    train_data: tuple[torch.Tensor, torch.Tensor],
    valid_data: tuple[torch.Tensor, torch.Tensor],
    *,
    bn_images: int = 256,
    batch_size: int = 128,
    seed: int = 0,
) -> float:
    """Validation accuracy (%) of child ``arch`` with inherited weights, after re-estimating BN statistics.

    The BN images are the first ``bn_images`` of a permutation of ``train_data`` drawn with ``seed`` (the
    same for every child).  The supernet's weights are not changed; its BN buffers are left holding the
    child's statistics.
    """
    ops = parse_ops(arch)
    xt, _ = train_data
    k = min(int(bn_images), len(xt))
    idx = torch.randperm(len(xt), generator=torch.Generator().manual_seed(int(seed)))[:k]
    bn_x = xt[idx]
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average over the re-estimation batches
    net.train()
    for i in range(0, k, batch_size):
        net(bn_x[i : i + batch_size], ops)
    net.eval()
    xv, yv = valid_data
    correct = 0
    for i in range(0, len(xv), 500):
        correct += int((net(xv[i : i + 500], ops).argmax(1) == yv[i : i + 500]).sum())
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = 0.1
    return 100.0 * correct / max(1, len(xv))


def save_supernet(net: Supernet, path: str | os.PathLike, **info: Any) -> None:
    """Write the supernet's weights and configuration (atomically)."""
    save_atomic({"config": asdict(net.config), "state": net.state_dict(), "info": info}, Path(path))


def load_supernet(path: str | os.PathLike) -> Supernet:
    p = Path(path)
    if not p.is_file():
        raise DataError(f"supernet checkpoint {p} does not exist")
    blob = load_file(p, what="supernet file")
    try:
        net = Supernet(**blob["config"])
        net.load_state_dict(blob["state"])
    except (KeyError, RuntimeError, TypeError, OSError, ValueError) as e:
        raise DataError(f"{p} is not a supernet checkpoint: {str(e).strip().splitlines()[0] if str(e).strip() else e!r}") from e
    return net


def supernet_from_extras(extras: dict[str, Any]) -> Supernet:
    """``extras["supernet"]`` or the checkpoint at ``extras["supernet_path"]`` (loaded once per process and
    file version, then cached in ``extras``)."""
    if isinstance(extras.get("supernet"), Supernet):
        return extras["supernet"]
    path = extras.get("supernet_path")
    if not path:
        raise InvalidArgument(
            "the weight_sharing heuristic needs a trained supernet: pass the supernet (a checkpoint written by "
            "save_supernet) as extras['supernet'] or extras['supernet_path']", parameter="supernet"
        )
    p = Path(path)
    key = (str(p.resolve()), p.stat().st_mtime_ns if p.is_file() else None)
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = load_supernet(p)
    extras["supernet"] = _LOADED[key]
    return extras["supernet"]


_LOADED: dict[tuple, Supernet] = {}
