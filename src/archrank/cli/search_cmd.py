"""``archrank search``: run a search strategy over several seeds against a benchmark table, under a budget;
or, with ``--objective heuristic:NAME``, search on a heuristic alone (no benchmark) and write the top K."""

from __future__ import annotations

import argparse
import sys

from archrank.cli.arg_types import nonnegative_float, nonnegative_int, positive_float, positive_int
from archrank.cli.output import JSON_HELP, note, print_json, show_progress, writable_file
from archrank.run.setting import DEFAULT_BATCH_SIZE
from archrank.search.protocol import (
    DEFAULT_COST_COLUMN,
    DEFAULT_COST_SCALE,
    DEFAULT_REPORT,
    DEFAULT_SIGNAL,
)


def _charge(text: str) -> str | float:
    if text.strip().lower() in ("stored", "wall"):
        return text.strip().lower()
    try:
        return nonnegative_float(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected stored, wall or a number of seconds >= 0, got {text!r}") from None


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "search",
        description="Run a search strategy against a benchmark table (simulated cost) for several seeds. "
        "Defaults follow the NAS-Bench-201 CIFAR-10 protocol: select by c10v_valid_12, charge 12/200 of "
        "c10v_train_seconds_200 per query, report c10_test_200. With --objective heuristic:NAME no benchmark "
        "is needed: the strategy (default rea) searches on the heuristic, whose measured scoring time is the "
        "budget (--budget-seconds and/or --budget-archs), and the best --top architectures are printed and "
        "written to --out (an architecture file for 'archrank train --archs').",
    )
    from archrank.search.names import builtin_strategies

    p.add_argument("--space", default="nb201", help="search space (default nb201; see 'archrank spaces')")
    p.add_argument("--strategy", default=None, help="strategy name, or several comma-separated (one comparison "
                   "table and one plot); built in: " + ", ".join(sorted(builtin_strategies()))
                   + " (needed with --benchmark; default rea with --objective)")
    p.add_argument("--benchmark", default=None, help="benchmark table (CSV with an index or arch column); needed "
                   "unless --objective is given")
    p.add_argument("--budget-seconds", type=positive_float, default=None, help="simulated seconds per run (with "
                   "--objective: measured seconds of scoring)")
    p.add_argument("--objective", default=None, metavar="heuristic:NAME", help="search on this heuristic alone, "
                   "with no benchmark (e.g. heuristic:synflow)")
    p.add_argument("--budget-archs", type=positive_int, default=None, help="with --objective: stop after this many "
                   "distinct architectures scored")
    p.add_argument("--top", type=positive_int, default=10, help="with --objective: how many of the best to print "
                   "and write (default 10)")
    p.add_argument("--out", default=None, metavar="FILE", help="with --objective: write the top architectures to "
                   "FILE, one per line (for 'archrank train --archs FILE')")
    p.add_argument("--runs", type=positive_int, default=1, help="independent runs (seeds derived from --seed)")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="base seed (default 0)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="strategy parameter (repeatable), e.g. --param population=20; with several strategies "
                   "KEY=VALUE goes to every strategy that has KEY, STRATEGY.KEY=VALUE to one")
    p.add_argument("--signal", default=DEFAULT_SIGNAL, help=f"column searched on (default {DEFAULT_SIGNAL})")
    p.add_argument("--report", default=DEFAULT_REPORT, help=f"column reported (default {DEFAULT_REPORT})")
    p.add_argument("--cost-column", default=DEFAULT_COST_COLUMN,
                   help=f"column of a query's cost in seconds, or 'none' (default {DEFAULT_COST_COLUMN})")
    p.add_argument("--cost-scale", type=positive_float, default=DEFAULT_COST_SCALE,
                   help="factor applied to the cost column (default 0.06 = 12/200 epochs)")
    p.add_argument("--heuristic", default=None, help="heuristic for guided strategies (e.g. naswot; see "
                   "'archrank heuristics')")
    p.add_argument("--store", default=None, help="results store: stored heuristic scores are used (charged at "
                   "their measured seconds); live scores and search trajectories are written to it")
    p.add_argument("--charge", type=_charge, default="stored", metavar="stored|wall|SECONDS",
                   help="what a heuristic query costs: 'stored' (reproducible: a stored score its stored seconds, "
                   "a live one the median stored seconds of the heuristic; measured seconds, with a note, when "
                   "the store holds none), 'wall' (live scores at the seconds measured now) or a fixed number of "
                   "seconds per query (default: stored)")
    p.add_argument("--no-live", action="store_true", help="never compute a heuristic score live (fail instead)")
    p.add_argument("--dataset", default=None, help="score setting: data set (default: the store's, else cifar10)")
    p.add_argument("--batch-size", type=positive_int, default=None, help=f"score setting: batch size (default: store's, else {DEFAULT_BATCH_SIZE})")
    p.add_argument("--score-seed", type=nonnegative_int, default=None, help="score setting: seed (default: store's, else 0)")
    p.add_argument("--data-dir", default=None, help="data directory for live scoring and the supernet")
    p.add_argument("--supernet", default=None, metavar="CKPT",
                   help="enas: start from this supernet checkpoint (default: a fresh CPU-sized supernet)")
    p.add_argument("--max-queries", type=positive_int, default=1_000_000, help="stop a run after this many queries")
    p.add_argument("--threads", type=positive_int, default=None,
                   help="torch threads: of each live score (default 1, as 'archrank score', so that live and "
                   "stored scores agree) and of the supernet (default all cores)")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.add_argument("--device", default="auto", help="where live scoring runs: auto (CUDA when available), cpu, "
                   "cuda or cuda:N (default auto)")
    p.add_argument("--plot", default=None, metavar="OUT.png",
                   help="best-so-far report value vs simulated seconds (its table goes to OUT.csv)")
    p.set_defaults(func=run)


