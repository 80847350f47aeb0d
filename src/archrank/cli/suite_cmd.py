"""``archrank suite``: the heuristic x task table of rank correlations (resumable), its heatmap, and
searches over each tabular task (``--search``)."""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(subparsers) -> None:
    from archrank.suite.tasks import TASKS

    p = subparsers.add_parser(
        "suite", help="score heuristics on every benchmark task and print their rank correlations",
        description="For each task (a space, its data and a ground-truth table), score the task's "
        "architectures with the heuristics (what the store lacks, resumably) and print Spearman and Kendall "
        "of each heuristic with the task's metric, with seconds per architecture. Heuristics that do not "
        "apply to a task's space are skipped with one line each. With --search, run REA and random search "
        "over each task's table instead. Tasks: " + ", ".join(TASKS.names()) + ".")
    p.add_argument("--tasks", default=None, help="comma-separated task names or 'all' (default all, or only "
                   "the --benchmark task when one is given)")
    p.add_argument("--heuristics", default=None, help="comma-separated heuristic names or 'all' (every "
                   "heuristic that trains nothing; needed unless --search)")
    p.add_argument("--store", default=None, help="results store (SQLite file or memory://; needed unless --search), "
                   "or table:NAME, a precomputed table (read only: implies --from-store, the table's batch size "
                   "and, by default, the task of the same name), or table:all, every shipped table (each task read from the "
                   "table of its name, under that table's batch size)")
    p.add_argument("--archs-per-task", type=int, default=100,
                   help="architectures per task, drawn with --seed from its table (default 100; 0 = all)")
    p.add_argument("--batch-size", type=int, default=None, help="scoring batch of every task (default the task's: "
                   "16 images, or 20 token sequences of 35)")
    p.add_argument("--seed", type=int, default=0, help="seed of the selection, the batch and the weights")
    p.add_argument("--data-dir", default=None, help="data folder holding the images, corpora and benchmark files "
                   "(default $ARCHRANK_DATA or ~/.cache/archrank/data)")
    p.add_argument("--benchmark", default=None, metavar="FILE", help="add a task from a table (CSV/TSV/Parquet "
                   "with an arch or index column); needs --space and --metric")
    p.add_argument("--space", default=None, help="space of the --benchmark table")
    p.add_argument("--metric", default=None, help="column of the --benchmark table")
    p.add_argument("--lower-is-better", action="store_true", help="the --metric is a loss or an error")
    p.add_argument("--dataset", default="cifar10", help="data of the --benchmark task (default cifar10)")
    p.add_argument("--json", action="store_true", help="print the table (or the searches) as JSON")
    p.add_argument("--plot", default=None, metavar="PNG", help="write a heatmap of the Spearman values")
    p.add_argument("--from-store", action="store_true", help="compute nothing: correlate what the store holds "
                   "(e.g. while a run is under way)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--search", action="store_true", help="run search strategies (--strategies) over each task's "
                   "table")
    p.add_argument("--strategies", default="rea,random", help="with --search: comma-separated strategies that "
                   "need only the table, or also a heuristic given with --heuristics (default rea,random; e.g. "
                   "bananas,bo,rea,random)")
    p.add_argument("--runs", type=int, default=30, help="searches per strategy and task (default 30)")
    p.add_argument("--queries", type=int, default=None, help="queries per search (default a tenth of the "
                   "table's rows, 20 to 300)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="with --search: strategy parameter (repeatable; STRATEGY.KEY=VALUE for one strategy), e.g. "
                   "--param features=auto,zc with --heuristics NAME --store S: BANANAS / BO use that stored score")
    p.add_argument("--charge", default="stored", metavar="stored|UNITS",
                   help="with --search and a heuristic: what one stored score costs, 'stored' (its stored seconds) "
                   "or a number of query units (e.g. 0 when the store records no seconds)")
    p.set_defaults(func=run, flags={"archs_per_task": "--archs-per-task", "tasks": "--tasks",
                                    "heuristics": "--heuristics", "stat": "--plot"})


