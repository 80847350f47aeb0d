"""Rank consistency of reduced training regimes (EcoNAS) on NAS-Bench-201, against 200-epoch accuracy.

Part (a), from benchmark data (cheap): Spearman/Kendall between the 12-epoch and 200-epoch columns of
``nb201_cifar10.csv`` over all 15,625 architectures.

Part (b), real training here (CPU): ``--num-archs`` architectures drawn uniformly (numpy default_rng(seed)
over the official indices) are trained under each ``--regimes`` entry on the CIFAR-10 training images of
``--data-dir`` and scored by accuracy on ``--valid-images`` test images; the scores are correlated with
``c10_test_200``.  Results are appended to ``--out`` (CSV) as they come, so a killed run resumes.

    nice -n 10 python benchmarks/bench_reduced_training.py --data-dir ../shared/data/cifar10 \
        --table ../shared/data/nb201/nb201_cifar10.csv --num-archs 100 --regimes c2r1e6s0.25 c1r1e6s0.25 \
        --out /tmp/reduced_training.csv
"""

from __future__ import annotations

import argparse
import csv
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy.stats import kendalltau, spearmanr

from archrank.models.nb201 import build_nb201
from archrank.train.regimes import Regime, parse_regime, resize, subsample
from archrank.train.trainer import TrainConfig, count_forward_flops, evaluate_model, train


def ops_of(arch: str) -> list[str]:
    return [tok.split("~")[0] for part in arch.strip("|").split("|+|") for tok in part.split("|")]


