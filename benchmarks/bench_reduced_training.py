"""Rank consistency of reduced training regimes (EcoNAS) on NAS-Bench-201, against 200-epoch accuracy.

Part (a), from benchmark data (cheap): Spearman/Kendall between the 12-epoch and 200-epoch columns of
``nb201_cifar10.csv`` over all 15,625 architectures.

Part (b), real training here (CPU), as a user runs it: for each regime R,

    archrank bench build --archs random:N --seed S --regime R --data-dir DATA --valid-images V \\
        --batch-size 128 --store STORE
    archrank correlate --store STORE --benchmark TABLE --metric c10_test_200 --heuristics train_R,...

(the same architectures for every regime: ``random:N`` drawn with the seed).  Results go to the store as
they come, so a killed run resumes.

    nice -n 10 python benchmarks/bench_reduced_training.py --data-dir ../shared/data \\
        --table ../shared/data/nb201/nb201_cifar10.csv --num-archs 100 --regimes c2r1e6s0.25 c1r1e6s0.25 \\
        --store /tmp/reduced_training.db
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from scipy.stats import kendalltau, spearmanr


def part_a(table_path: str) -> None:
    from archrank.benchmarks.table import BenchmarkTable

    table = BenchmarkTable.from_file(table_path)
    print(f"\n(a) benchmark data, all architectures (n = {len(table)})")
    print(f"{'reduced column':<16}{'target column':<16}{'spearman':>10}{'kendall':>10}")
    for lo, hi in (("c10_test_12", "c10_test_200"), ("c10v_valid_12", "c10v_valid_200"),
                   ("c10v_valid_12", "c10_test_200")):
        a, b = table.values(lo), table.values(hi)
        print(f"{lo:<16}{hi:<16}{spearmanr(a, b)[0]:>10.4f}{kendalltau(a, b)[0]:>10.4f}")


def costs(store_path: str, regimes: list[str]) -> None:
    """Mean wall seconds and training GFLOP per architecture of each regime, from the store."""
    from archrank.store import open_store

    with open_store(store_path) as store:
        print(f"\n(b) cost per architecture ({os.cpu_count()} cores)")
        print(f"{'regime':<14}{'n':>5}{'s/arch':>9}{'GFLOP/arch':>12}")
        for name in regimes:
            recs = store.training(space="nb201", regime=name)
            if not recs:
                continue
            secs = np.mean([r.seconds for r in recs])
            flops = [r.flops for r in recs if r.flops is not None]
            gf = np.mean(flops) / 1e9 if flops else float("nan")
            print(f"{name:<14}{len(recs):>5}{secs:>9.1f}{gf:>12.2f}")


def main(argv=None) -> int:
    from archrank.cli import main as archrank
    from archrank.run import TrainSetting, score_name
    from archrank.run.training import training_key
    from archrank.train.regimes import parse_regime

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", default="../shared/data/nb201/nb201_cifar10.csv")
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--num-archs", type=int, default=100)
    ap.add_argument("--regimes", nargs="*", default=["c2r1e6s0.25", "c1r1e6s0.25"])
    ap.add_argument("--valid-images", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--store", default="/tmp/reduced_training.db")
    ap.add_argument("--threads", type=int, default=1, help="torch threads of the training (1: no contention "
                    "with other jobs on a small machine)")
    ap.add_argument("--skip-training", action="store_true")
    ap.add_argument("--report", action="store_true", help="only report what the store holds")
    args = ap.parse_args(argv)

    part_a(args.table)
    if args.skip_training:
        return 0
    regimes = [parse_regime(r).name for r in args.regimes]
    if not args.report:
        for name in regimes:
            cmd = ["bench", "build", "--archs", f"random:{args.num_archs}", "--seed", str(args.seed), "--regime",
                   name, "--data-dir", args.data_dir, "--valid-images", str(args.valid_images), "--batch-size",
                   str(args.batch_size), "--store", args.store, "--threads", str(args.threads)]
            print("archrank " + " ".join(cmd), flush=True)
            rc = archrank(cmd)
            if rc:
                return rc
    # The keys the results are stored under: the setting `archrank bench build` made from the same options
    # (a non-default option, here the batch size, becomes part of the key: c2r1e7s0.125/bs128).
    settings = [TrainSetting("nb201", regime=name, seed=args.seed, batch_size=args.batch_size,
                             valid_limit=args.valid_images) for name in regimes]
    cmd = ["correlate", "--store", args.store, "--benchmark", args.table, "--metric", "c10_test_200",
           "--heuristics", ",".join(score_name(s) for s in settings)]
    print("archrank " + " ".join(cmd), flush=True)
    rc = archrank(cmd)
    costs(args.store, [training_key(s) for s in settings])
    return rc


if __name__ == "__main__":
    sys.exit(main())