def _tasks(args: argparse.Namespace) -> list:
    from archrank.errors import InvalidArgument
    from archrank.suite.tasks import TASKS, table_task, task_names

    chosen = []
    if args.benchmark:
        if not (args.space and args.metric):
            raise InvalidArgument("--benchmark needs --space and --metric")
        chosen.append(table_task(args.benchmark, space=args.space, metric=args.metric,
                                 higher_is_better=not args.lower_is_better, dataset=args.dataset))
    spec = args.tasks if args.tasks is not None else (None if args.benchmark else "all")
    if spec is not None:
        chosen += [TASKS.get(n) for n in task_names(spec)]
    return chosen


def _table_defaults(args: argparse.Namespace) -> tuple[str | None, dict[str, int]]:
    """For ``--store table:NAME``: read only (``--from-store``), the table's batch size and task; its source
    line (None for any other store) and, for ``table:all``, each table's batch size by task name."""
    if not args.store:
        return None, {}
    from archrank.store import split_location

    if split_location(args.store)[0] != "table":
        return None, {}
    from archrank.cli.output import existing_store
    from archrank.suite.tasks import TASKS
    from archrank.tables.catalog import TABLES
    from archrank.tables.store import ALL, shipped_tables
    from archrank.tables.table import open_table

    source = existing_store(args.store, "--store")
    args.from_store = True
    where = split_location(args.store)[1]
    if where == ALL:
        # Each task is read from the table of its name, under that table's batch size.
        batches = {n: TABLES.get(n).batch_size for n in shipped_tables()}
        if args.tasks is None and not args.benchmark:
            args.tasks = ",".join(n for n in batches if n in TASKS)
        return source, batches
    t = open_table(where)
    if args.batch_size is None:
        args.batch_size = int(t.protocol["batch_size"])
    if args.tasks is None and not args.benchmark:
        args.tasks = t.name
    return source, {}


def run(args: argparse.Namespace) -> int:
    from archrank.errors import InvalidArgument

    source, by_table = (None, {}) if args.search else _table_defaults(args)
    tasks = _tasks(args)
    if by_table and args.batch_size is None:
        import dataclasses

        tasks = [dataclasses.replace(t, batch_size=by_table[t.name]) if t.name in by_table else t for t in tasks]
    if by_table:
        from archrank.tables.store import AllTablesStore

        with AllTablesStore() as every:  # name only the tables these tasks read
            source = every.source_for(t.name for t in tasks)
    if args.search:
        return _run_search(args, tasks)
    missing = [f for f, v in (("--heuristics", args.heuristics), ("--store", args.store)) if not v]
    if missing:
        raise InvalidArgument(f"give {' and '.join(missing)} (or --search)")
    # Everything is checked before the store is opened: names, counts, the plot's folder.
    if args.heuristics.strip() != "all":
        from archrank.run import heuristic_names

        heuristic_names(args.heuristics)
    if args.archs_per_task < 0:
        raise InvalidArgument(f"--archs-per-task must be >= 0 (0: every architecture), got {args.archs_per_task}")
    if args.plot:
        from archrank.cli.output import writable_file

        writable_file(args.plot, "--plot")
    if args.from_store and not args.store.startswith("memory://"):
        from archrank.cli.output import existing_store
        from archrank.errors import DataError

        try:
            existing_store(args.store, "--store")  # --from-store only reads: a missing store is a typo
        except DataError as e:
            raise DataError(f"{e} (--from-store reads an existing store; without it the suite scores into a new "
                            "one)") from None
    from archrank.store import open_store
    from archrank.suite.table import prepare_suite, run_suite

    n = None if args.archs_per_task == 0 else args.archs_per_task
    log = lambda line: print(line, file=sys.stderr)
    # Every task is prepared (ground truth, architectures, batches, resources) before the store is opened.
    plan = prepare_suite(tasks, args.heuristics, archs_per_task=n, seed=args.seed, batch_size=args.batch_size,
                         data_root=args.data_dir, compute=not args.from_store, log=log)
    with open_store(args.store) as store:
        table = run_suite(tasks, args.heuristics, store, plan=plan, progress=not args.no_progress, log=log)
    if args.plot:
        from archrank.suite.plot import plot_heatmap

        plot_heatmap(table, args.plot)
    from archrank.suite.anchors import compare

    anchors = compare(table)
    if args.json:
        js = table.to_json()
        if source:
            js["source"] = source
        js["anchors"] = [{"task": c.task, "heuristic": c.heuristic, "n": c.n, "spearman": c.ours, "ci95": [c.low, c.high],
                          "published": c.published, "source": c.source} for c in anchors]
        print(json.dumps(js, indent=1))
        return 0
    print(table.format_text())
    if source:
        print(f"scores {source}")
    for c in anchors:
        print(f"anchor {c.task} {c.heuristic}: {c.ours:+.3f} (95% CI {c.low:+.2f}..{c.high:+.2f}, n={c.n}) vs "
              f"published {c.published:+.3f} ({c.source}){' differs by > 0.05' if c.differs else ''}"
              f"{'' if c.inside else ', outside the interval'}")
    return 0


