"""``archrank report``: one self-contained HTML page (and its tables as CSV) from a results store."""

from __future__ import annotations

import argparse

from archrank.cli.arg_types import positive_int
from archrank.cli.output import writable_folder


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "report",
        description="Writes DIR/index.html (self-contained: pictures embedded, no network) and the table behind "
        "each picture as CSV in DIR. With ground truth (the store's architectures found in --benchmark): "
        "spearman.csv (heuristic x task, with 95%% intervals), scatter.csv, top_archs.csv, cost_fidelity.csv. "
        "Without (the user's own space): consensus.csv and ranking.csv, distributions.csv, agreement.csv "
        "(heuristic x heuristic Spearman), cost.csv. Both: search_summary.csv and search_curves.csv (the store's "
        "search runs), provenance.csv, runs.csv, architectures.csv.")
    p.add_argument("--store", required=True, help="results store")
    p.add_argument("--benchmark", action="append", default=None, metavar="TABLE",
                   help="benchmark table file or packaged name (repeatable; default: nb201 when the store "
                   "holds NB201 scores)")
    p.add_argument("--metric", default=None, help="benchmark column to rank against (default c10_test_200)")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the report into")
    p.add_argument("--title", default="archrank report", help="title of the page")
    p.add_argument("--top", type=positive_int, default=10, metavar="K",
                   help="architectures listed per heuristic in the ranking tables (default 10)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archrank.cli.output import existing_store
    from archrank.errors import DataError
    from archrank.report.build import write_report
    from archrank.run import load_plugins
    from archrank.store import open_store

    load_plugins()
    existing_store(args.store, "--store")
    writable_folder(args.out, "--out")
    with open_store(args.store) as store:
        try:
            files = write_report(store, args.out, benchmarks=args.benchmark, metric=args.metric,
                                 store_path=str(args.store), title=args.title, top_k=args.top)
        except OSError as e:  # the folder became unwritable (full disk, removed): one line, not a traceback
            if isinstance(e, DataError):
                raise
            raise DataError(f"cannot write the report into --out {args.out!r}: {e.strerror or e}") from None
    kind = f"{len(files.tasks)} task(s)" if files.tasks else "no ground truth"
    print(f"report written to {files.page} ({kind}; tables: "
          f"{', '.join(p.name for p in files.tables.values())})")
    for n in files.notes:
        print(f"  note: {n}")
    return 0
