"""``archrank demo``: the main job on an embedded default (see :mod:`archrank.demo`)."""

from __future__ import annotations

import argparse
import math
from dataclasses import asdict

from archrank.cli.output import JSON_HELP, print_json


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", description="Score a seeded sample of NB201 architectures with the training-free "
                       "heuristics, train a few for real under a reduced regime, and report how well each "
                       "heuristic's ranking agrees with the trained ranking.")
    p.add_argument("--data-dir", help="data directory (CIFAR-10 used when it holds cifar-10-batches-py; "
                   "default $ARCHRANK_DATA, else Fashion-MNIST from the system)")
    p.add_argument("--archs", type=int, default=100, help="architectures to score (default 100)")
    p.add_argument("--train", type=int, default=10, help="architectures to train (default 10)")
    p.add_argument("--regime", default="c1r1e5", help="reduced regime c<a>r<b>e<d>s<g> (default c1r1e5: "
                   "8 channels, 16x16 pixels, 6 epochs)")
    p.add_argument("--train-images", type=int, default=2000)
    p.add_argument("--heuristics", help="comma-separated heuristics (default: params,flops,naswot,synflow,"
                   "jacob_cov,snip)")
    p.add_argument("--benchmark", help="benchmark table (e.g. nb201_cifar10.csv) to also compare against")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--store", help="keep results in this SQLite store (default: a temporary one)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=run)


def _fmt(x: float) -> str:
    return "   nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.3f}"


def run(args: argparse.Namespace) -> int:
    from archrank.demo import DEFAULT_HEURISTICS, run_demo
    from archrank.errors import InvalidArgument

    for name in ("archs", "train", "train_images"):
        if getattr(args, name) < 2:
            raise InvalidArgument(f"--{name.replace('_', '-')} must be at least 2, got {getattr(args, name)}")
    if args.train > args.archs:
        raise InvalidArgument(f"--train ({args.train}) must be at most --archs ({args.archs}): the trained "
                              "architectures are drawn from the scored ones")
    hs = tuple(h.strip() for h in args.heuristics.split(",")) if args.heuristics else DEFAULT_HEURISTICS
    from archrank.heuristics import HEURISTICS

    for h in hs:
        HEURISTICS.get(h)  # unknown names: one line listing the valid ones
    res = run_demo(data_dir=args.data_dir, n_archs=args.archs, n_train=args.train, heuristics=hs,
                   regime=args.regime, train_images=args.train_images, seed=args.seed, store_path=args.store,
                   benchmark=args.benchmark, progress=not (args.json or args.quiet))
    if args.json:
        print_json(asdict(res), indent=2)
        return 0
    print(f"archrank demo: {res.n_archs} NB201 architectures on {res.dataset}, {res.n_trained} trained "
          f"({res.regime})")
    print()
    cols = "heuristic        rho(trained)  tau(trained)  s/arch"
    if res.vs_benchmark:
        cols += "   rho(benchmark c10_test_200)"
    print(cols)
    for name, row in res.vs_trained.items():
        line = f"{name:<16} {_fmt(row['spearman']):>12}  {_fmt(row['kendall']):>12}  {row['seconds_per_arch']:6.3f}"
        if res.vs_benchmark:
            line += f"   {_fmt(res.vs_benchmark[name]['spearman']):>10}"
        print(line)
    print()
    print("trained sample (test accuracy %):")
    for t in sorted(res.trained, key=lambda t: -t["test_acc"]):
        print(f"  {t['test_acc']:6.2f}  #{t['index']:<6} {t['arch']}")
    b = res.best_trained
    print(f"\nbest trained architecture: #{b['index']} {b['arch']} ({b['test_acc']:.2f}% under the regime)")
    h = res.best_by_heuristics
    print(f"best by mean heuristic rank: #{h['index']} {h['arch']}")
    s = res.seconds
    print(f"\nwall time: {s['total']:.1f} s (scoring {s['scoring']:.1f} s, training {s['training']:.1f} s)")
    return 0
