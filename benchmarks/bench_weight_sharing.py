"""Rank consistency and cost of weight sharing (NB201 supernet, uniform path sampling) on CPU.

Trains a small supernet on CIFAR-10 training images, then scores the architectures of
``archrank score --archs random:N --seed S`` (the same selection function) by their validation accuracy
with inherited weights after re-estimating BatchNorm statistics, and correlates the scores with
``c10_test_200``.  Architectures of the same canonical class are scored once.  Scores are appended to
``--out`` as they come (a killed run resumes; the supernet is kept in ``--supernet``).

    nice -n 10 python benchmarks/bench_weight_sharing.py --data-dir ../shared/data \
        --table ../shared/data/nb201/nb201_cifar10.csv --archs random:1000 --out /tmp/ws.csv
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy.stats import kendalltau, spearmanr

from archrank.data import load_dataset
from archrank.heuristics.training_scores import as_tensors
from archrank.scoring import select_archs
from archrank.spaces import get_space
from archrank.train.regimes import resize, subsample
from archrank.train.supernet import Supernet, load_supernet, save_supernet, score_child, train_supernet


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
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--bn-images", type=int, default=256)
    ap.add_argument("--valid-images", type=int, default=500)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--supernet", default="/tmp/ws_supernet.pt")
    ap.add_argument("--out", default="/tmp/ws.csv")
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    with open(args.table, newline="") as f:
        truth = {int(r["index"]): float(r["c10_test_200"]) for r in csv.DictReader(f)}
    if args.report_only:
        return report(Path(args.out), truth, args)
    space = get_space("nb201")
    archs = select_archs(space, args.archs, args.seed)
    train = as_tensors(load_dataset("cifar10", split="train", data_dir=args.data_dir))
    valid = as_tensors(load_dataset("cifar10", split="test", data_dir=args.data_dir, limit=args.valid_images,
                                    seed=args.seed))
    xs, ys = subsample(train, args.train_ratio, seed=args.seed)
    xs = resize(xs, args.resolution)
    valid = (resize(valid[0], args.resolution), valid[1])

    sp = Path(args.supernet)
    if sp.exists():
        net = load_supernet(sp)
        print(f"loaded supernet {sp}", flush=True)
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(args.seed)
            net = Supernet(C=args.C, N=args.N, resolution=args.resolution)
        tr = train_supernet(net, (xs, ys), epochs=args.epochs, batch_size=args.batch_size, seed=args.seed)
        save_supernet(net, sp, train_seconds=tr.seconds, steps=tr.steps, images=len(xs), epochs=args.epochs)
        print(f"supernet trained: {tr.steps} steps on {len(xs)} images in {tr.seconds:.1f} s "
              f"(final loss {tr.final_loss:.3f})", flush=True)

    out = Path(args.out)
    done: dict[str, dict] = {}
    if out.exists():
        with open(out, newline="") as f:
            done = {r["canonical"]: r for r in csv.DictReader(f)}
    new = not out.exists()
    with open(out, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["index", "arch", "canonical", "score", "seconds", "computed"])
        if new:
            w.writeheader()
        for k, a in enumerate(archs):
            s, c, i = space.format(a), space.canonical(a), space.arch_to_index(a)
            if c in done:
                continue
            t0 = time.perf_counter()
            acc = score_child(net, s, (xs, ys), valid, bn_images=args.bn_images, seed=args.seed)
            row = {"index": i, "arch": s, "canonical": c, "score": acc, "seconds": time.perf_counter() - t0,
                   "computed": 1}
            w.writerow(row)
            f.flush()
            done[c] = row
            if k % 20 == 0:
                print(f"{k + 1}/{len(archs)} {i}: {acc:.2f}% in {row['seconds']:.2f}s", flush=True)
    return report(out, truth, args)


def report(out: Path, truth: dict[int, float], args) -> int:
    space = get_space("nb201")
    archs = select_archs(space, args.archs, args.seed)
    with open(out, newline="") as f:
        by_canon = {r["canonical"]: r for r in csv.DictReader(f)}
    xs, ys, secs = [], [], []
    for a in archs:
        r = by_canon.get(space.canonical(a))
        if r is None:
            continue
        xs.append(float(r["score"]))
        ys.append(truth[space.arch_to_index(a)])
        secs.append(float(r["seconds"]))
    info = torch.load(args.supernet, weights_only=False)["info"] if Path(args.supernet).exists() else {}
    print(f"\nweight sharing (supernet C={args.C} N={args.N} {args.resolution}px, {info.get('epochs')} epochs on "
          f"{info.get('images')} images: {info.get('train_seconds', float('nan')):.0f} s)")
    print(f"archs scored {len(xs)} of {len(archs)} ({len(by_canon)} canonical classes computed)")
    if len(xs) >= 3:
        print(f"spearman {spearmanr(xs, ys)[0]:.4f}  kendall {kendalltau(xs, ys)[0]:.4f}  "
              f"mean s/child {np.mean(secs):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
