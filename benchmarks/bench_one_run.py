"""Several heuristics in one scoring run against one run per heuristic: whole ``archrank score`` commands.

The issue's target: the seven 2021 proxies (naswot, synflow, snip, grad_norm, fisher, jacob_cov, grasp) on
30 NB201 architectures, in one run (their shared passes computed once per architecture) and in seven runs,
each a fresh ``archrank score`` process with a fresh store, timed by wall clock (process start, data
loading, model building and store writes included, as a user meets them).  Prints each run's wall
seconds, the sum of the seven and the ratio.

    PYTHONPATH=src python benchmarks/bench_one_run.py --archs 30 --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEVEN = "naswot,synflow,snip,grad_norm,fisher,jacob_cov,grasp"


def score(heuristics: str, store: Path, args: argparse.Namespace) -> float:
    """Wall seconds of one ``archrank score`` command."""
    cmd = [sys.executable, "-m", "archrank", "score", "--space", "nb201", "--archs", f"random:{args.archs}",
           "--seed", str(args.seed), "--heuristics", heuristics, "--store", str(store), "--workers",
           str(args.workers), "--device", "cpu", "--quiet", "--no-progress"]
    if args.data_dir:
        cmd += ["--data-dir", args.data_dir]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--archs", type=int, default=30, help="random NB201 architectures (default 30)")
    ap.add_argument("--heuristics", default=SEVEN, help=f"comma-separated (default {SEVEN})")
    ap.add_argument("--workers", type=int, default=2, help="worker processes of each run (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args()
    names = [h.strip() for h in args.heuristics.split(",") if h.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        together = score(",".join(names), Path(tmp) / "one.db", args)
        alone = {h: score(h, Path(tmp) / f"{h}.db", args) for h in names}
    print(f"{len(names)} heuristics on {args.archs} NB201 architectures (random:{args.archs}, seed {args.seed}), "
          f"{args.workers} workers, whole 'archrank score' commands, wall seconds")
    for h, s in alone.items():
        print(f"  {h:12s} alone {s:8.1f}")
    total = sum(alone.values())
    print(f"  {len(names)} runs {total:8.1f}; one run {together:8.1f}; ratio {total / together:.2f}x")


if __name__ == "__main__":
    main()
