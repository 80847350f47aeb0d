"""naswot on every NB201 architecture: the whole ``archrank score`` command a user runs, timed by wall clock.

Runs ``archrank score --space nb201 --archs all --heuristics naswot`` at the table protocol (CIFAR-10,
batch 64, seed 0) into a fresh store, as a separate process (start, data loading, enumeration of the
15,625 architectures, scoring of the 6,466 canonical classes and the store writes included), and prints
its wall seconds.  ``--archs random:N`` times a subset instead (to check the script; the target is on
``all``), and the seconds per canonical class scored.

    PYTHONPATH=src python benchmarks/bench_naswot_all.py --data-dir ../shared/data --workers 2
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--archs", default="all", help="selection (default all; random:N for a quick check)")
    ap.add_argument("--heuristics", default="naswot")
    ap.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "scores.db"
        cmd = [sys.executable, "-m", "archrank", "score", "--space", "nb201", "--archs", args.archs,
               "--heuristics", args.heuristics, "--dataset", "cifar10", "--batch-size", "64", "--seed", "0",
               "--store", str(store), "--workers", str(args.workers), "--device", "cpu", "--no-progress"]
        if args.data_dir:
            cmd += ["--data-dir", args.data_dir]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        wall = time.perf_counter() - t0
    summary = [line for line in done.stdout.splitlines() if line.startswith("scored ")]
    print(" ".join(cmd[1:]).replace(str(store), "<fresh store>"))
    if summary:
        print(summary[-1])
    print(f"wall {wall:.1f} s ({wall / 60:.1f} min), {args.workers} workers")


if __name__ == "__main__":
    main()
