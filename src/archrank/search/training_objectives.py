"""Objectives that train: real training with archrank's trainer, and a weight-sharing supernet (ENAS).

Both charge the wall seconds they measure.

* :class:`TrainingObjective`: builds the architecture, trains it with :func:`archrank.train.trainer.train`
  (a :class:`~archrank.train.trainer.TrainConfig`, e.g. a reduced regime's) and returns the validation
  accuracy (%).
* :class:`SupernetObjective`: the ``"supernet"`` fidelity of ENAS-style search.  Each evaluation first
  trains the shared weights for ``train_steps`` mini-batches on the asked child (as ENAS trains the
  shared weights on the controller's samples), then returns the child's inherited-weight validation
  accuracy (:func:`archrank.train.supernet.score_child`).
"""

from __future__ import annotations

import time
from collections.abc import Hashable

import torch

from archrank.models.registry import build_model
from archrank.run.setting import DEFAULT_DATASET
from archrank.search.base import SIGNAL, SUPERNET
from archrank.search.objectives import Evaluation, Objective

Tensors = tuple[torch.Tensor, torch.Tensor]


class TrainingObjective(Objective):
    """Train from scratch; value = validation accuracy (%), cost = measured seconds, report = value."""

    fidelity = SIGNAL

    def __init__(self, *, space, train_data: Tensors, valid_data: Tensors, config=None, num_classes: int = 10,
                 seed: int = 0):
        self.space, self.train_data, self.valid_data = space, train_data, valid_data
        self.config, self.num_classes, self.seed = config, num_classes, seed

    def evaluate(self, arch: Hashable) -> Evaluation:
        from archrank.train.trainer import TrainConfig, train

        cfg = self.config or TrainConfig(epochs=1, seed=self.seed)
        t0 = time.perf_counter()
        model = build_model(self.space, arch, self.num_classes, seed=self.seed)
        res = train(model, self.train_data, config=cfg, valid_data=self.valid_data)
        v = float("nan") if res.valid_acc is None else float(res.valid_acc)
        return Evaluation(v, time.perf_counter() - t0, v)


class SupernetObjective(Objective):
    """Inherited-weight accuracy of a child of a (shared, progressively trained) NB201 supernet."""

    fidelity = SUPERNET

    def __init__(self, *, space, net, train_data: Tensors, valid_data: Tensors, train_steps: int = 5,
                 batch_size: int = 64, lr: float = 0.05, bn_images: int = 128, seed: int = 0):
        self.space, self.net, self.train_data, self.valid_data = space, net, train_data, valid_data
        self.train_steps, self.batch_size, self.lr, self.bn_images, self.seed = (
            train_steps, batch_size, lr, bn_images, seed)
        self._gen = torch.Generator().manual_seed(int(seed))
        self._opt = None

    def _train(self, ops) -> None:
        import torch.nn.functional as F

        from archrank.train.trainer import augment_batch

        if self._opt is None:
            self._opt = torch.optim.SGD(self.net.parameters(), lr=self.lr, momentum=0.9, nesterov=True,
                                        weight_decay=5e-4)
        x, y = self.train_data
        self.net.train()
        for _ in range(self.train_steps):
            idx = torch.randint(0, len(x), (self.batch_size,), generator=self._gen)
            xb = augment_batch(x[idx], self._gen, max(1, x.shape[-1] // 8))
            loss = F.cross_entropy(self.net(xb, ops), y[idx])
            self._opt.zero_grad(set_to_none=True)
            loss.backward()
            self._opt.step()

    def evaluate(self, arch: Hashable) -> Evaluation:
        from archrank.train.supernet import score_child

        t0 = time.perf_counter()
        ops = tuple(self.space.coerce(arch)) if hasattr(self.space, "coerce") else tuple(arch)
        if self.train_steps:
            self._train(ops)
        v = score_child(self.net, ops, self.train_data, self.valid_data, bn_images=self.bn_images, seed=self.seed)
        return Evaluation(float(v), time.perf_counter() - t0)


def supernet_objective(space, *, checkpoint: str | None = None, data_dir: str | None = None,
                       dataset: str = DEFAULT_DATASET, train_images: int = 5000, valid_images: int = 500,
                       C: int = 8, N: int = 1, resolution: int = 16, train_steps: int = 5,
                       seed: int = 0) -> SupernetObjective:
    """A CPU-sized supernet objective on ``dataset`` (a fresh supernet, or one loaded from ``checkpoint``)."""
    from archrank.data import as_tensors, load_dataset
    from archrank.train.supernet import Supernet, load_supernet

    train = as_tensors(load_dataset(dataset, split="train", data_dir=data_dir, limit=train_images))
    valid = as_tensors(load_dataset(dataset, split="test", data_dir=data_dir, limit=valid_images))
    if checkpoint:
        net = load_supernet(checkpoint)
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            net = Supernet(C=C, N=N, num_classes=int(train[1].max()) + 1, resolution=resolution)
    return SupernetObjective(space=space, net=net, train_data=train, valid_data=valid, train_steps=train_steps,
                             seed=seed)
