"""Real NB201 architectures and a CIFAR-10 batch from ../shared/data, for the heuristics' data checks."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from archrank.heuristics.base import ScoreContext
from archrank.spaces import get_space


def accuracies(shared_data: Path) -> dict[str, float]:
    with open(shared_data / "nb201" / "nb201_cifar10.csv") as f:
        return {r["arch"]: float(r["c10_test_200"]) for r in csv.DictReader(f)}


def cifar_batch(shared_data: Path, n: int, seed: int = 0):
    from archrank.data.loaders import one_batch

    return one_batch("cifar10", n, seed=seed, data_dir=shared_data)


def sample_archs(shared_data: Path, n: int = 20, seed: int = 0) -> list[str]:
    """``n`` NB201 arch strings drawn at random (seeded) from the benchmark table."""
    archs = sorted(accuracies(shared_data))
    idx = np.random.default_rng(seed).choice(len(archs), n, replace=False)
    return [archs[i] for i in idx]


def contexts(shared_data: Path, archs: list[str], batch: int = 16, seed: int = 0, **model_kwargs):
    """One ScoreContext per arch string on the full NB201 network (or ``model_kwargs``), one CIFAR-10 batch."""
    space = get_space("nb201")
    x, y = cifar_batch(shared_data, batch, seed)
    return [ScoreContext(arch=space.parse(a), space=space, inputs=x, targets=y, seed=seed,
                         model_kwargs=dict(model_kwargs)) for a in archs]
