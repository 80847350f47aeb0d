"""``archrank demo``: which cheap heuristic ranks NB201 best, at what cost, and what it buys a search
(see :mod:`archrank.demo`)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import asdict
from typing import Any

from archrank.cli.arg_types import nonnegative_int, positive_int
from archrank.demo.config import (
    DEFAULT_ARCHS,
    DEFAULT_BATCH_SIZE,
    DEFAULT_BENCHMARK,
    DEFAULT_BUDGET_SECONDS,
    DEFAULT_HEURISTICS,
    DEFAULT_METRIC,
    DEFAULT_REGIME,
    DEFAULT_REPORT_DIR,
    DEFAULT_RUNS,
    DEFAULT_SPACE,
)

FLAGS = {"n_archs": "--archs", "n_train": "--train", "report_dir": "--report", "store": "--store",
         "heuristics": "--heuristics", "budget_seconds": "--budget-seconds", "train_images": "--train-images", "test_images": "--test-images",
         "batch_size": "--batch-size", "data_dir": "--data-dir", "benchmark": "--benchmark", "regime": "--regime"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo", help="which cheap heuristic ranks NB201 best, and what it buys a search (offline, ~3 min)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Score a seeded sample of NB201 architectures with cheap training-free heuristics on one "
        "batch of real images (CIFAR-10 when the data directory holds it, else Fashion-MNIST), correlate each "
        "with NB201's 200-epoch CIFAR-10 test accuracy (packaged table), let the best one guide a search "
        "against REA under the NB201 protocol (costs charged), print the answer and write an HTML report.")
    p.add_argument("--data-dir", default=None, help="data directory (CIFAR-10 when it holds cifar-10-batches-py, "
                   "else Fashion-MNIST; unset: $ARCHRANK_DATA, then Debian's dataset-fashion-mnist)")
    p.add_argument("--space", default=DEFAULT_SPACE, help="image space to sample (default nb201); another space "
                   "needs a --benchmark table of its own (arch column and --metric); the search step then runs "
                   "only if the table has the NB201 protocol's columns")
    p.add_argument("--archs", type=int, default=DEFAULT_ARCHS, help="architectures to score (at least 3)")
    p.add_argument("--heuristics", default=",".join(DEFAULT_HEURISTICS),
                   help="comma-separated heuristics (`archrank heuristics` lists them)")
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="images in the scoring batch")
    p.add_argument("--benchmark", default=DEFAULT_BENCHMARK, help="benchmark table: a packaged name or a file "
                   "with the NB201 protocol's columns (c10v_valid_12, c10v_train_seconds_200) and the metric")
    p.add_argument("--metric", default=DEFAULT_METRIC, help="benchmark column the heuristics are correlated with")
    p.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="search runs per strategy")
    p.add_argument("--budget-seconds", type=float, default=DEFAULT_BUDGET_SECONDS,
                   help="simulated seconds per search run")
    p.add_argument("--train", type=int, default=0, help="also train this many of the scored architectures for "
                   "real under --regime (0: no training; short training does not rank like 200 epochs)")
    p.add_argument("--regime", default=DEFAULT_REGIME, help="reduced regime c<a>r<b>e<d>s<g> for --train "
                   "(c1r1e5: 8 channels, 16x16 pixels, 6 epochs)")
    p.add_argument("--train-images", type=int, default=2000, help="training images for --train")
    p.add_argument("--test-images", type=int, default=1000, help="test images the --train accuracies are measured on")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed of the sample, the batch, the weights and the runs")
    p.add_argument("--store", default=None, help="keep results in this SQLite store (default: a temporary one)")
    p.add_argument("--report", default=DEFAULT_REPORT_DIR, metavar="DIR",
                   help="folder for the HTML report (index.html and its CSV tables); 'none' writes none")
    p.add_argument("--threads", type=positive_int, default=None,
                   help="torch threads (default: every core; see archrank.run.threads)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars or notes on stderr")
    p.add_argument("--json", action="store_true", help="print one JSON object (and nothing else) on stdout")
    p.set_defaults(func=run, flags=FLAGS)


def _clean(x: Any) -> Any:
    """JSON-ready: non-finite floats become null, tuples lists."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def _f(x: float | None, digits: int = 3) -> str:
    return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.{digits}f}"


def _check_matplotlib() -> None:
    """The demo's last step draws the report: a broken environment without matplotlib (a core dependency) is
    told so before any work, not after minutes of it."""
    import importlib.util

    from archrank.errors import InvalidArgument

    try:
        found = importlib.util.find_spec("matplotlib") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise InvalidArgument("the demo's report needs matplotlib, a dependency of archrank missing from this "
                              "environment: pip install 'matplotlib>=3.6' (or --report none)")


def run(args: argparse.Namespace) -> int:
    from archrank.demo import DemoConfig, run_demo

    report = None if args.report.strip().lower() == "none" else args.report
    if report is not None:
        _check_matplotlib()
    cfg = DemoConfig(data_dir=args.data_dir, space=args.space, n_archs=args.archs, heuristics=tuple(args.heuristics.split(",")),
                     batch_size=args.batch_size, seed=args.seed, benchmark=args.benchmark, metric=args.metric,
                     runs=args.runs, budget_seconds=args.budget_seconds, store=args.store, report_dir=report,
                     n_train=args.train, regime=args.regime, train_images=args.train_images,
                     test_images=args.test_images)
    progress = not (args.quiet or args.json) and sys.stderr.isatty()
    res = run_demo(cfg, progress=progress)
    if args.json:
        print(json.dumps(_clean(asdict(res)), allow_nan=False))
        return 0
    title = "NB201" if res.space == "nb201" else res.space
    print(f"archrank demo: {res.n_archs} {title} architectures ({res.n_classes} canonical classes) scored on one "
          f"batch of {res.batch_size} {res.dataset} images, against {res.metric} of {res.benchmark}")
    print()
    print("heuristic        Spearman  Kendall   s/arch  non-finite")
    for r in res.ranking:
        print(f"{r['heuristic']:<16} {_f(r['spearman']):>8}  {_f(r['kendall']):>7}  {r['seconds_per_arch']:7.3f}"
              f"  {r['nonfinite']:>10}")
    if res.search:
        from archrank.search.compare import format_comparison

        s = res.search
        print()
        print(f"search, {s['protocol']}; budget {s['budget_seconds']:,.0f} simulated s, {s['runs']} runs each:")
        print(format_comparison(s["rows"]))
    if res.training is not None:
        t = res.training
        print()
        print(f"trained for real: {t['n']} architectures, {t['regime']}")
        print("heuristic        Spearman vs trained")
        for name, a in t["vs_trained"].items():
            print(f"{name:<16} {_f(a['spearman']):>8}")
        print(f"trained accuracy vs {res.metric}: Spearman {_f(t['trained_vs_benchmark']['spearman'])}")
        print(f"CAVEAT: {t['caveat']}.")
    print()
    print("answer:")
    for line in res.answer:
        print(f"  {line}")
    if res.report:
        print(f"\nreport: {res.report}")
    sec = res.seconds
    parts = ", ".join(f"{k} {v:.1f} s" for k, v in sec.items() if k != "total")
    print(f"wall time: {sec['total']:.1f} s ({parts})")
    return 0
