"""How well each heuristic ranks configurations of a user's own network family, against real (short) training.

The family is the ResNet family of ``examples/rank_my_resnets.py`` (a space made with
``archrank.spaces.grid``: depth 1-3 blocks per stage, base width 8-24, kernel 3 or 5, ReLU, GELU or SiLU;
72 configurations).  ``--num-archs`` of them (``random:N`` with ``--seed``) are

1. scored with every heuristic of ``--heuristics`` (``run_scoring``, one CIFAR-10 batch of 64 images), and
2. trained for real under a short regime (``run_training``): ``--epochs`` epochs on ``--train-images``
   class-balanced CIFAR-10 training images at the regime's resolution, validated on ``--valid-images``
   test images;

both into one store, as ``archrank score`` and ``archrank train --store`` do, so a killed run resumes.
Then each heuristic's Spearman rho against the trained validation accuracy is printed with its 95%
Fisher-z interval, the same figures ``archrank correlate --store STORE --metric trained`` prints.  Caveat: training this short is itself a noisy reference (the
ranking of a few epochs on a few thousand images is not the ranking of full training), so read these as
agreement with a cheap training signal, not with final accuracy.

    nice -n 10 python benchmarks/bench_own_family.py --data-dir ../shared/data --store /tmp/own_family.db
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

HEURISTICS = ("params", "flops", "synflow", "logsynflow", "snip", "grasp", "fisher", "grad_norm", "jacob_cov",
              "naswot", "zico", "zen", "meco", "swap", "epe_nas", "gradsign", "l2_norm", "plain", "az_nas")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-dir", default=None)
    p.add_argument("--store", required=True, help="results store (SQLite file; resumable)")
    p.add_argument("--num-archs", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--heuristics", default=",".join(HEURISTICS))
    p.add_argument("--regime", default="c0r1e0s1", help="reduced regime (default: half resolution, 16x16)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--train-images", type=int, default=3000)
    p.add_argument("--valid-images", type=int, default=1000)
    p.add_argument("--batch-size", type=int, default=64, help="training mini-batch (default 64)")
    p.add_argument("--threads", type=int, default=1, help="torch threads of the training (default 1)")
    p.add_argument("--retry-failed", action="store_true", help="recompute the stored failures (e.g. after a "
                   "heuristic was extended to more networks)")
    args = p.parse_args(argv)

    import rank_my_resnets  # registers the space "myresnet"

    from archrank.report.consistency import consistency_table, paired_scores
    from archrank.report.trained import TRAINED_COLUMN, trained_table
    from archrank.run import ScoreSetting, TrainSetting, run_scoring, run_training
    from archrank.run.threads import torch_threads
    from archrank.run.training import training_key
    from archrank.store import open_store

    space = rank_my_resnets.SPACE.name
    archs = f"random:{args.num_archs}"
    heuristics = [h.strip() for h in args.heuristics.split(",") if h.strip()]
    t0 = time.perf_counter()
    score = run_scoring(ScoreSetting(space, dataset="cifar10", batch_size=64, seed=args.seed, data_dir=args.data_dir),
                        archs=archs, heuristics=heuristics, store=args.store, progress=False,
                        retry_failed=args.retry_failed)
    t1 = time.perf_counter()
    setting = TrainSetting(space, regime=args.regime, dataset="cifar10", seed=args.seed, data_dir=args.data_dir,
                           batch_size=args.batch_size, base_epochs=args.epochs, train_limit=args.train_images,
                           valid_limit=args.valid_images)
    with open_store(args.store) as store, torch_threads(args.threads):
        train = run_training(setting, archs=archs, store=store)
    t2 = time.perf_counter()
    print(f"{args.num_archs} configurations of {space}; scoring: {score.computed} computed now, {score.failed} "
          f"failed, {t1 - t0:.0f} s; training ({args.regime}, {args.epochs} epochs on {args.train_images} images, "
          f"validated on {args.valid_images}): {train.trained} trained now, {train.held} held, {t2 - t1:.0f} s")
    with open_store(args.store) as store:
        truth, key = trained_table(store, space=space, regime=training_key(setting))
        paired = paired_scores(store, truth, TRAINED_COLUMN, space=space, dataset="cifar10", batch_size=64,
                               seed=args.seed, heuristics=heuristics)
        trained_s = [r.seconds for r in store.training(space=space, regime=key) if r.seconds is not None]
    accs = truth.values(TRAINED_COLUMN)
    print(f"reference: validation accuracy under {key} on {len(accs)} configurations, {min(accs):.1f}% to "
          f"{max(accs):.1f}% (mean training {sum(trained_s) / max(len(trained_s), 1):.0f} s per configuration)")
    rows = consistency_table(paired, vote=False)
    print(f"{'heuristic':<12}{'n':>4}{'spearman':>10}{'95% CI':>18}{'failed':>8}{'s/arch':>9}")
    for h in sorted(rows, key=lambda h: -rows[h]["spearman"] if math.isfinite(rows[h]["spearman"]) else math.inf):
        r = rows[h]
        lo, hi = r["spearman_low"], r["spearman_high"]
        print(f"{h:<12}{r['n']:>4}{r['spearman']:>10.3f}{f'[{lo:.2f}, {hi:.2f}]':>18}{r['n_excluded']:>8}"
              f"{r['seconds_per_arch']:>9.2f}")
    print("caveat: the reference is itself a short, noisy training; figures are agreement with it, not with "
          "the ranking after full training")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