def load_table(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def part_a(rows: list[dict]) -> None:
    print(f"\n(a) benchmark data, all architectures (n = {len(rows)})")
    print(f"{'reduced column':<16}{'target column':<16}{'spearman':>10}{'kendall':>10}")
    for lo, hi in (("c10_test_12", "c10_test_200"), ("c10v_valid_12", "c10v_valid_200"),
                   ("c10v_valid_12", "c10_test_200")):
        a = np.array([float(r[lo]) for r in rows])
        b = np.array([float(r[hi]) for r in rows])
        print(f"{lo:<16}{hi:<16}{spearmanr(a, b)[0]:>10.4f}{kendalltau(a, b)[0]:>10.4f}")


def load_cifar(data_dir: Path) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    try:
        from archrank.data import load_dataset  # type: ignore[attr-defined]
        from archrank.heuristics.training_scores import as_tensors

        tr = as_tensors(load_dataset("cifar10", split="train", data_dir=data_dir.parent))
        te = as_tensors(load_dataset("cifar10", split="test", data_dir=data_dir.parent))
        return tr, te
    except Exception as e:  # noqa: BLE001 - the loader may not be present on every checkout
        print(f"(archrank.data unavailable: {e}; reading the python pickles directly)", file=sys.stderr)

    def read(names):
        xs, ys = [], []
        for n in names:
            p = data_dir / "cifar-10-batches-py" / n
            if not p.exists():
                continue
            with open(p, "rb") as f:
                d = pickle.load(f, encoding="bytes")
            xs.append(np.asarray(d[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32))
            ys.append(np.asarray(d[b"labels"]))
        x = torch.from_numpy(np.concatenate(xs)).float() / 255.0
        mean = torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1)
        std = torch.tensor([0.2470, 0.2435, 0.2616]).view(1, 3, 1, 1)
        return (x - mean) / std, torch.from_numpy(np.concatenate(ys)).long()

    return read([f"data_batch_{i}" for i in range(1, 6)]), read(["test_batch"])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", default="../shared/data/nb201/nb201_cifar10.csv")
    ap.add_argument("--data-dir", default="../shared/data/cifar10")
    ap.add_argument("--num-archs", type=int, default=100)
    ap.add_argument("--regimes", nargs="*", default=["c2r1e6s0.25", "c1r1e6s0.25"])
    ap.add_argument("--valid-images", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="/tmp/reduced_training.csv")
    ap.add_argument("--skip-training", action="store_true")
    ap.add_argument("--report", nargs="*", default=None, metavar="CSV",
                    help="only print the table of (b) from these result files")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    rows = load_table(Path(args.table))
    part_a(rows)
    if args.report:
        report([Path(p) for p in args.report], None)
        return 0
    if args.skip_training:
        return 0
    idx = np.random.default_rng(args.seed).choice(len(rows), size=args.num_archs, replace=False)
    (xtr, ytr), (xte, yte) = load_cifar(Path(args.data_dir))
    valid = (xte[: args.valid_images], yte[: args.valid_images])
    done: set[tuple[str, int]] = set()
    out = Path(args.out)
    if out.exists():
        with open(out, newline="") as f:
            done = {(r["regime"], int(r["index"])) for r in csv.DictReader(f)}
    fields = ["regime", "index", "arch", "valid_acc", "seconds", "forward_flops", "train_flops", "c10_test_200",
              "c10v_valid_12"]
    new = not out.exists()
    with open(out, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        if new:
            w.writeheader()
        for name in args.regimes:
            reg: Regime = parse_regime(name)
            xs, ys = subsample((xtr, ytr), reg.g, seed=args.seed)
            xs = resize(xs, reg.resolution)
            vr = (resize(valid[0], reg.resolution), valid[1])
            cfg = reg.config(TrainConfig(batch_size=args.batch_size, seed=args.seed))
            for k, i in enumerate(idx):
                i = int(i)
                if (reg.name, i) in done:
                    continue
                r = rows[i]
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(args.seed)
                    model = build_nb201(ops_of(r["arch"]), 10, C=reg.channels)
                t0 = time.perf_counter()
                res = train(model, (xs, ys), config=cfg)
                _, acc = evaluate_model(model, vr)
                sec = time.perf_counter() - t0
                fwd = count_forward_flops(model, (3, reg.resolution, reg.resolution))
                w.writerow({"regime": reg.name, "index": i, "arch": r["arch"], "valid_acc": acc, "seconds": sec,
                            "forward_flops": fwd, "train_flops": res.train_flops,
                            "c10_test_200": r["c10_test_200"], "c10v_valid_12": r["c10v_valid_12"]})
                f.flush()
                print(f"{reg.name} {k + 1}/{len(idx)} arch {i}: acc {acc:.2f} in {sec:.1f}s", flush=True)
    report([out], [parse_regime(n).name for n in args.regimes])
    return 0


def _flops(rs: list[dict], name: str) -> float:
    """Mean training FLOPs per architecture (multiply-accumulates x 3 for forward+backward), counted on the
    models when the result file lacks them."""
    from archrank.models.flops import count_flops

    reg = parse_regime(name)
    vals = []
    for r in rs:
        if r["train_flops"] not in ("", "None"):
            vals.append(float(r["train_flops"]))
            continue
        m = build_nb201(ops_of(r["arch"]), 10, C=reg.channels)
        fwd = count_flops(m, (1, 3, reg.resolution, reg.resolution))
        vals.append(3.0 * fwd * reg.num_examples(20000) * reg.epochs)
    return float(np.mean(vals))


def report(paths: list[Path], regimes: list[str] | None) -> None:
    rs = []
    for path in paths:
        with open(path, newline="") as f:
            rs += list(csv.DictReader(f))
    if regimes is None:
        regimes = list(dict.fromkeys(r["regime"] for r in rs))
    print(f"\n(b) real training here ({os.cpu_count()} cores), target c10_test_200")
    print(f"{'regime':<14}{'n':>5}{'spearman':>10}{'kendall':>10}{'s/arch':>9}{'GFLOP/arch':>12}"
          f"{'rho(c10v_valid_12)':>20}")
    for name in regimes:
        sub = [r for r in rs if r["regime"] == name]
        if len(sub) < 3:
            continue
        a = np.array([float(r["valid_acc"]) for r in sub])
        t = np.array([float(r["c10_test_200"]) for r in sub])
        v12 = np.array([float(r["c10v_valid_12"]) for r in sub])
        gf = _flops(sub, name) / 1e9
        print(f"{name:<14}{len(sub):>5}{spearmanr(a, t)[0]:>10.4f}{kendalltau(a, t)[0]:>10.4f}"
              f"{np.mean([float(r['seconds']) for r in sub]):>9.1f}{gf:>12.2f}{spearmanr(v12, t)[0]:>20.4f}")


if __name__ == "__main__":
    sys.exit(main())
