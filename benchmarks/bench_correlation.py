"""Rank correlation of the training-free proxies with NB201 CIFAR-10 accuracy, on a sample of architectures.

Two steps, both through the public API / CLI (a figure printed here is what a user's commands give):

    # score: the first N architectures of the `random:1000 --seed 0` draw, into a store (resumable)
    .venv/bin/python benchmarks/bench_correlation.py score --sample eval --n 150 --store /tmp/eval.db
    # score the fit sample of the combined heuristic (canonical classes disjoint from random:1000, --fit-seed)
    .venv/bin/python benchmarks/bench_correlation.py score --sample fit --n 300 --store /tmp/fit.db \\
        --heuristics naswot,synflow,jacob_cov,params,flops
    # report Spearman / Kendall / top-10% for each proxy, the vote, the mean ranks and the combined heuristic:
    .venv/bin/python benchmarks/bench_correlation.py report --store /tmp/eval.db --fit-store /tmp/fit.db

The report is ``archrank correlate --store EVAL --benchmark nb201_cifar10.csv --metric c10_test_200
--combine vote --combine mean_rank:naswot,synflow,jacob_cov --combine mean_rank:naswot,synflow
--combine fit:naswot,synflow,jacob_cov --combine fit:naswot,synflow --fit-store FIT``, plus the agreement of
naswot with naswot_euclid.  Scores use CIFAR-10 batches of 64 from the shared data folder and seed 0 for
the batch and the weights (the run layer's defaults); members of a canonical class share one computation.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

DATA = Path(os.environ.get("ARCHRANK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
TABLE = DATA / "nb201" / "nb201_cifar10.csv"
ALL = "params,flops,grad_norm,snip,grasp,fisher,synflow,jacob_cov,naswot,naswot_euclid"
COMBINE = ("vote", "mean_rank:naswot,synflow,jacob_cov", "mean_rank:naswot,synflow", "fit:naswot,synflow,jacob_cov",
           "fit:naswot,synflow")


def eval_archs(space, n: int, seed: int = 0, total: int = 1000) -> list:
    """The first n architectures of ``random:{total}`` drawn with ``seed`` (what `archrank score` selects)."""
    from archrank.run import select_archs

    return select_archs(space, f"random:{total}", seed)[:n]


def fit_archs(space, n: int, fit_seed: int, exclude_seed: int = 0, exclude_total: int = 1000) -> list:
    """n architectures whose canonical classes are disjoint from those of the evaluated sample."""
    from archrank.heuristics.aggregate import disjoint_fit_sample

    return disjoint_fit_sample(space, eval_archs(space, exclude_total, exclude_seed, exclude_total), n,
                               seed=fit_seed)


def score(args) -> None:
    from archrank.run import ScoreSetting, run_scoring
    from archrank.spaces import get_space
    from archrank.store import open_store

    space = get_space("nb201")
    archs = eval_archs(space, args.n) if args.sample == "eval" else fit_archs(space, args.n, args.fit_seed)
    setting = ScoreSetting("nb201", data_dir=args.data_dir, threads=args.threads)
    with open_store(args.store) as store:
        s = run_scoring(setting, archs=[space.format(a) for a in archs], heuristics=args.heuristics, store=store)
    print(f"{s.computed} computed, {s.copied} copied, {s.held} held, {s.failed} failed in {s.seconds:.0f} s")


def report(args) -> None:
    from archrank import metrics
    from archrank.benchmarks.table import BenchmarkTable
    from archrank.cli import main as archrank
    from archrank.report.combine import parse_combination
    from archrank.report.consistency import paired_scores
    from archrank.store import open_store

    with open_store(args.store) as store:
        held = {r.heuristic for r in store.scores()}
    cmd = ["correlate", "--store", args.store, "--benchmark", args.benchmark, "--metric", args.metric]
    for c in COMBINE:
        if (c.startswith("fit") and not args.fit_store) or not set(parse_combination(c).resolve([])) <= held:
            continue  # a combination of heuristics this store does not hold
        cmd += ["--combine", c]
    if args.fit_store:
        cmd += ["--fit-store", args.fit_store, "--fit-n", str(args.fit_n), "--fit-seed", str(args.fit_seed)]
    print("archrank " + " ".join(cmd))
    rc = archrank(cmd)
    with open_store(args.store) as store:
        if {"naswot", "naswot_euclid"} <= held:
            paired = paired_scores(store, BenchmarkTable.from_file(args.benchmark), args.metric,
                                   heuristics=["naswot", "naswot_euclid"])
            a, b = (dict(zip(paired[h].archs, paired[h].scores)) for h in ("naswot", "naswot_euclid"))
            keys = sorted(set(a) & set(b))
            x, y, dropped = metrics.finite_pairs([a[k] for k in keys], [b[k] for k in keys])
            print(f"naswot vs naswot_euclid (n={len(keys)}, {dropped} non-finite): Spearman between the two scores "
                  f"{metrics.spearman(x, y):.4f}, Kendall {metrics.kendall_tau(x, y):.4f}")
    if rc:
        raise SystemExit(rc)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("score")
    s.add_argument("--sample", choices=["eval", "fit"], default="eval")
    s.add_argument("--n", type=int, default=150)
    s.add_argument("--fit-seed", type=int, default=1)
    s.add_argument("--heuristics", default=ALL)
    s.add_argument("--store", required=True)
    s.add_argument("--data-dir", default=str(DATA))
    s.add_argument("--threads", type=int, default=1)
    r = sub.add_parser("report")
    r.add_argument("--store", required=True)
    r.add_argument("--fit-store", default=None)
    r.add_argument("--fit-n", type=int, default=0, help="use only the first N fit architectures")
    r.add_argument("--fit-seed", type=int, default=1)
    r.add_argument("--benchmark", default=str(TABLE))
    r.add_argument("--metric", default="c10_test_200")
    args = p.parse_args(argv)
    score(args) if args.cmd == "score" else report(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
