"""The settings of a run: what a score or a training result depends on, besides the architecture.

:class:`ScoreSetting` is the one shape of a scoring setting (the store's natural key of a score without
architecture and heuristic: space, data set, batch size, seed; plus where the data live and how many torch
threads a task uses).  :class:`TrainSetting` is the same for training an architecture under a regime.
The defaults are written here once; the CLI, the demo, search objectives and benchmark scripts take them
from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

from archrank.errors import InvalidArgument

DEFAULT_DATASET = "cifar10"
DEFAULT_BATCH_SIZE = 64  # the scoring batch
DEFAULT_SEED = 0
DEFAULT_TRAIN_BATCH_SIZE = 256  # the NB201 schedule's mini-batch
DEFAULT_VALID_LIMIT = 2000


def _path(p: str | os.PathLike | None) -> str | None:
    return None if p is None else str(p)


@dataclass(frozen=True)
class ScoreSetting:
    """Space, data set, batch size and seed of a score (its key in the store), data dir and threads.

    ``seed`` seeds the batch, the weights of every built model and a ``random:N`` selection; ``threads``
    is the number of torch threads each task uses (float reductions depend on it, so every executor uses
    the same count and gives identical results).  ``device`` is where models and the batch go: ``cpu``
    (default), ``cuda``, ``cuda:N`` or ``auto`` (CUDA when there is one); scores agree across devices to
    float32 rounding, so the device is not part of the store key.
    """

    space: str
    dataset: str = DEFAULT_DATASET
    batch_size: int = DEFAULT_BATCH_SIZE
    seed: int = DEFAULT_SEED
    data_dir: str | None = None
    threads: int = 1
    device: str = "cpu"

    def __post_init__(self) -> None:
        if not isinstance(self.space, str):  # a SearchSpace given: keep its name
            object.__setattr__(self, "space", self.space.name)
        object.__setattr__(self, "data_dir", _path(self.data_dir))
        if int(self.batch_size) < 1:
            raise InvalidArgument(f"batch_size must be positive, got {self.batch_size}", parameter="batch_size")
        if int(self.threads) < 1:
            raise InvalidArgument(f"threads must be positive, got {self.threads}", parameter="threads")
        from archrank.execution.device import check_device_spec

        check_device_spec(self.device)

    @property
    def key(self) -> dict[str, Any]:
        """The store's filter for the scores of this setting: space, dataset, batch_size, seed."""
        return {"space": self.space, "dataset": self.dataset, "batch_size": self.batch_size, "seed": self.seed}

    def replace(self, **changes: Any) -> ScoreSetting:
        return replace(self, **changes)


@dataclass(frozen=True)
class TrainSetting:
    """How each architecture of a training run is trained: a regime on top of a base schedule.

    The base schedule is NB201's (SGD, Nesterov momentum 0.9, lr 0.1 cosine, weight decay 5e-4, batch 256,
    ``base_epochs`` 200, crop+flip augmentation); ``regime`` (``c<a>r<b>e<d>s<g>``) reduces channels,
    resolution, epochs and the training sample.  ``train_limit``/``valid_limit`` limit the train and test
    splits (class-balanced, seeded; None = all); ``channels``/``image_size`` convert images on loading
    (e.g. grey to three channels).  ``label`` is the regime key the results are stored under (default the
    regime's name).
    """

    space: str
    regime: str = "c0r0e0s1"
    dataset: str = DEFAULT_DATASET
    seed: int = DEFAULT_SEED
    data_dir: str | None = None
    batch_size: int = DEFAULT_TRAIN_BATCH_SIZE
    lr: float = 0.1
    weight_decay: float = 5e-4
    augment: bool = True
    base_epochs: int = 200
    train_limit: int | None = None
    valid_limit: int | None = DEFAULT_VALID_LIMIT
    channels: int | None = None
    image_size: int | None = None
    label: str | None = None
    #: Where the model trains: cpu (default), cuda, cuda:N or auto (CUDA when there is one).
    device: str = "cpu"

    def __post_init__(self) -> None:
        from archrank.train.regimes import parse_regime

        if not isinstance(self.space, str):
            object.__setattr__(self, "space", self.space.name)
        object.__setattr__(self, "data_dir", _path(self.data_dir))
        object.__setattr__(self, "regime", parse_regime(self.regime).name)
        from archrank.execution.device import check_device_spec

        check_device_spec(self.device)
        for name in ("batch_size", "base_epochs"):
            if int(getattr(self, name)) < 1:
                raise InvalidArgument(f"{name} must be positive, got {getattr(self, name)}", parameter=name)
        for name in ("train_limit", "valid_limit"):
            v = getattr(self, name)
            if v is not None and int(v) < 1:
                raise InvalidArgument(f"{name} must be positive or None, got {v}", parameter=name)

    def parsed_regime(self):
        """The :class:`~archrank.train.regimes.Regime` with this setting's base epochs."""
        from archrank.train.regimes import parse_regime

        return parse_regime(self.regime, base_epochs=int(self.base_epochs))

    @property
    def record_regime(self) -> str:
        """The regime key of the stored training records."""
        return self.label or self.regime

    def base_config(self):
        """The base :class:`~archrank.train.trainer.TrainConfig` the regime applies to."""
        from archrank.execution.device import resolve_device
        from archrank.train.trainer import TrainConfig

        return TrainConfig(batch_size=int(self.batch_size), lr=float(self.lr), weight_decay=float(self.weight_decay),
                           augment=bool(self.augment), seed=int(self.seed), device=resolve_device(self.device))

    def replace(self, **changes: Any) -> TrainSetting:
        return replace(self, **changes)
