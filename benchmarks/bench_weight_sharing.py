"""Rank consistency and cost of weight sharing (NB201 supernet, uniform path sampling) on CPU.

Three user commands, run through the public API:

    archrank supernet train --out SUPERNET --data-dir DATA --channels 8 --cells 1 --resolution 16 \\
        --train-ratio 0.25 --epochs 4 --seed 0
    archrank score --archs random:1000 --seed 0 --heuristics weight_sharing --supernet SUPERNET \\
        --data-dir DATA --store STORE
    archrank correlate --store STORE --benchmark TABLE --metric c10_test_200 --heuristics weight_sharing

The supernet is kept in ``--supernet`` and the scores in ``--store``, so a killed run resumes.  A child's
score is its accuracy on the test images (the heuristic's ``valid_limit``, 2,000) with inherited weights,
after re-estimating BatchNorm statistics on 256 training images; members of a canonical class are scored
once.

    nice -n 10 python benchmarks/bench_weight_sharing.py --data-dir ../shared/data \\
        --table ../shared/data/nb201/nb201_cifar10.csv --archs random:1000 --store /tmp/ws.db
"""

from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", default="../shared/data/nb201/nb201_cifar10.csv")
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--archs", default="random:1000")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--C", type=int, default=8)
    ap.add_argument("--N", type=int, default=1)
    ap.add_argument("--resolution", type=int, default=16)
    ap.add_argument("--train-ratio", type=float, default=0.25)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch-size", type=int, default=64, help="supernet training mini-batch")
    ap.add_argument("--threads", type=int, default=1, help="torch threads of training and scoring")
    ap.add_argument("--supernet", default="/tmp/ws_supernet.pt")
    ap.add_argument("--store", default="/tmp/ws.db")
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args(argv)

    from archrank.cli import main as archrank

    if not args.report_only:
        steps = [
            ["supernet", "train", "--out", args.supernet, "--data-dir", args.data_dir, "--channels", str(args.C),
             "--cells", str(args.N), "--resolution", str(args.resolution), "--train-ratio", str(args.train_ratio),
             "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--seed", str(args.seed),
             "--threads", str(args.threads)],
            ["score", "--archs", args.archs, "--seed", str(args.seed), "--heuristics", "weight_sharing",
             "--supernet", args.supernet, "--data-dir", args.data_dir, "--store", args.store,
             "--threads", str(args.threads)],
        ]
        for cmd in steps:
            print("archrank " + " ".join(cmd), flush=True)
            rc = archrank(cmd)
            if rc:
                return rc
    cmd = ["correlate", "--store", args.store, "--benchmark", args.table, "--metric", "c10_test_200",
           "--heuristics", "weight_sharing"]
    print("archrank " + " ".join(cmd), flush=True)
    return archrank(cmd)


if __name__ == "__main__":
    sys.exit(main())