def _run_search(args: argparse.Namespace, tasks: list) -> int:
    from archrank.errors import InvalidArgument
    from archrank.registry import name_list
    from archrank.search import STRATEGIES
    from archrank.search.base import SIGNAL
    from archrank.search.compare import entries_with_params
    from archrank.suite.search import search_task

    strategies = name_list(args.strategies, what="strategy", parameter="strategies")
    params = {e.strategy: e.params for e in entries_with_params(strategies, args.param)}
    heuristic = None
    if args.heuristics:
        names = name_list(args.heuristics, what="heuristic", parameter="heuristics")
        if len(names) != 1 or not args.store:
            raise InvalidArgument("with --search, --heuristics is one stored heuristic and needs --store "
                                  f"(got {args.heuristics!r}{'' if args.store else ', no --store'})",
                                  parameter="heuristics")
        heuristic = names[0]
    for name in strategies:
        needs = set(STRATEGIES.get(name).needs) - {SIGNAL}
        if needs and heuristic is None:
            raise InvalidArgument(f"strategy {name!r} needs {', '.join(sorted(needs))}, which a task's table does "
                                  "not give without --heuristics NAME --store S; table-only strategies: " + ", ".join(
                                      n for n in STRATEGIES.names() if not set(STRATEGIES.get(n).needs) - {SIGNAL}),
                                  parameter="strategies")
    from contextlib import nullcontext

    from archrank.search.heuristic_objective import parse_charge

    charge = parse_charge(args.charge)
    results = []
    if heuristic is not None:
        from archrank.cli.output import existing_store
        from archrank.store import open_store

        existing_store(args.store, "--store")
    with open_store(args.store) if heuristic is not None else nullcontext() as store:
        for t in tasks:
            results += search_task(t, strategies=strategies, runs=args.runs, queries=args.queries, seed=args.seed,
                                   data_root=args.data_dir, params=params, store=store, heuristic=heuristic,
                                   charge=charge)
    if args.json:
        print(json.dumps([r.to_json() for r in results], indent=1))
        return 0
    print(f"{'task':14s} {'strategy':8s} {'rows':>6s} {'queries':>7s}  {'final (mean +- std)':>22s}  "
          f"{'regret':>8s}  {'best':>8s}  {'scores':>7s}  metric")
    for r in results:
        print(f"{r.task:14s} {r.strategy:8s} {r.rows:6d} {r.queries:7d}  {r.final_mean:12.4f} +- {r.final_std:7.4f}"
              f"  {r.regret_mean:8.4f}  {r.best:8.4f}  {r.heuristic_queries:7.1f}  {r.metric}")
    return 0
