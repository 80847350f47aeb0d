"""Rank consistency and cost of the kernel heuristics on an NB201 sample (CIFAR-10, 200-epoch test accuracy).

Runs (resumably: a finished store is not recomputed)

    archrank score --space nb201 --archs random:1000 --seed 0 --dataset cifar10 --batch-size 64 \\
        --heuristics ntk_cond,ntk_krr,linear_regions --store /tmp/kernel_h.db
    archrank score ... --heuristics nngp_krr,cntk_krr --store /tmp/kernel_h_analytic2.db
    archrank correlate --store STORE --benchmark nb201_cifar10.csv --metric c10_test_200 --json

and prints one table (optionally with the zero-cost proxies of another store, ``--proxy-store``).  The two
groups run in separate processes and stores so they can run side by side; the selection equals
``archrank score --archs random:1000 --seed 0``.  ``ntk_cond``/``ntk_krr`` share one Jacobian and
``nngp_krr``/``cntk_krr`` one analytic kernel (see archrank.heuristics.kernel_scores): the table's
``s/arch`` of the second of each pair is ~0, the pair's cost is the sum.  Interrupted runs leave partial
stores; correlate then reports on the architectures finished (column n).

    OMP_NUM_THREADS=1 nice .venv/bin/python benchmarks/bench_kernel_heuristics.py --data-dir /work/shared/data \\
        [--skip-score] [--proxy-store /tmp/lead/r1000.db]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

from archrank.run.setting import DEFAULT_BATCH_SIZE

GROUPS = {"empirical": "ntk_cond,ntk_krr,linear_regions", "analytic": "nngp_krr,cntk_krr"}


def archrank(*args: str, capture: bool = False) -> str:
    cmd = [sys.executable, "-m", "archrank", *args]
    print("$ archrank " + " ".join(args), file=sys.stderr, flush=True)
    res = subprocess.run(cmd, check=True, text=True, stdout=subprocess.PIPE if capture else None)
    return res.stdout or ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--archs", default="random:1000")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--store-empirical", default="/tmp/kernel_h.db")
    ap.add_argument("--store-analytic", default="/tmp/kernel_h_analytic2.db")
    ap.add_argument("--benchmark", default="/work/shared/data/nb201/nb201_cifar10.csv")
    ap.add_argument("--metric", default="c10_test_200")
    ap.add_argument("--proxy-store", default=None, help="a store of other heuristics on the same sample")
    ap.add_argument("--skip-score", action="store_true", help="only correlate what the stores hold")
    args = ap.parse_args()
    stores = {"empirical": args.store_empirical, "analytic": args.store_analytic}
    if not args.skip_score:
        for group, names in GROUPS.items():
            extra = ["--data-dir", args.data_dir] if args.data_dir else []
            archrank("score", "--space", "nb201", "--archs", args.archs, "--seed", str(args.seed), "--dataset",
                     "cifar10", "--batch-size", str(args.batch_size), "--heuristics", names, "--store",
                     stores[group], "--no-progress", *extra)
    rows: dict[str, dict] = {}
    sources = list(stores.items()) + ([("proxies", args.proxy_store)] if args.proxy_store else [])
    for group, store in sources:
        if not Path(store).is_file():
            print(f"(no store {store} for {group})", file=sys.stderr)
            continue
        out = archrank("correlate", "--store", store, "--benchmark", args.benchmark, "--metric", args.metric,
                       "--space", "nb201", "--dataset", "cifar10", "--batch-size", str(args.batch_size), "--seed",
                       str(args.seed), "--json", capture=True)
        for name, row in json.loads(out).items():
            rows.setdefault(name, {**row, "group": group})
    print(f"\nrank consistency against {args.metric} ({args.archs}, seed {args.seed}, batch {args.batch_size})")
    print(f"{'heuristic':<16} {'group':<10} {'spearman':>8} {'kendall':>8} {'top10%':>7} {'pairwise':>8} {'n':>5} "
          f"{'excl.':>5} {'s/arch':>8}")
    for name, r in sorted(rows.items(), key=lambda kv: (kv[1]["group"] == "proxies", -(kv[1]["spearman"] or 0))):
        print(f"{name:<16} {r['group']:<10} {r['spearman']:8.3f} {r['kendall']:8.3f} {r['top10']:7.3f} "
              f"{r['pairwise']:8.3f} {r['n']:5d} {r['n_excluded']:5d} {r['seconds_per_arch']:8.3f}")
    live_subset(stores, args.benchmark, args.metric,
                {"space": "nb201", "dataset": "cifar10", "batch_size": args.batch_size, "seed": args.seed})


def live_subset(stores: dict[str, str], benchmark: str, metric: str, setting: dict) -> None:
    """Spearman of each kernel heuristic on the architectures whose NTK is not singular (finite ntk_cond):
    how much of the rank consistency is the separation of dead networks (output independent of the input)."""
    from scipy.stats import spearmanr

    from archrank.benchmarks.table import BenchmarkTable
    from archrank.heuristics import HEURISTICS
    from archrank.store import open_store

    table = BenchmarkTable.from_file(benchmark)
    values: dict[str, dict[str, float]] = {}
    for store in stores.values():
        if not Path(store).is_file():
            continue
        with open_store(store) as st:
            for r in st.scores(**setting):
                if r.value is not None and r.error is None:
                    values.setdefault(r.heuristic, {})[r.arch] = float(r.value)
    cond = values.get("ntk_cond")
    if not cond:
        return
    live = [a for a, v in cond.items() if math.isfinite(v) and table.has(a)]
    dead = [a for a, v in cond.items() if not math.isfinite(v) and table.has(a)]
    mean_dead = sum(table.lookup(a, metric) for a in dead) / len(dead) if dead else float("nan")
    print(f"\n{len(dead)} architectures have a singular NTK (ntk_cond = inf; mean {metric} {mean_dead:.2f}); "
          f"Spearman on the other {len(live)}:")
    for name, vals in values.items():
        sign = 1.0 if HEURISTICS.get(name).higher_is_better else -1.0
        common = [a for a in live if a in vals and math.isfinite(vals[a])]
        rho = spearmanr([sign * vals[a] for a in common], [table.lookup(a, metric) for a in common])[0]
        print(f"  {name:<16} {rho:7.3f}  (n={len(common)})")


if __name__ == "__main__":
    main()
