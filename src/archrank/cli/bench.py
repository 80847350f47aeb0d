"""``archrank bench``: benchmark tables from official archives, from the store, and built by training."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archrank.cli import naslib_cmd
from archrank.cli.arg_types import nonnegative_int, positive_int
from archrank.cli.output import JSON_HELP, existing_file, print_json, writable_file
from archrank.execution import EXECUTORS
from archrank.run.setting import DEFAULT_TRAIN_BATCH_SIZE, DEFAULT_VALID_LIMIT


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "bench",
        description="Benchmark tables: CSV files with an 'arch' (and 'index') column and metric columns.",
    )
    sub = p.add_subparsers(dest="bench_command", metavar="ACTION")
    sub.required = True

    imp = sub.add_parser("import", help="convert a NATS-Bench archive directory or a NASLib zc file",
                         description="Convert a NATS-Bench archive directory (meta.pickle.pbz2 plus one "
                         "NNNNNN.pickle.pbz2 per architecture) into a compact CSV table. Reads one architecture "
                         "at a time. Given a NAS-Bench-Suite-Zero / NASLib zc_<benchmark>.json file instead, "
                         "writes its proxy scores into --store and/or its val_accuracy into the --out table.")
    imp.add_argument("archive", metavar="ARCHIVE_DIR|ZC_JSON")
    imp.add_argument("--out", default=None, metavar="TABLE", help="CSV file to write")
    imp.add_argument("--hp", default=None, help="schedule to convert (12 or 200 for the topology space; "
                     "01, 12 or 90 for the size space; default: all)")
    imp.add_argument("--datasets", default=None, help="comma-separated subset of cifar10, cifar10-valid, "
                     "cifar100, ImageNet16-120 (default: all)")
    naslib_cmd.add_import_options(imp)
    imp.set_defaults(func=run_import)

    exp = sub.add_parser("export", help="write a store's training results as a table, or its scores for NASLib",
                         description="One row per architecture; per regime R the columns R (validation "
                         "accuracy, %%), R_train_acc, R_train_loss, R_seconds, R_flops (means over seeds). "
                         "With --format naslib (or an --out ending in .json): the store's heuristic scores in "
                         "NAS-Bench-Suite-Zero's zc layout, for NASLib's predictors.")
    exp.add_argument("--store", required=True)
    exp.add_argument("--out", required=True, metavar="TABLE")
    exp.add_argument("--space", default=None, help="only this space (default: all)")
    exp.add_argument("--regime", default=None, help="only this regime (default: all)")
    exp.add_argument("--dataset", default=None, help="only this data set (default: all)")
    exp.add_argument("--seed", type=nonnegative_int, default=None, help="only this seed (default: all)")
    naslib_cmd.add_export_options(exp)
    exp.set_defaults(func=run_export)

    b = sub.add_parser("build", help="train architectures under a regime and record them in the store",
                       description="Train architectures under a reduced (or full) training regime and record "
                       "each result in the store as it arrives. Rerunning the command after an interruption "
                       "trains only what is missing. Results are also stored as scores of heuristic "
                       "'train_<regime>', so 'archrank correlate' ranks the regime like any proxy.")
    b.add_argument("--space", default="nb201", help="search space (see 'archrank spaces')")
    b.add_argument("--archs", required=True, help="'random:N' (drawn with --seed, as in 'archrank score'), "
                   "'all', or a FILE with one architecture per line")
    b.add_argument("--regime", required=True, help="c<a>r<b>e<d>s<g>, e.g. c2r1e6s0.25 (see docs)")
    b.add_argument("--dataset", default="cifar10")
    b.add_argument("--data-dir", default=None)
    b.add_argument("--store", required=True)
    b.add_argument("--seed", type=nonnegative_int, default=0)
    b.add_argument("--valid-images", type=positive_int, default=DEFAULT_VALID_LIMIT,
                   help=f"test-split images scored (default {DEFAULT_VALID_LIMIT})")
    b.add_argument("--train-images", type=positive_int, default=None, help="limit the training split before the "
                   "regime's sample ratio (default: all)")
    b.add_argument("--batch-size", type=positive_int, default=DEFAULT_TRAIN_BATCH_SIZE)
    b.add_argument("--checkpoint-dir", default=None, help="resume interrupted trainings from their last epoch")
    b.add_argument("--executor", default="local", choices=EXECUTORS.names())
    b.add_argument("--ray-address", default=None)
    b.add_argument("--num-cpus", type=positive_int, default=None, help="CPUs of a local Ray cluster")
    b.add_argument("--threads", type=positive_int, default=None,
                   help="torch threads of the training process (default: all cores with --executor local)")
    b.add_argument("--json", action="store_true", help=JSON_HELP)
    b.set_defaults(func=run_build_cmd, flags={"train_limit": "--train-images", "valid_limit": "--valid-images"})


def run_import(args: argparse.Namespace) -> int:
    from archrank.benchmarks import open_benchmark
    from archrank.benchmarks.convert import nats_table, write_table
    from archrank.errors import InvalidArgument, UnknownName
    from archrank.registry import name_list

    datasets = name_list(args.datasets, what="data set", parameter="datasets") if args.datasets else None
    if args.out:
        writable_file(args.out, "--out")
    if naslib_cmd.is_zc_file(args.archive):
        return naslib_cmd.run_import(args)
    if not Path(args.archive).expanduser().is_dir():
        existing_file(args.archive, "ARCHIVE")  # a file that is not a zc .json, or nothing at all
        raise InvalidArgument(f"ARCHIVE {args.archive!r} is neither a NATS-Bench archive folder nor a NASLib "
                              "zc_<benchmark>.json file")
    if not args.out:
        raise InvalidArgument("importing a NATS-Bench archive needs --out (the CSV table to write)")
    archive = open_benchmark("nats", args.archive)  # either NATS space: the archive says which
    if datasets:
        for d in datasets:
            if d not in archive.datasets():
                raise UnknownName("dataset", d, archive.datasets())
    hps = [args.hp] if args.hp else None
    columns, rows = nats_table(archive, hps=hps, datasets=datasets)
    n = write_table(args.out, columns, rows)
    print(f"wrote {n} architectures x {len(columns) - 2} metrics of {archive.name} ({len(archive)} in the "
          f"space) to {args.out}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from archrank.benchmarks.convert import training_table, write_table
    from archrank.store import open_store

    writable_file(args.out, "--out")
    if naslib_cmd.wants_naslib(args):
        return naslib_cmd.run_export(args)
    from archrank.cli.output import existing_store

    existing_store(args.store, "--store")
    with open_store(args.store) as store:
        recs = _training_under(store.training(space=args.space, dataset=args.dataset, seed=args.seed), args.regime)
        spaces = {r.space for r in recs}
        indices: dict = {}
        for sp in spaces:
            indices.update({a: i for a, (_, i) in store.archs(sp).items()})
    if len(spaces) > 1:
        from archrank.errors import InvalidArgument

        raise InvalidArgument(f"the store holds training results of several spaces; pick one with --space "
                              f"({', '.join(sorted(spaces))})")
    columns, rows = training_table(recs, indices=indices)
    n = write_table(args.out, columns, rows)
    print(f"wrote {n} architectures ({', '.join(c for c in columns if c not in ('index', 'arch') and '_' not in c)})"
          f" to {args.out}")
    return 0


def _training_under(recs: list, regime: str | None) -> list:
    """The records of ``regime``: a full regime key, or a regime name that names exactly one stored key
    (several keys under one name, e.g. two image counts, are an error listing them)."""
    if regime is None:
        return recs
    exact = [r for r in recs if r.regime == regime]
    if exact:
        return exact
    under = [r for r in recs if r.regime.split("/", 1)[0] == regime]
    keys = sorted({r.regime for r in under})
    if len(keys) > 1:
        from archrank.errors import InvalidArgument

        raise InvalidArgument(f"the store holds {len(keys)} settings under regime {regime!r}: "
                              f"{', '.join(keys)}; pass one of them as --regime")
    return under


def run_build_cmd(args: argparse.Namespace) -> int:
    from archrank.cli.executor_args import executor_from_args
    from archrank.run import TrainSetting, run_training
    from archrank.run.training import check_training_args, score_name, training_key

    def show(out: dict) -> None:
        if not (args.json or args.quiet):
            sys.stderr.write(f"  {out['arch']}: valid acc {out['valid_acc']:.2f}% in {out['seconds']:.1f} s\n")

    setting = TrainSetting(args.space, regime=args.regime, dataset=args.dataset, seed=args.seed,
                           data_dir=args.data_dir, batch_size=args.batch_size, train_limit=args.train_images,
                           valid_limit=args.valid_images)
    check_training_args(setting, args.archs)  # before the store file is created
    with executor_from_args(args) as executor:  # the run layer opens the store once held checkpoints are read
        s = run_training(setting, archs=args.archs, store=args.store, executor=executor,
                         checkpoint_dir=args.checkpoint_dir, kind="bench_build", on_result=show)
    summary = {"run_id": s.run_id, "archs": s.n_archs, "held": s.held, "trained": s.trained,
               "seconds": round(s.seconds, 3), "regime_key": training_key(setting), "heuristic": score_name(setting),
               "store": str(args.store)}
    if args.json:
        print_json(summary)
    else:
        print(f"trained {s.trained} of {s.n_archs} architectures under {summary['regime_key']} ({s.held} already stored) "
              f"in {s.seconds:.1f} s; results in {args.store} (heuristic {summary['heuristic']})")
    return 0
