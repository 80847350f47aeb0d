"""Kernel machines on image subsets: the shape of Li et al. (2019), Table 1, at a scale a small CPU can do.

For each data set (CIFAR-10, Fashion-MNIST): a class-balanced subset of the training and test images,
downsampled by 2x2 averaging, standardised per channel (training statistics) and normalised per image.
Kernels: CNN-GP (the NNGP) and CNTK (the NTK) of ``depth`` x (3x3 conv, ReLU) with W_std = sqrt(2), then
a read-out: FC (flatten), GAP, or LAP with window parameter c; without and with horizontal-flip
symmetrisation.  All read-outs and both kernels come out of one pass over the image pairs (one more pass for
the flipped images).  Classifier: one-hot kernel ridge regression, ridge picked by leave-one-out accuracy
on the training subset.  Next to them: the CNN of the same depth (width 64) trained on the same subset.

    nice .venv/bin/python benchmarks/bench_kernel_machines.py [--n-train 200 --n-test 100 --depth 2 --lap 2]

Seconds: ``kernel s`` is the wall time of the kernel pass(es) a row needs (shared by the read-outs and the
two kernels of a pass, so they do not add up across rows), ``fit s`` the ridge selection, fit and
prediction.  The load average printed at the start says how busy the machine was.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch

from archrank.kernels import cntk
from archrank.kernels import predict as kp
from archrank.kernels import preprocess as pp

DATA = Path(os.environ.get("ARCHRANK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def load(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """uint8 NCHW images and labels of the train and test splits."""
    if name == "cifar10":
        from archrank.data.cifar import read_cifar

        d = DATA / "cifar10" / "cifar-10-batches-py"
        xtr, ytr = read_cifar(d, "cifar10", "train")
        xte, yte = read_cifar(d, "cifar10", "test")
    else:
        from archrank.data.mnist import read_idx_split

        d = DATA / "fashion-mnist"
        xtr, ytr = read_idx_split(d, "fashion-mnist", "train")
        xte, yte = read_idx_split(d, "fashion-mnist", "test")
    return xtr, np.asarray(ytr), xte, np.asarray(yte)


def balanced(labels: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    classes = np.unique(labels)
    per = n // classes.size
    idx = np.concatenate([rng.choice(np.flatnonzero(labels == c), size=per, replace=False) for c in classes])
    return rng.permutation(idx)


def prepare(x: np.ndarray) -> np.ndarray:
    """uint8 NCHW -> float NHWC downsampled by 2x2 averaging."""
    a = x.astype(np.float64).transpose(0, 2, 3, 1) / 255.0
    n, h, w, c = a.shape
    return a[:, : h // 2 * 2, : w // 2 * 2].reshape(n, h // 2, 2, w // 2, 2, c).mean(axis=(2, 4))


def train_cnn(xtr, ytr, xte, yte, *, depth: int, readout: str, flip: bool, seed: int, epochs: int = 40,
              width: int = 64) -> tuple[float, float]:
    """Test accuracy and seconds of a CNN of the same depth trained with Adam on the subset."""
    t0 = time.perf_counter()
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    c, h, w = xtr.shape[3], xtr.shape[1], xtr.shape[2]
    layers: list[torch.nn.Module] = []
    for i in range(depth):
        layers += [torch.nn.Conv2d(c if i == 0 else width, width, 3, padding=1), torch.nn.ReLU()]
    if readout == "gap":
        layers += [torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(width, 10)]
    else:
        layers += [torch.nn.Flatten(), torch.nn.Linear(width * h * w, 10)]
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=5e-4)
    xt = torch.tensor(xtr, dtype=torch.float32).permute(0, 3, 1, 2)
    yt = torch.tensor(ytr, dtype=torch.long)
    for _ in range(epochs):
        perm = torch.randperm(xt.shape[0], generator=g)
        for s in range(0, xt.shape[0], 32):
            b = perm[s:s + 32]
            xb = xt[b]
            if flip:
                m = torch.rand(xb.shape[0], generator=g) < 0.5
                xb = torch.where(m[:, None, None, None], xb.flip(3), xb)
            loss = torch.nn.functional.cross_entropy(net(xb), yt[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        pred = net(torch.tensor(xte, dtype=torch.float32).permute(0, 3, 1, 2)).argmax(1).numpy()
    return float(np.mean(pred == yte)), time.perf_counter() - t0


def run_dataset(name: str, args) -> list[tuple]:
    rng = np.random.default_rng(args.seed)
    xtr, ytr, xte, yte = load(name)
    itr, ite = balanced(ytr, args.n_train, rng), balanced(yte, args.n_test, rng)
    xtr, ytr, xte, yte = prepare(xtr[itr]), ytr[itr], prepare(xte[ite]), yte[ite]
    mean, std = xtr.mean(axis=(0, 1, 2)), xtr.std(axis=(0, 1, 2))
    xtr, xte = pp.normalize_per_image((xtr - mean) / std), pp.normalize_per_image((xte - mean) / std)
    readouts = ("fc", "gap", ("lap", args.lap))
    kw = {"depth": args.depth, "readouts": readouts}
    t = time.perf_counter()
    k_tr = cntk.cntk(xtr, **kw)
    k_te = cntk.cntk(xte, xtr, **kw)
    sec_plain = time.perf_counter() - t
    print(f"  {name}: kernel pass {sec_plain:.1f} s ({xtr.shape[0]}+{xte.shape[0]} images "
          f"{xtr.shape[1]}x{xtr.shape[2]})", flush=True)
    t = time.perf_counter()
    ftr = cntk.flip_horizontal(xtr)
    kf_tr = cntk.cntk(xtr, ftr, symmetric=True, **kw)
    kf_te = cntk.cntk(xte, ftr, **kw)
    sec_flip = time.perf_counter() - t
    print(f"  {name}: flip pass {sec_flip:.1f} s", flush=True)
    rows = []
    for flip in (False, True):
        for key in k_tr:
            for kind, label in (("ntk", "CNTK"), ("nngp", "CNN-GP")):
                a_tr, a_te = getattr(k_tr[key], kind), getattr(k_te[key], kind)
                if flip:
                    a_tr = (a_tr + getattr(kf_tr[key], kind)) / 2
                    a_te = (a_te + getattr(kf_te[key], kind)) / 2
                t = time.perf_counter()
                reg, _ = kp.select_regulariser(a_tr, ytr)
                acc = kp.KernelClassifier(reg=reg).fit(a_tr, ytr).score(a_te, yte)
                fit_s = time.perf_counter() - t
                ro = {"fc": "FC", "gap": "GAP"}.get(key, f"LAP c={args.lap}")
                rows.append((name, label, ro, "yes" if flip else "no", 100 * acc,
                             sec_plain + (sec_flip if flip else 0.0), fit_s, f"reg={reg:g}"))
                print("  " + _fmt(rows[-1]), flush=True)
    for ro in ("gap", "fc"):
        for flip in (False, True):
            acc, sec = train_cnn(xtr, ytr, xte, yte, depth=args.depth, readout=ro, flip=flip, seed=args.seed)
            rows.append((name, "CNN w=64 (Adam, 40 ep)", ro.upper(), "aug" if flip else "no", 100 * acc, 0.0, sec, ""))
            print("  " + _fmt(rows[-1]), flush=True)
    return rows


def _fmt(r) -> str:
    return f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[4]:.1f} | {r[5]:.0f} | {r[6]:.1f} | {r[7]} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", nargs="+", default=["cifar10", "fashion-mnist"])
    ap.add_argument("--n-train", type=int, default=200)
    ap.add_argument("--n-test", type=int, default=100)
    ap.add_argument("--depth", type=int, default=2)
    ap.add_argument("--lap", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(f"n_train={args.n_train} n_test={args.n_test} depth={args.depth} LAP c={args.lap} seed={args.seed} "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    t0 = time.perf_counter()
    rows = []
    for name in args.datasets:
        rows += run_dataset(name, args)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s\n")
    print("| data | model | read-out | flip | test acc % | kernel s | fit/train s | note |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(_fmt(r))


if __name__ == "__main__":
    main()
