"""Speed and memory of the analytic CNN kernels on CIFAR-10 images.

The network is the two-conv GAP network of the peer reference file (neural-tangents 0.6.5):
conv(3x3, SAME, W_std=1.5, b_std=0.05) - relu - conv(3x3) - relu - GAP - dense, NNGP and NTK together, float64.
Each size runs in a fresh process so the reported peak resident memory (VmHWM) is that of the computation
(the figure in parentheses is the increase over the process after imports and data loading).  The values of
the fast route are checked against the straightforward layer-by-layer route on a few images.

    .venv/bin/python benchmarks/bench_cntk.py [--sizes 20 50 100]

Wall-clock seconds depend on how busy the machine is (the load average is printed); CPU seconds of the
process (the route runs on one thread) are the figure to compare across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

DATA = Path(os.environ.get("ARCHRANK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def cifar_images(n: int) -> np.ndarray:
    with open(DATA / "cifar10" / "cifar-10-batches-py" / "test_batch", "rb") as f:
        d = pickle.load(f, encoding="bytes")
    x = d[b"data"][:n].reshape(n, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float64) / 255.0
    return (x - x.mean(axis=(0, 1, 2))) / x.std(axis=(0, 1, 2))


def network():
    from archrank.kernels import analytic as ak

    wb = {"W_std": 1.5, "b_std": 0.05}
    return ak.serial(ak.Conv(64, 3, **wb), ak.Relu(), ak.Conv(64, 3, **wb), ak.Relu(), ak.GlobalAvgPool(),
                     ak.Dense(10, **wb))


def _rss_mb() -> float:
    """Peak resident memory of this process in MB (VmHWM: unlike ru_maxrss it does not carry over the
    parent's peak across fork + exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return float(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def child(n: int, method: str) -> None:
    x = cifar_images(n)
    net = network()
    base = _rss_mb()
    t, c = time.perf_counter(), time.process_time()
    k = net(x, method=method)
    sec, cpu = time.perf_counter() - t, time.process_time() - c
    print(json.dumps({"n": n, "method": method, "seconds": sec, "cpu": cpu, "peak_mb": _rss_mb(), "base_mb": base,
                      "finite": bool(np.isfinite(k.nngp).all() and np.isfinite(k.ntk).all())}))


def check_values() -> float:
    """Max relative difference between the fast and the straightforward route on 3 CIFAR images."""
    x = cifar_images(3)
    net = network()
    a, b = net(x, method="fast"), net(x, method="generic")
    return max(float(np.abs(a.nngp - b.nngp).max() / np.abs(b.nngp).max()),
               float(np.abs(a.ntk - b.ntk).max() / np.abs(b.ntk).max()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[20, 50])
    ap.add_argument("--child", nargs=2, metavar=("N", "METHOD"))
    args = ap.parse_args()
    if args.child:
        child(int(args.child[0]), args.child[1])
        return
    print(f"fast vs straightforward route, 3 CIFAR-10 images 32x32: max relative difference {check_values():.2e}")
    print(f"{'images':>6} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'(increase)':>10} {'load avg':>8}")
    for n in args.sizes:
        load = os.getloadavg()[0]
        out = subprocess.run([sys.executable, __file__, "--child", str(n), "fast"],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{n:>6} {r['seconds']:>8.2f} {r['cpu']:>8.2f} {r['peak_mb']:>8.0f} {r['peak_mb'] - r['base_mb']:>+10.0f}"
              f" {load:>8.1f}" + ("" if r["finite"] else "  NON-FINITE VALUES"), flush=True)


if __name__ == "__main__":
    main()
