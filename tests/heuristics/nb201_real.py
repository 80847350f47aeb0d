"""Real NB201 architectures and a CIFAR-10 batch from ../shared/data, for the heuristics' data checks."""

from __future__ import annotations

import ast
import csv
import json
from pathlib import Path

import numpy as np

from archrank.heuristics.base import ScoreContext
from archrank.spaces import get_space

NASLIB_OPS = ["skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3"]


def naslib_arch_string(key: tuple[int, ...]) -> str:
    """NASLib's op-indices key (edges (1,2),(1,3),(1,4),(2,3),(2,4),(3,4)) as an NB201 arch string."""
    a, b, c, d, e, f = (NASLIB_OPS[i] for i in key)
    return f"|{a}~0|+|{b}~0|{d}~1|+|{c}~0|{e}~1|{f}~2|"


def naslib_scores(shared_data: Path) -> dict[str, dict[str, float]]:
    """``{arch string: {metric: value}}`` of NAS-Bench-Suite-Zero's stored NB201 CIFAR-10 scores."""
    with open(shared_data / "naslib" / "zc_nasbench201.json") as f:
        block = json.load(f)["nasbench201"]["cifar10"]
    return {naslib_arch_string(ast.literal_eval(k)): v for k, v in block.items()}


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
