"""``archrank search``: run a search strategy over several seeds against a benchmark table, under a budget."""

from __future__ import annotations

import argparse
import json
import sys

from archrank.search.objectives import DEFAULT_COST_COLUMN, DEFAULT_COST_SCALE, DEFAULT_REPORT, DEFAULT_SIGNAL


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "search",
        help="search a space with a strategy; report the chosen architectures over several seeds",
        description="Run a search strategy against a benchmark table (simulated cost) for several seeds. "
        "Defaults follow the NAS-Bench-201 CIFAR-10 protocol: select by c10v_valid_12, charge 12/200 of "
        "c10v_train_seconds_200 per query, report c10_test_200.",
    )
    p.add_argument("--space", default="nb201", help="search space (default nb201)")
    p.add_argument("--strategy", required=True, help="strategy name (see --list)")
    p.add_argument("--benchmark", required=True, help="benchmark table (CSV with an index or arch column)")
    p.add_argument("--budget-seconds", type=float, required=True, help="simulated seconds per run")
    p.add_argument("--runs", type=int, default=1, help="independent runs (seeds derived from --seed)")
    p.add_argument("--seed", type=int, default=0, help="base seed (default 0)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="strategy parameter (repeatable), e.g. --param population=20")
    p.add_argument("--signal", default=DEFAULT_SIGNAL, help=f"column searched on (default {DEFAULT_SIGNAL})")
    p.add_argument("--report", default=DEFAULT_REPORT, help=f"column reported (default {DEFAULT_REPORT})")
    p.add_argument("--cost-column", default=DEFAULT_COST_COLUMN,
                   help=f"column of a query's cost in seconds, or 'none' (default {DEFAULT_COST_COLUMN})")
    p.add_argument("--cost-scale", type=float, default=DEFAULT_COST_SCALE,
                   help="factor applied to the cost column (default 0.06 = 12/200 epochs)")
    p.add_argument("--heuristic", default=None, help="heuristic for guided strategies (e.g. naswot)")
    p.add_argument("--store", default=None, help="results store: stored heuristic scores are used (charged at "
                   "their measured seconds); live scores and search trajectories are written to it")
    p.add_argument("--no-live", action="store_true", help="never compute a heuristic score live (fail instead)")
    p.add_argument("--dataset", default=None, help="score setting: data set (default: the store's, else cifar10)")
    p.add_argument("--batch-size", type=int, default=None, help="score setting: batch size (default: store's, else 64)")
    p.add_argument("--score-seed", type=int, default=None, help="score setting: seed (default: store's, else 0)")
    p.add_argument("--data-dir", default=None, help="data directory for live scoring and the supernet")
    p.add_argument("--supernet", default=None, metavar="CKPT",
                   help="enas: start from this supernet checkpoint (default: a fresh CPU-sized supernet)")
    p.add_argument("--max-queries", type=int, default=1_000_000, help="stop a run after this many queries")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument("--plot", default=None, metavar="OUT.png",
                   help="best-so-far report value vs simulated seconds (its table goes to OUT.csv)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archrank.errors import InvalidArgument
    from archrank.search import STRATEGIES
    from archrank.search.base import HEURISTIC, SUPERNET, parse_params
    from archrank.search.harness import search
    from archrank.search.objectives import BenchmarkObjective, heuristic_objective
    from archrank.search.trajectories import save_trajectories
    from archrank.spaces import get_space

    cls = STRATEGIES.get(args.strategy)
    params = parse_params(args.param, args.strategy)
    if args.runs < 1:
        raise InvalidArgument(f"--runs must be >= 1, got {args.runs}")
    if not args.budget_seconds > 0:
        raise InvalidArgument(f"--budget-seconds must be > 0, got {args.budget_seconds}")
    space = get_space(args.space)
    cost_column = None if args.cost_column.lower() == "none" else args.cost_column
    bench = BenchmarkObjective.from_csv(args.benchmark, space, signal=args.signal, report=args.report,
                                        cost_column=cost_column, cost_scale=args.cost_scale)
    objectives = {"signal": bench}
    store = None
    if args.store:
        from archrank.store import open_store

        store = open_store(args.store)
    try:
        hobj = None
        if HEURISTIC in cls.needs or args.heuristic:
            if not args.heuristic:
                raise InvalidArgument(f"strategy {args.strategy!r} needs --heuristic NAME (e.g. naswot)")
            hobj = heuristic_objective(space, args.heuristic, store=store, live=not args.no_live,
                                       dataset=args.dataset, batch_size=args.batch_size, seed=args.score_seed,
                                       data_dir=args.data_dir)
            objectives[HEURISTIC] = hobj
        if SUPERNET in cls.needs:
            from archrank.search.training_objectives import supernet_objective

            objectives[SUPERNET] = supernet_objective(space, checkpoint=args.supernet, data_dir=args.data_dir)
        summary = search(args.strategy, space=space, objectives=objectives, budget_seconds=args.budget_seconds,
                         runs=args.runs, seed=args.seed, params=params, report_of=bench.report_of,
                         best_report=bench.best_report, max_queries=args.max_queries)
        if store is not None:
            config = {"space": space.name, "strategy": args.strategy, "params": params,
                      "benchmark": str(args.benchmark), "signal": args.signal, "report": args.report,
                      "cost_column": cost_column, "cost_scale": args.cost_scale, "heuristic": args.heuristic,
                      "budget_seconds": args.budget_seconds, "seed": args.seed}
            save_trajectories(store, summary, space, config)
    finally:
        if store is not None:
            store.close()
    out = summary.to_json()
    if args.plot:
        from pathlib import Path

        from archrank.search.plot import curve_table, plot_curves, write_curve_csv

        rows = curve_table([summary])
        write_curve_csv(rows, Path(args.plot).with_suffix(".csv"))
        plot_curves(rows, args.plot, ylabel=args.report, optimum=bench.best_report,
                    title=f"{args.strategy} on {space.name}, budget {args.budget_seconds:g} s")
    if args.json:
        print(json.dumps(out))
    else:
        print(f"strategy {out['strategy']}: {out['runs']} runs, budget {args.budget_seconds:g} simulated s")
        def f(x):
            return "nan" if x is None else f"{x:.3f}"

        print(f"  {args.report} of the chosen architecture: {f(out['test_mean'])} +- {f(out['test_std'])} "
              f"(best in table {bench.best_report:.3f}, regret {f(out['regret_mean'])})")
        print(f"  queries per run {out['queries_mean']:.1f}, simulated seconds {out['simulated_seconds_mean']:.0f}, "
              f"wall {out['wall_seconds']:.1f} s")
        if hobj is not None:
            print(f"  heuristic {args.heuristic}: {hobj.stats['stored']} stored scores used, "
                  f"{hobj.stats['live']} computed live (all charged at measured seconds)")
        if args.plot:
            print(f"  plot: {args.plot} (table: {Path(args.plot).with_suffix('.csv')})")
    sys.stdout.flush()
    return 0
