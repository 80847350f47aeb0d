"""How closely the path-kernel machine (Domingos 2020) reproduces a trained network.

A 2-hidden-layer ReLU MLP (NTK parameterisation) is trained by full-batch gradient descent (squared loss,
small steps) on a small regression task on the sphere S^3: target x0 + 2 x1 x2, train and test points
drawn uniformly.  Every step is recorded; the kernel machine ``f_0(x) - sum_i int K_t(x, x_i) l'_i dt`` is
then built from C evenly spaced checkpoints (trapezoid rule, and the left Riemann sum) and compared with
the trained network on the test points:

* rel. err (change): ||f_KM - f_T|| / ||f_T - f_0||   (error relative to what training changed)
* rel. err (output): ||f_KM - f_T|| / ||f_T||
* corr: Pearson correlation of (f_KM - f_0) and (f_T - f_0)

    .venv/bin/python benchmarks/bench_path_kernel.py [--width 256] [--steps 400] [--lr 0.005]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from archrank.data import synthetic as syn
from archrank.kernels import path as pk
from archrank.kernels.empirical import NTKMLP


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--width", type=int, default=256)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--lr", type=float, default=0.005)
    ap.add_argument("--train", type=int, default=32)
    ap.add_argument("--test", type=int, default=64)
    args = ap.parse_args()
    x = torch.from_numpy(syn.hypersphere(args.train + args.test, 3, 0)).float()
    y = (x[:, 0] + 2 * x[:, 1] * x[:, 2]).unsqueeze(1)
    xtr, ytr, xte = x[:args.train], y[:args.train], x[args.train:]
    model = NTKMLP(4, [args.width, args.width], 1, W_std=1.4, b_std=0.1, seed=0)
    t0 = time.perf_counter()
    traj = pk.train_gd(model, xtr, ytr, lr=args.lr, steps=args.steps)
    print(f"MLP 4-{args.width}-{args.width}-1, {args.train} train / {args.test} test points on S^3, "
          f"lr {args.lr}, {args.steps} steps: train loss {traj.losses[0]:.4f} -> {traj.losses[-1]:.4f} "
          f"({time.perf_counter() - t0:.1f} s)")
    f_t = pk.network_output(model, traj.params[-1], xte)
    f_0 = pk.network_output(model, traj.params[0], xte)
    print(f"{'checkpoints':>11} {'rule':>9} {'rel. err (change)':>18} {'rel. err (output)':>18} {'corr':>8} {'seconds':>8}")
    counts = [c for c in (2, 3, 5, 11, 21, 41, 101, args.steps + 1) if c <= args.steps + 1]
    for c in counts:
        sub = traj.subsample(c)
        for rule in ("trapezoid", "left"):
            t = time.perf_counter()
            km = pk.path_kernel_machine(model, sub, xte, rule=rule)
            sec = time.perf_counter() - t
            d = km.prediction - f_t
            corr = np.corrcoef((km.prediction - f_0)[:, 0].numpy(), (f_t - f_0)[:, 0].numpy())[0, 1]
            print(f"{c:11d} {rule:>9} {float(d.norm() / (f_t - f_0).norm()):18.5f} "
                  f"{float(d.norm() / f_t.norm()):18.5f} {corr:8.5f} {sec:8.2f}")


if __name__ == "__main__":
    main()
