"""Eigenlearning (Simon et al. 2021) predictions against measured kernel regression.

Prints (1) predicted vs measured test MSE on the unit circle and the hypercube for several n, at zero ridge
and at a ridge equal to the kernel's mean diagonal (on the circle also a scan over the ridge), and (2) the learnability of parities (Walsh functions) by
order on the hypercube, predicted and measured.  Kernels: the analytic NTK / NNGP of a ReLU MLP (4 hidden
layers, W_std=sqrt(2), b_std=0.1).

    .venv/bin/python benchmarks/bench_learnability.py [--trials 200] [--circle-points 128] [--cube-dim 8]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from archrank.data import synthetic as syn
from archrank.kernels import analytic as ak
from archrank.kernels import learnability as le


def relu_mlp(depth: int) -> ak.Layer:
    layers: list[ak.Layer] = [ak.Dense(W_std=math.sqrt(2), b_std=0.1)]
    for _ in range(depth):
        layers += [ak.Relu(), ak.Dense(W_std=math.sqrt(2), b_std=0.1)]
    return ak.serial(*layers)


def mse_table(domain: str, kind: str, k: np.ndarray, f: np.ndarray, ns, ridges, trials: int) -> None:
    eig = le.eigendecompose(k)
    print(f"\n{domain}, {kind} kernel (M={k.shape[0]}, mean diagonal {np.mean(np.diag(k)):.3f})")
    print(f"{'ridge':>8} {'n':>5} {'kappa':>10} {'sum L':>8} {'E0':>7} {'predicted MSE':>14} "
          f"{'measured MSE +- std':>24} {'rel. diff':>9}")
    for ridge in ridges:
        for n in ns:
            p = le.predict(eig, f, n, ridge=ridge)
            m, s = le.measure_mse(k, f, n, ridge=ridge, trials=trials, rng=n)
            print(f"{ridge:8.3f} {n:5d} {p.kappa:10.3e} {p.learnability_sum:8.2f} {p.e0:7.3f} {p.mse:14.4e} "
                  f"{m:13.4e} +- {s:8.2e} {(m - p.mse) / p.mse:+9.3f}")


GAP_NS = (16, 32, 64)


def relative_gap(k: np.ndarray, f: np.ndarray, n: int, trials: int, *, eig: le.Eigensystem | None = None,
                 ridge: float = 0.0, replace: bool = True) -> tuple[float, float, float]:
    """(predicted MSE, measured MSE, (measured - predicted) / predicted) of kernel regression from n points."""
    eig = le.eigendecompose(k) if eig is None else eig
    p = le.predict(eig, f, n, ridge=ridge).mse
    meas, _ = le.measure_mse(k, f, n, ridge=ridge, trials=trials, rng=n, replace=replace)
    return p, meas, (meas - p) / p


def circulant_check(trials: int, m: int = 256) -> None:
    """Zero-ridge gap on synthetic circulant kernels with spectrum (1+k)^-alpha over the Fourier modes, and
    the same spectrum with random eigenvectors: tells the theory's limits from the code's."""
    t = 2 * np.pi * np.arange(m) / m
    f = np.cos(t) + 0.7 * np.sin(2 * t) + 0.5 * np.cos(4 * t)
    d = t[:, None] - t[None, :]
    print(f"\ncirculant kernels on {m} circle points, spectrum (1+k)^-alpha, zero ridge, distinct points: "
          "relative difference (measured - predicted) / predicted")
    print(f"{'kernel':>24} " + " ".join(f"{'n=' + str(n):>8}" for n in GAP_NS))

    def row(label: str, k: np.ndarray, target: np.ndarray) -> None:
        eig = le.eigendecompose(k)
        gaps = [relative_gap(k, target, n, trials, eig=eig, replace=False)[2] for n in GAP_NS]
        print(f"{label:>24} " + " ".join(f"{g:+8.3f}" for g in gaps))

    for alpha in (1.5, 2.0, 3.0):
        k = np.ones((m, m))
        for freq in range(1, m // 2):
            k += 2 * (1.0 + freq) ** -alpha * np.cos(freq * d)
        k += (1.0 + m // 2) ** -alpha * np.cos(m // 2 * d)
        row(f"Fourier, alpha={alpha:g}", k, f)
    q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((m, m)))
    ev = np.sort(np.linalg.eigvalsh(k))[::-1]
    row("random vectors, alpha=3", (q * ev) @ q.T, (q[:, 1] + 0.7 * q[:, 3]) * np.sqrt(m))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=200)
    ap.add_argument("--circle-points", type=int, default=128)
    ap.add_argument("--cube-dim", type=int, default=8)
    args = ap.parse_args()
    t0 = time.perf_counter()
    net = relu_mlp(4)
    ns = (4, 8, 16, 32, 64)

    m = args.circle_points
    xc, th = syn.unit_circle(m), syn.circle_angles(m)
    fc = syn.circle_mode(th, 1) + 0.7 * syn.circle_mode(th, 2, "sin") + 0.5 * syn.circle_mode(th, 4)
    kc = net(xc)
    print("target on the circle: cos(theta) + 0.7 sin(2 theta) + 0.5 cos(4 theta)")
    for kind in ("ntk", "nngp"):
        k = getattr(kc, kind)
        mse_table("unit circle", kind, k, fc, ns, (0.0, float(np.mean(np.diag(k)))), args.trials)

    print("\nunit circle, NTK: relative difference (measured - predicted) / predicted against the ridge "
          "(a fraction of the mean diagonal)")
    print(f"{'depth':>5} {'ridge / diag':>12} " + " ".join(f"{'n=' + str(n):>8}" for n in GAP_NS))
    for depth in (1, 4):
        k = relu_mlp(depth)(xc).ntk
        eig, md = le.eigendecompose(k), float(np.mean(np.diag(k)))
        for frac in (0.0, 1e-3, 1e-2, 1e-1, 1.0):
            gaps = [relative_gap(k, fc, n, args.trials, eig=eig, ridge=frac * md)[2] for n in GAP_NS]
            print(f"{depth:5d} {frac:12g} " + " ".join(f"{g:+8.3f}" for g in gaps))

    circulant_check(args.trials)

    d = args.cube_dim
    xh = syn.hypercube(d)
    fh = syn.parity(xh, [0]) + 0.7 * syn.parity(xh, [1, 2]) + 0.5 * syn.parity(xh, [3, 4, 5])
    kh = net(xh)
    print("\ntarget on the hypercube: x0 + 0.7 x1 x2 + 0.5 x3 x4 x5")
    for kind in ("ntk", "nngp"):
        k = getattr(kh, kind)
        mse_table(f"hypercube d={d}", kind, k, fh, ns, (0.0, float(np.mean(np.diag(k)))), args.trials)

    print(f"\nhypercube d={d}, NTK, zero ridge: draws with replacement (as above) vs distinct points")
    eig = le.eigendecompose(kh.ntk)
    print(f"{'n':>5} {'predicted':>10} {'with repl.':>11} {'rel.':>7} {'distinct':>10} {'rel.':>7}")
    for n in GAP_NS:
        p, a, ga = relative_gap(kh.ntk, fh, n, args.trials, eig=eig)
        _, b, gb = relative_gap(kh.ntk, fh, n, args.trials, eig=eig, replace=False)
        print(f"{n:5d} {p:10.4f} {a:11.4f} {ga:+7.3f} {b:10.4f} {gb:+7.3f}")

    print(f"\nparity learnability on the hypercube d={d}, NTK, zero ridge "
          "(predicted / measured over trials, target chi_S with S = {0..order-1})")
    k = kh.ntk
    eig = le.eigendecompose(k)
    pn = (8, 32, 128)
    print(f"{'order':>5} {'mult.':>6} {'eigenvalue':>11} " + " ".join(f"{'L pred/meas n=' + str(n):>22}" for n in pn))
    for order in range(d + 1):
        chi = syn.parity(xh, list(range(order)))
        lam = le.mode_eigenvalue(k, chi)
        cells = []
        for n in pn:
            pred = le.target_learnability(eig, chi, n)
            meas, _ = le.measure_learnability(k, chi, n, trials=max(20, args.trials // 5), rng=order)
            cells.append(f"{pred:10.4f} / {meas:9.4f}")
        print(f"{order:5d} {syn.hypercube_multiplicity(d, order):6d} {lam:11.4e} " + " ".join(f"{c:>22}" for c in cells))
    print(f"\ntotal {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
