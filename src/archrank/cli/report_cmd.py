"""``archrank report``: one self-contained HTML page (and its tables as CSV) from a results store."""

from __future__ import annotations

import argparse

from archrank.cli.output import writable_folder


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "report",
        description="Writes DIR/index.html (self-contained: pictures embedded, no network) and the table behind "
        "each picture as CSV in DIR: spearman.csv (heuristic x task), scatter.csv, cost_fidelity.csv, "
        "search_curves.csv (the store's search runs), provenance.csv. Needs matplotlib.")
    p.add_argument("--store", required=True, help="results store")
    p.add_argument("--benchmark", action="append", default=None, metavar="TABLE",
                   help="benchmark table file or packaged name (repeatable; default: nb201 when the store "
                   "holds NB201 scores)")
    p.add_argument("--metric", default=None, help="benchmark column to rank against (default c10_test_200)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the report into")
    p.add_argument("--title", default="archrank report", help="title of the page")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archrank.cli.output import existing_store
    from archrank.report.build import write_report
    from archrank.run import load_plugins
    from archrank.store import open_store

    load_plugins()
    existing_store(args.store, "--store")
    writable_folder(args.out, "--out")
    with open_store(args.store) as store:
        files = write_report(store, args.out, benchmarks=args.benchmark, metric=args.metric,
                             store_path=str(args.store), title=args.title)
    print(f"report written to {files.page} ({len(files.tasks)} task(s); tables: "
          f"{', '.join(p.name for p in files.tables.values())})")
    for n in files.notes:
        print(f"  note: {n}")
    return 0
