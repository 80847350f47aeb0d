"""``archrank table``: list, describe, build and export the precomputed score tables."""

from __future__ import annotations

import argparse
import sys

from archrank.cli.arg_types import nonnegative_int, positive_int
from archrank.cli.output import JSON_HELP, print_json


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "table",
        description="Precomputed score tables: every training-free heuristic on a benchmark's architectures, "
        "shipped with archrank as shards (see docs/tables.md). Read one anywhere a store is read with "
        "--store table:NAME.",
    )
    sub = p.add_subparsers(dest="table_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="the tables, their shards present and their columns")
    ls.add_argument("--json", action="store_true", help=JSON_HELP)
    ls.set_defaults(func=run_list)

    info = sub.add_parser("info", help="one table: protocol, shards, columns with versions and provenance")
    info.add_argument("table", help="a table's name (see 'archrank table list') or a folder of shards")
    info.add_argument("--json", action="store_true", help=JSON_HELP)
    info.set_defaults(func=run_info)

    b = sub.add_parser("build", help="compute the missing shards (or columns) of a table; resumes from those present")
    b.add_argument("table", help="the table's name (see 'archrank table list')")
    b.add_argument("--out", default=None, help="folder of the shards (default: the table's folder in the package)")
    b.add_argument("--shards", default=None, help="shard numbers, e.g. 0,3,10-19 (default all)")
    b.add_argument("--heuristics", default=None, help="comma-separated columns (default: every training-free "
                   "heuristic that applies to the table's space)")
    b.add_argument("--skip", default="", help="comma-separated heuristics left out of this build")
    b.add_argument("--data-dir", default=None, help="data directory (default $ARCHRANK_DATA or ~/.cache)")
    b.add_argument("--work", default=None, help="folder of the scratch stores of shards under way "
                   "(default OUT/.partial)")
    b.add_argument("--workers", type=positive_int, default=None, help="worker processes (default one per core)")
    b.add_argument("--device", default="cpu", help="where models run: cpu, cuda, cuda:N or auto")
    b.set_defaults(func=run_build, flags={"table": "TABLE"})

    sc = sub.add_parser("score", help="score new heuristics on a table's architectures (its protocol) into a store "
                        "and compare them with the table's columns")
    sc.add_argument("table", help="a table's name or a folder of shards")
    sc.add_argument("--heuristics", required=True, help="comma-separated heuristics to score (e.g. your own, "
                    "registered through ARCHRANK_PLUGINS)")
    sc.add_argument("--store", required=True, help="store file the new scores go to (created if missing; resumable)")
    sc.add_argument("--archs", default="all", help="'all' rows of the table or 'random:N' of them (drawn with --seed)")
    sc.add_argument("--seed", type=nonnegative_int, default=0, help="seed of a random:N selection")
    sc.add_argument("--benchmark", default=None, help="benchmark table to compare against (e.g. nb201)")
    sc.add_argument("--metric", default=None, help="benchmark column, e.g. c10_test_200")
    sc.add_argument("--data-dir", default=None, help="data directory (default $ARCHRANK_DATA or ~/.cache)")
    sc.add_argument("--workers", type=positive_int, default=None, help="worker processes (default one per core)")
    sc.add_argument("--json", action="store_true", help=JSON_HELP)
    sc.set_defaults(func=run_score, flags={"table": "TABLE"})


def _tables():
    from archrank.tables.catalog import TABLES
    from archrank.tables.table import open_table

    return [open_table(n) for n in TABLES.names()]


def _describe(t) -> dict:
    head = {} if t.spec is None or t.spec.num_classes is None else {"num_classes": t.spec.num_classes}
    return {"table": t.name, "version": t.version, "folder": str(t.folder), "protocol": {**t.protocol, **head},
            "shards_present": len(t.shards), "shards": t.n_shards, "architectures": t.n_rows(),
            "bytes": sum(f.stat().st_size for f in t.folder.glob("shard-*-of-*.npz")) if t.folder.is_dir() else 0,
            "columns": t.served, "partial_columns": t.partial,
            "retired_columns": {h: {"stored_version": s, "current_version": c} for h, (s, c) in t.retired.items()},
            "description": t.spec.description if t.spec else ""}


def _under_way(work) -> dict[str, int]:
    """``{scratch store: scores held}`` of the shards a build left under way in ``work`` (default location)."""
    from archrank.store import open_store

    out = {}
    for db in sorted(work.glob("*-shard-*.db")) if work.is_dir() else []:
        with open_store(db) as store:
            out[db.stem] = store.count_scores()
    return out


def run_list(args: argparse.Namespace) -> int:
    rows = [_describe(t) for t in _tables()]
    if args.json:
        print_json(rows)
        return 0
    print(f"{'table':<15} {'shards':>9} {'archs':>7} {'columns':>7} {'MB':>6}  description")
    for r in rows:
        print(f"{r['table']:<15} {r['shards_present']:>4} / {r['shards']:<3} {r['architectures']:>7} "
              f"{len(r['columns']):>7} {r['bytes'] / 1e6:>6.2f}  {r['description']}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    from archrank.tables.table import open_table

    t = open_table(args.table)
    d = _describe(t)
    d["column_info"] = {h: t.column_info(h) for h in t.served + t.partial + list(t.retired)}
    d["under_way"] = _under_way(t.folder / ".partial")
    d["source"] = t.source
    if args.json:
        print_json(d)
        return 0
    print(f"table {t.name} version {t.version}: {d['description']}")
    print(f"  protocol: {', '.join(f'{k}={v}' for k, v in d['protocol'].items())}")
    print(f"  folder: {t.folder}")
    print(f"  shards: {len(t.shards)} of {t.n_shards} present, {t.n_rows()} architectures, "
          f"{d['bytes'] / 1e6:.2f} MB on disk")
    for h in t.served + t.partial:
        i = d["column_info"][h]
        state = "" if h in t.served else "  (not in every present shard: not served)"
        print(f"  {h:<18} v{i.get('version')}  archrank {i.get('archrank')}  torch {i.get('torch')}  "
              f"{i.get('date')}{state}")
    for h, (s, c) in t.retired.items():
        print(f"  {h:<18} retired: computed with definition v{s}, archrank now has "
              f"{'none' if c is None else f'v{c}'}")
    for name, n in d["under_way"].items():
        print(f"  under way: {name} ({n} scores in its scratch store; the next build resumes it)")
    return 0


def run_build(args: argparse.Namespace) -> int:
    from archrank.execution.local import default_workers
    from archrank.tables.build import build_table

    quiet = args.quiet

    def log(message: str) -> None:
        if not quiet:
            sys.stderr.write(message + "\n")
            sys.stderr.flush()

    from archrank.registry import name_list

    skip = name_list(args.skip, what="heuristic", parameter="skip")
    s = build_table(args.table, out=args.out, shards=args.shards, heuristics=args.heuristics, skip=skip,
                    data_dir=args.data_dir, work=args.work, workers=args.workers or default_workers(),
                    device=args.device, log=log)
    print(f"table {s.table}: {len(s.written)} shard(s) written, {len(s.complete_before)} already complete, "
          f"{len(s.left)} left for a later call, in {s.seconds:.0f} s; folder {s.folder}")
    return 0


def run_score(args: argparse.Namespace) -> int:
    from archrank.benchmarks.table import BenchmarkTable
    from archrank.errors import InvalidArgument
    from archrank.execution import LocalExecutor
    from archrank.execution.local import default_workers
    from archrank.run import heuristic_names, load_plugins
    from archrank.tables.beside import beside_archs, score_beside

    load_plugins()
    names = heuristic_names(args.heuristics)
    beside_archs(args.table, args.archs, args.seed)  # a bad table or selection fails before the store is made
    bench = None
    if args.benchmark or args.metric:
        if not (args.benchmark and args.metric):
            raise InvalidArgument("--benchmark and --metric go together")
        bench = BenchmarkTable.from_file(args.benchmark)
        bench.values(args.metric)
    with LocalExecutor(workers=args.workers or default_workers()) as ex:
        store = score_beside(args.table, names, store=args.store, archs=args.archs, seed=args.seed,
                             data_dir=args.data_dir, executor=ex, progress=not (args.quiet or args.json))
    with store:
        if bench is None:
            n = {h: len(store.scores(heuristic=h)) for h in names}
            out = {"source": store.source, "scored": n, "store": args.store}
            if args.json:
                print_json(out)
            else:
                print(f"scored {', '.join(f'{h} ({k} architectures)' for h, k in n.items())} into {args.store}; "
                      f"beside the columns {store.source}")
            return 0
        from archrank.cli.correlate import format_table
        from archrank.report.consistency import consistency_table, on_common_archs, paired_scores

        paired = on_common_archs(paired_scores(store, bench, args.metric))
        result = consistency_table(paired)
    if args.json:
        print_json({"source": store.source, "rows": result})
    else:
        print(format_table(result, args.metric))
        n = len(next(iter(paired.values())).archs) if paired else 0
        print(f"on the {n} architectures every column holds; {store.source}")
    return 0