def _run_bar(args: argparse.Namespace, total: int):
    """A tqdm bar over the search runs on stderr (a terminal only, not with --quiet or --json), or None."""
    if not show_progress(args):
        return None
    from archrank.run.progress import progress_bar

    return progress_bar(total, unit="run", desc="search")


def run(args: argparse.Namespace) -> int:
    from archrank.errors import InvalidArgument

    if args.objective is not None:
        from archrank.cli.search_heuristic import run_objective

        return run_objective(args)
    for flag, value in (("--strategy", args.strategy), ("--benchmark", args.benchmark),
                        ("--budget-seconds", args.budget_seconds)):
        if value is None:
            raise InvalidArgument(f"{flag} is needed (or search on a heuristic alone with --objective heuristic:NAME)")
    for flag, value in (("--budget-archs", args.budget_archs), ("--out", args.out)):
        if value is not None:
            raise InvalidArgument(f"{flag} goes with --objective heuristic:NAME")
    return _run_benchmark(args)


def _run_benchmark(args: argparse.Namespace) -> int:
    from pathlib import Path

    from archrank.errors import InvalidArgument
    from archrank.search import STRATEGIES
    from archrank.search.base import HEURISTIC, SUPERNET
    from archrank.search.benchmark_objective import BenchmarkObjective
    from archrank.search.compare import (
        compare,
        comparison_rows,
        entries_with_params,
        format_comparison,
        parse_strategies,
    )
    from archrank.search.heuristic_objective import heuristic_objective
    from archrank.search.trajectories import recorded_search, save_trajectories
    from archrank.spaces import get_space

    names = parse_strategies(args.strategy)
    entries = entries_with_params(names, args.param)
    if args.plot:
        writable_file(args.plot, "--plot")
        writable_file(Path(args.plot).with_suffix(".csv"), "--plot")
    if args.heuristic:
        from archrank.heuristics import HEURISTICS

        HEURISTICS.get(args.heuristic)  # unknown names fail before the store is opened
    if args.store:
        from archrank.cli.output import existing_file

        if Path(args.store).expanduser().exists():
            existing_file(args.store, "--store")
    needs = set().union(*(STRATEGIES.get(n).needs for n in names))
    # model-based strategies ask for heuristic scores when their features include zero-cost scores
    zc_users = [e.strategy for e in entries if "zc" in str(e.params.get("features", "")).split(",")]
    if zc_users:
        needs.add(HEURISTIC)
    space = get_space(args.space)
    cost_column = None if args.cost_column.lower() == "none" else args.cost_column
    bench = BenchmarkObjective.from_csv(args.benchmark, space, signal=args.signal, report=args.report,
                                        cost_column=cost_column, cost_scale=args.cost_scale)
    objectives = {"signal": bench}
    if HEURISTIC in needs and not args.heuristic:
        needy = [n for n in names if HEURISTIC in STRATEGIES.get(n).needs] + zc_users
        raise InvalidArgument(f"strategy {needy[0]!r} needs --heuristic NAME (e.g. naswot)")
    if SUPERNET in needs:  # its data and checkpoint are read before the store is opened
        from archrank.search.training_objectives import supernet_objective

        objectives[SUPERNET] = supernet_objective(space, checkpoint=args.supernet, data_dir=args.data_dir)
    store = None
    if args.store:
        from archrank.cli.search_heuristic import check_live_data
        from archrank.store import open_store

        if args.heuristic:
            check_live_data(args, space, args.heuristic)
        store = open_store(args.store)
    # A precomputed table (table:NAME) is read, never written: no trajectories, no live scores kept.
    source = getattr(store, "source", None) if store is not None and store.read_only else None
    record = None if source else store
    try:
        hobj = None
        if args.heuristic:  # reads the store's scores, then the live scores' data, before anything is written
            hobj = heuristic_objective(space, args.heuristic, store=store, live=not args.no_live,
                                       dataset=args.dataset, batch_size=args.batch_size, seed=args.score_seed,
                                       data_dir=args.data_dir, charge=args.charge, threads=args.threads,
                                       device=args.device)
            objectives[HEURISTIC] = hobj
        command = {"space": space.name, "strategies": [{"strategy": e.strategy, "params": e.params} for e in entries],
                   "benchmark": str(args.benchmark), "signal": args.signal, "report": args.report,
                   "cost_column": cost_column, "cost_scale": args.cost_scale, "heuristic": args.heuristic,
                   "budget_seconds": args.budget_seconds, "runs": args.runs, "seed": args.seed,
                   "max_queries": args.max_queries, "charge": args.charge, "live": not args.no_live,
                   "score_setting": None if hobj is None else hobj.setting.key, "supernet": args.supernet}
        # Recorded as one run (interrupted by SIGINT/SIGTERM, failed on an error); a rerun reuses live scores.
        with recorded_search(record, command):
            bar = _run_bar(args, len(entries) * args.runs)
            try:
                results = compare(entries, space=space, objectives=objectives, budget_seconds=args.budget_seconds,
                                  runs=args.runs, seed=args.seed, report_of=bench.report_of,
                                  best_report=bench.best_report, max_queries=args.max_queries,
                                  on_run=None if bar is None else (lambda i, res: bar.update(1)))
            finally:
                if bar is not None:
                    bar.close()
            if record is not None:
                for e, summary, _ in results:
                    config = {"space": space.name, "strategy": e.strategy, "params": e.params,
                              "benchmark": str(args.benchmark), "signal": args.signal, "report": args.report,
                              "cost_column": cost_column, "cost_scale": args.cost_scale,
                              "heuristic": args.heuristic, "budget_seconds": args.budget_seconds, "seed": args.seed}
                    save_trajectories(store, summary, space, config)
        if hobj is not None and hobj.stats["wall"]:
            note(args, f"archrank search: note: {hobj.stats['wall']} live {args.heuristic} scores were charged at "
                 "measured wall seconds (no stored seconds to charge from; not reproducible): score into --store "
                 "first, or give --charge SECONDS")
    finally:
        if store is not None:
            store.close()
    summaries = [summary for _, summary, _ in results]
    if args.plot:
        from archrank.search.plot import curve_table, plot_curves, write_curve_csv

        rows = curve_table(summaries)
        write_curve_csv(rows, Path(args.plot).with_suffix(".csv"))
        what = names[0] if len(names) == 1 else f"{len(names)} strategies"
        plot_curves(rows, args.plot, ylabel=args.report, optimum=bench.best_report,
                    title=f"{what} on {space.name}, budget {args.budget_seconds:g} s")
    if len(names) > 1:
        table = comparison_rows(results, args.budget_seconds)
        if args.json:
            print_json(table)
        else:
            print(f"{len(names)} strategies, {args.runs} runs each, budget {args.budget_seconds:g} simulated s; "
                  f"{args.report} of the chosen architecture (best in table {bench.best_report:.3f})")
            print(format_comparison(table))
            if args.plot:
                print(f"plot: {args.plot} (table: {Path(args.plot).with_suffix('.csv')})")
        sys.stdout.flush()
        return 0
    out = summaries[0].to_json()
    if hobj is not None:  # which heuristic scores came from the store and which were computed now
        out["heuristic_scores"] = dict(hobj.stats)
        if source:
            out["heuristic_source"] = source
    if args.json:
        print_json(out)
    else:
        print(f"strategy {out['strategy']}: {out['runs']} runs, budget {args.budget_seconds:g} simulated s")

        def f(x):
            return "nan" if x is None else f"{x:.3f}"

        print(f"  {args.report} of the chosen architecture: {f(out['test_mean'])} +- {f(out['test_std'])} "
              f"(best in table {bench.best_report:.3f}, regret {f(out['regret_mean'])})")
        print(f"  queries per run {out['queries_mean']:.1f}, simulated seconds {out['simulated_seconds_mean']:.0f}, "
              f"wall {out['wall_seconds']:.1f} s")
        if hobj is not None:
            how = ({"stored": "stored seconds", "wall": "measured seconds"}[args.charge]
                   if isinstance(args.charge, str) else f"{args.charge:g} s each")
            print(f"  heuristic {args.heuristic}: {hobj.stats['stored']} stored scores used, "
                  f"{hobj.stats['live']} computed live (charge: {how}"
                  + (f"; {hobj.stats['wall']} live ones at wall seconds)" if hobj.stats["wall"] else ")"))
            if source:
                print(f"  stored scores {source} (charged their stored seconds; nothing recorded: the table is "
                      "read-only)")
        if args.plot:
            print(f"  plot: {args.plot} (table: {Path(args.plot).with_suffix('.csv')})")
    sys.stdout.flush()
    return 0
