"""The NASLib side of ``archrank bench import`` / ``export`` (NAS-Bench-Suite-Zero ``zc_*.json`` files).

:mod:`archrank.cli.bench` adds these options to its parsers and hands over when the file is a zc file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from archrank.cli.arg_types import nonnegative_int


def add_import_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("NASLib zc files (ARCHIVE is a zc_<benchmark>.json file)")
    g.add_argument("--store", default=None, help="store to write the proxy scores into, as heuristics "
                   "'naslib:<proxy>' (NaN sentinels -1e8 become NaN)")
    g.add_argument("--batch-size", type=nonnegative_int, default=0, help="batch size to record the scores under "
                   "(the file does not say; default 0 = not recorded)")
    g.add_argument("--seed", type=nonnegative_int, default=0, help="seed to record the scores under (default 0)")
    g.add_argument("--prefix", default="naslib:", help="heuristic name prefix (default 'naslib:')")


def add_export_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("NASLib zc files (--format naslib, or an --out ending in .json)")
    g.add_argument("--format", choices=("auto", "table", "naslib"), default="auto",
                   help="table: training results as CSV; naslib: scores in NAS-Bench-Suite-Zero's zc layout "
                   "(default auto: naslib for .json)")
    g.add_argument("--batch-size", type=nonnegative_int, default=None, help="only scores with this batch size (naslib)")
    g.add_argument("--heuristics", default=None, help="comma-separated subset of heuristics (naslib)")
    g.add_argument("--benchmark", default=None, help="benchmark table (or 'nb201') to fill val_accuracy from "
                   "(naslib)")
    g.add_argument("--metric", default=None, help="benchmark column for val_accuracy, e.g. c10v_valid_200")
    g.add_argument("--values", choices=("auto", "plain", "score_time"), default="auto",
                   help="plain numbers or {score, time}; auto: {score, time} where every score has a time")


def is_zc_file(path: str) -> bool:
    return Path(path).suffix.lower() == ".json" and Path(path).expanduser().is_file()


def run_import(args: argparse.Namespace) -> int:
    from archrank.benchmarks.convert import write_table
    from archrank.benchmarks.naslib import accuracy_rows, import_zc, read_zc
    from archrank.errors import InvalidArgument
    from archrank.store import open_store

    if not args.store and not args.out:
        raise InvalidArgument("importing a NASLib file needs --store (proxy scores) and/or --out (a table of "
                              "val_accuracy, flops, params)")
    lines = []
    if args.store:
        with open_store(args.store) as store:
            s = import_zc(args.archive, store, batch_size=args.batch_size, seed=args.seed, prefix=args.prefix)
        blocks = ", ".join(f"{sp}/{ds} ({n} archs)" for sp, ds, n in s.blocks)
        lines.append(f"wrote {s.written} new scores of {len(s.heuristics)} heuristics ({blocks}) to {args.store}")
        if s.nan:
            lines.append("NaN scores (NASLib's -1e8): " + ", ".join(f"{h} {n}" for h, n in sorted(s.nan.items())))
    if args.out:
        columns, rows = accuracy_rows(read_zc(args.archive))
        n = write_table(args.out, columns, rows)
        lines.append(f"wrote {n} architectures ({', '.join(c for c in columns if c not in ('arch', 'index'))}) "
                     f"to {args.out}")
    print("\n".join(lines))
    return 0


def wants_naslib(args: argparse.Namespace) -> bool:
    return args.format == "naslib" or (args.format == "auto" and str(args.out).lower().endswith(".json"))


def run_export(args: argparse.Namespace) -> int:
    from archrank.benchmarks.naslib import export_zc
    from archrank.errors import InvalidArgument
    from archrank.registry import name_list
    from archrank.store import open_store

    names = name_list(args.heuristics, what="heuristic", parameter="heuristics") if args.heuristics else None
    if not args.space:
        raise InvalidArgument("exporting a NASLib file needs --space (nb101, nb201 or nb301)")
    from archrank.cli.output import existing_store

    source = existing_store(args.store, "--store")
    accuracy = None
    if args.benchmark:
        if not args.metric:
            raise InvalidArgument("--benchmark needs --metric (the column written as val_accuracy)")
        from archrank.benchmarks.table import BenchmarkTable

        table = BenchmarkTable.from_file(args.benchmark)
        col = table.values(args.metric)
        with open_store(args.store) as store:
            archs = store.archs(args.space)
        accuracy = {}
        for a, (_, idx) in archs.items():
            for k in (a, idx):
                if k is not None and table.has(k):
                    accuracy[a] = float(col[table.row(k)])
                    break
    with open_store(args.store) as store:
        s = export_zc(store, args.out, space=args.space, dataset=args.dataset, batch_size=args.batch_size,
                      seed=args.seed, heuristics=names, accuracy=accuracy, values=args.values)
    extra = f", val_accuracy for {s['val_accuracy']}" if accuracy is not None else ""
    print(f"wrote {s['archs']} architectures x {len(s['heuristics'])} heuristics of {s['space']} "
          f"({', '.join(s['datasets'])}; {s['values']} values; {s['sentinels']} non-finite as -1e8{extra}) "
          f"to {args.out}" + ("" if source is None else f"; values {source}"))
    return 0
