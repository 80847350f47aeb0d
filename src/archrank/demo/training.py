"""The demo's optional real training: a seeded sample of the scored architectures, under a reduced regime.

Short training at reduced settings (few channels, low resolution, few epochs, a small training sample)
does not rank architectures like NB201's 200-epoch training; the demo measures by how much (Spearman of
the trained accuracies against the table's) and says so next to the result.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from archrank.demo.ranking import agreement

CAVEAT = ("short training at reduced settings does not rank architectures like 200-epoch training: treat "
          "these accuracies as one more cheap proxy, not as the ground truth")


def regime_text(setting, train_images: int) -> str:
    reg = setting.parsed_regime()
    return (f"{reg.name}: {reg.channels} channels, {reg.resolution}x{reg.resolution} pixels, {reg.epochs} epochs, "
            f"{train_images} training images, test accuracy on {setting.valid_limit} test images")


def train_sample(store, space, archs: Sequence[str], columns: dict[str, np.ndarray], directions: dict[str, bool],
                 truth: np.ndarray, *, dataset: str, data_dir: str | None, n_train: int, regime: str,
                 train_images: int, test_images: int, seed: int, progress: bool) -> dict:
    """Train ``n_train`` of ``archs`` (seeded choice) and compare: each heuristic against the trained
    accuracies, and the trained accuracies against ``truth`` (the benchmark's 200-epoch accuracies)."""
    from archrank.run import TrainSetting, run_training
    from archrank.run.progress import progress_bar

    # NB201's stem takes 32x32 images with three channels (grey images are repeated); the regime resizes.
    setting = TrainSetting(space.name, regime=regime, dataset=dataset, seed=seed, data_dir=data_dir, batch_size=128,
                           train_limit=train_images, valid_limit=test_images, channels=3, image_size=32,
                           label=f"{regime}/n{train_images}")
    rng = np.random.default_rng(seed)
    picked = sorted(rng.choice(len(archs), size=n_train, replace=False).tolist())
    bar = progress_bar(n_train, unit="arch", desc="training", enabled=progress)

    def epoch_done(arch: str, epoch: int, epochs: int, metrics: dict) -> None:  # progress inside one training
        bar.set_postfix(epoch=f"{epoch}/{epochs}", loss=f"{metrics['train_loss']:.3f}")

    try:
        run = run_training(setting, archs=[archs[i] for i in picked], store=store, score_record=False,
                           kind="demo_train", on_result=lambda _: bar.update(1),
                           on_epoch=epoch_done if progress else None)
    finally:
        bar.close()
    by_arch = {r["arch"]: r for r in run.results}
    trained = [{"arch": archs[i], "index": None if space.size is None else
                int(space.arch_to_index(space.parse(archs[i]))),
                "test_acc": float(by_arch[archs[i]]["valid_acc"]), "benchmark": float(truth[i]),
                "seconds": float(by_arch[archs[i]].get("train_seconds", by_arch[archs[i]]["seconds"]))}
               for i in picked]
    acc = np.array([t["test_acc"] for t in trained])
    vs_trained = {n: agreement(columns[n][picked], acc, directions[n]) for n in columns}
    return {"regime": regime_text(setting, train_images), "n": n_train, "archs": trained,
            "vs_trained": vs_trained, "trained_vs_benchmark": agreement(acc, truth[picked]),
            "seconds": run.seconds, "caveat": CAVEAT}
