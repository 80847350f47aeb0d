"""``archrank export``: a store's scores as one CSV or Parquet table."""

from __future__ import annotations

import argparse

from archrank.cli.output import writable_file


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "export",
        description="One row per (architecture, heuristic, setting): space, arch, index, canonical, heuristic, "
        "higher_is_better, dataset, batch_size, seed, value, seconds, flops, error, computed, source_arch, "
        "run_id. NaN and infinite scores are written as they are. Parquet needs pandas and pyarrow "
        "(pip install 'archrank[parquet]').")
    p.add_argument("--store", required=True)
    p.add_argument("--out", required=True, metavar="FILE", help="FILE.csv or FILE.parquet")
    p.add_argument("--space", default=None, help="only scores of this space (default: all)")
    p.add_argument("--heuristic", default=None, help="only this heuristic (default: all)")
    p.add_argument("--dataset", default=None, help="only scores on this data set (default: all)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archrank.cli.output import existing_store
    from archrank.store import open_store
    from archrank.store.export import score_rows, write_scores

    source = existing_store(args.store, "--store")
    writable_file(args.out, "--out")
    with open_store(args.store) as store:
        rows = score_rows(store, space=args.space, heuristic=args.heuristic, dataset=args.dataset)
    out = write_scores(rows, args.out)
    print(f"wrote {len(rows)} scores ({len({r['heuristic'] for r in rows})} heuristics, "
          f"{len({(r['space'], r['arch']) for r in rows})} architectures) to {out}"
          + ("" if source is None else f"; values {source}"))
    return 0
