"""archrank's main job on an embedded default: score NB201 architectures, train a sample, compare.

1. Draw ``n_archs`` NB201 architectures (seeded) and score them with the training-free heuristics, one
   batch of task data, through a normal resumable scoring run (canonical classes computed once).
2. Train ``n_train`` of them for real under a reduced regime (few channels, low resolution, few epochs,
   a small class-balanced subset of the training images) and measure test accuracy.
3. Report each heuristic's rank agreement (Spearman, Kendall) with the trained ranking, and, when a
   benchmark table is given, with the benchmark's ground truth over all scored architectures.
4. Name the best architecture found: the best trained one, and the top of the heuristics' mean rank.

The data set is CIFAR-10 when the data directory holds it, else Fashion-MNIST (grey images repeated to
three channels so that the NB201 stem applies unchanged).  Everything is seeded.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archrank.errors import DataError
from archrank.run.setting import DEFAULT_BATCH_SIZE
from archrank.train.regimes import parse_regime

DEFAULT_HEURISTICS = ("params", "flops", "naswot", "synflow", "jacob_cov", "snip")


@dataclass
class DemoResult:
    dataset: str
    n_archs: int
    n_trained: int
    regime: str
    heuristics: list[str]
    vs_trained: dict[str, dict[str, float]]
    vs_benchmark: dict[str, dict[str, float]] = field(default_factory=dict)
    trained: list[dict[str, Any]] = field(default_factory=list)
    best_trained: dict[str, Any] = field(default_factory=dict)
    best_by_heuristics: dict[str, Any] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def choose_dataset(data_dir: str | os.PathLike | None) -> str:
    """CIFAR-10 when the data directory (or ``$ARCHRANK_DATA``) holds it, else Fashion-MNIST."""
    from archrank.data import find_available

    name = find_available(("cifar10", "fashion-mnist"), data_dir)
    if name is None:
        raise DataError(
            "no data for the demo: pass a data_dir with cifar-10-batches-py inside, or install Debian's "
            "dataset-fashion-mnist (apt-get install dataset-fashion-mnist)"
        )
    return name


def mean_rank_scores(columns: dict[str, np.ndarray], directions: dict[str, bool]) -> np.ndarray:
    """Average rank (1 = worst) over heuristics, each oriented so that higher is better; NaN ranks last
    (:func:`archrank.heuristics.aggregate.rank_aggregate`)."""
    from archrank.heuristics.aggregate import rank_aggregate

    n = len(next(iter(columns.values())))
    scores = {name: dict(enumerate(np.asarray(vals, dtype=float).tolist())) for name, vals in columns.items()}
    agg = rank_aggregate(scores, directions)
    return np.array([agg[i] for i in range(n)])


def agreement(scores: np.ndarray, truth: np.ndarray, higher_is_better: bool = True) -> dict[str, float]:
    """Spearman and Kendall over the finite pairs (NaN where fewer than three remain)."""
    from archrank.metrics import rank_consistency

    keep = np.isfinite(scores) & np.isfinite(truth)
    if keep.sum() < 3:
        return {"spearman": float("nan"), "kendall": float("nan"), "n": int(keep.sum())}
    rc = rank_consistency(scores, truth, higher_is_better=higher_is_better)
    return {"spearman": rc["spearman"], "kendall": rc["kendall"], "n": rc["n"]}


def run_demo(
    *,
    data_dir: str | os.PathLike | None = None,
    n_archs: int = 100,
    n_train: int = 10,
    heuristics: tuple[str, ...] = DEFAULT_HEURISTICS,
    regime: str = "c1r1e5",
    train_images: int = 2000,
    test_images: int = 1000,
    batch_size: int = DEFAULT_BATCH_SIZE,
    seed: int = 0,
    store_path: str | os.PathLike | None = None,
    benchmark: str | os.PathLike | None = None,
    progress: bool = True,
) -> DemoResult:
    from archrank.data import one_batch
    from archrank.heuristics import HEURISTICS
    from archrank.run import ScoreSetting, TrainSetting, run_scoring, run_training, select_archs
    from archrank.spaces import get_space
    from archrank.store import open_store

    t0 = time.perf_counter()
    dataset = choose_dataset(data_dir)
    names = [h for h in heuristics if h in HEURISTICS]
    space = get_space("nb201")
    archs = select_archs(space, f"random:{n_archs}", seed)
    strings = [space.format(a) for a in archs]
    setting = ScoreSetting(space.name, dataset=dataset, batch_size=batch_size, seed=seed, data_dir=data_dir)
    # NB201's stem takes 32x32 images with three channels (grey images are repeated)
    train_setting = TrainSetting(space.name, regime=regime, dataset=dataset, seed=seed, data_dir=data_dir,
                                 batch_size=128, train_limit=train_images, valid_limit=test_images, channels=3,
                                 image_size=32, label=f"{parse_regime(regime).name}/n{train_images}")
    rng = np.random.default_rng(seed)
    picked = sorted(rng.choice(len(archs), size=min(n_train, len(archs)), replace=False).tolist())

    tmp = None
    if store_path is None:
        tmp = tempfile.TemporaryDirectory(prefix="archrank-demo-")
        store_path = Path(tmp.name) / "demo.db"
    try:
        with open_store(store_path) as store:
            # 1. training-free heuristics on one batch (32x32, three channels)
            batch = one_batch(dataset, batch_size, seed, data_dir, channels=3, image_size=32)
            run_scoring(setting, archs=strings, heuristics=names, store=store, batch=batch, progress=progress)
            t_scored = time.perf_counter()
            table: dict[str, dict[str, float]] = {n: {} for n in names}
            cost: dict[str, list[float]] = {n: [] for n in names}
            for r in store.scores(**setting.key):
                if r.heuristic in table:
                    table[r.heuristic][r.arch] = r.value
                    if r.computed and r.seconds is not None:
                        cost[r.heuristic].append(r.seconds)
            columns = {n: np.array([table[n].get(s, np.nan) for s in strings]) for n in names}
            directions = {n: HEURISTICS.get(n).higher_is_better for n in names}

            # 2. reduced training of a seeded sample: a training run
            run = run_training(train_setting, archs=[strings[i] for i in picked], store=store,
                               score_record=False, kind="demo_train")
            by_arch = {r["arch"]: r for r in run.results}
            trained = []
            for i in picked:
                r = by_arch[strings[i]]
                acc = r["valid_acc"] if "valid_acc" in r else r["test_acc"]  # stores of earlier demos: test_acc
                trained.append({"index": space.arch_to_index(archs[i]), "arch": strings[i],
                                "test_acc": acc, "seconds": r.get("train_seconds", r["seconds"]), "row": i})
            t_trained = time.perf_counter()
    finally:
        if tmp is not None:
            tmp.cleanup()

    acc = np.array([t["test_acc"] for t in trained], dtype=float)
    rows = [t["row"] for t in trained]
    vs_trained = {}
    for n in names:
        vs_trained[n] = agreement(columns[n][rows], acc, directions[n])
        vs_trained[n]["seconds_per_arch"] = float(np.mean(cost[n])) if cost[n] else float("nan")
    combined = mean_rank_scores(columns, directions)
    vs_trained["mean_rank"] = agreement(combined[rows], acc)
    vs_trained["mean_rank"]["seconds_per_arch"] = float(sum(v["seconds_per_arch"] for v in vs_trained.values()
                                                            if "seconds_per_arch" in v))

    vs_bench: dict[str, dict[str, float]] = {}
    if benchmark is not None:
        from archrank.benchmarks.table import BenchmarkTable

        bt = BenchmarkTable.from_file(benchmark)
        truth = np.array([bt.lookup(s, "c10_test_200") for s in strings], dtype=float)
        for n in names:
            vs_bench[n] = agreement(columns[n], truth, directions[n])
        vs_bench["mean_rank"] = agreement(combined, truth)

    reg = train_setting.parsed_regime()
    best = max(trained, key=lambda t: t["test_acc"])
    top = int(np.argmax(combined))
    for t in trained:
        t.pop("row")
    return DemoResult(
        dataset=dataset, n_archs=len(archs), n_trained=len(trained), regime=f"{reg.name}: {reg.channels} channels, "
        f"{reg.resolution}x{reg.resolution} pixels, {reg.epochs} epochs, {train_images} training images", heuristics=names, vs_trained=vs_trained, vs_benchmark=vs_bench,
        trained=trained, best_trained=best,
        best_by_heuristics={"index": space.arch_to_index(archs[top]), "arch": strings[top]},
        seconds={"scoring": t_scored - t0, "training": t_trained - t_scored, "total": time.perf_counter() - t0},
    )
