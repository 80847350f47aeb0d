"""``archrank score``: score architectures with heuristics into a results store (resumable)."""

from __future__ import annotations

import argparse
import sys

from archrank.cli.arg_types import nonnegative_int, positive_int
from archrank.cli.output import JSON_HELP, print_json
from archrank.execution import EXECUTORS
from archrank.run.setting import DEFAULT_BATCH_SIZE, DEFAULT_DATASET


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "score",
        description="Score architectures with heuristics. Results go to the store as they arrive; rerunning "
        "the same command after an interruption computes only what is missing. Architectures with the same "
        "canonical form are computed once. Extra heuristic/space modules: ARCHRANK_PLUGINS=mod1,mod2.",
    )
    p.add_argument("--space", default="nb201", help="search space (default nb201; see 'archrank spaces')")
    p.add_argument("--archs", default=None, help="'all', 'random:N' (N distinct, drawn with --seed), or a FILE "
                   "with one architecture per line (official string or index); required unless --model is given")
    p.add_argument("--model", action="append", default=None, metavar="[NAME=]MODULE:ATTR",
                   help="score your own network instead of a space's: an nn.Module, a zero-argument factory, or "
                   "a mapping (or a factory returning one) of names to networks, importable from the current "
                   "folder; repeat for several (population combinations such as ranker and vote need two or more)")
    p.add_argument("--heuristics", required=True, help="comma-separated heuristic names (see 'archrank heuristics')")
    p.add_argument("--dataset", default=DEFAULT_DATASET,
                   help=f"data set of the scoring batch (default {DEFAULT_DATASET})")
    p.add_argument("--data-dir", default=None, help="data directory (default $ARCHRANK_DATA or ~/.cache)")
    p.add_argument("--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE,
                   help=f"scoring batch size (default {DEFAULT_BATCH_SIZE})")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed of the selection, the batch and the weights")
    p.add_argument("--store", default=None, help="results store (SQLite file, created if missing); required unless "
                   "--model is given (then default: a private in-memory store, and the values are printed)")
    p.add_argument("--executor", default="local", choices=EXECUTORS.names(), help="where tasks run (default local)")
    p.add_argument("--ray-address", default=None, help="join this Ray cluster instead of starting a local one")
    p.add_argument("--num-cpus", type=positive_int, default=None, help="CPUs of a local Ray cluster (default 2)")
    p.add_argument("--num-classes", type=positive_int, default=None, help="outputs of the model's head (default: "
                   "the data set's classes; e.g. 1000 for the NDS ImageNet networks of the nds-darts and nds-enas "
                   "tables; a store does not key scores by it, so keep scores with another head in another store)")
    p.add_argument("--threads", type=positive_int, default=1, help="torch threads per task (default 1; the same for "
                   "every executor, so results are identical)")
    p.add_argument("--workers", type=int, default=None, help="worker processes of the local executor "
                   "(default: one per core divided by --threads; results are identical for any number)")
    p.add_argument("--device", default="auto", help="where models run: auto (CUDA when available), cpu, cuda "
                   "or cuda:N (default auto)")
    p.add_argument("--supernet", default=None, metavar="FILE", help="trained supernet checkpoint for the "
                   "weight_sharing heuristic (written by 'archrank supernet train')")
    p.add_argument("--retry-failed", action="store_true", help="recompute every stored failure (failures "
                   "from the environment: missing file, memory, module, connection are recomputed anyway)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from archrank.errors import InvalidArgument

    if args.model:
        return run_models(args)
    missing = [flag for flag, v in (("--archs", args.archs), ("--store", args.store)) if v is None]
    if missing:
        raise InvalidArgument(f"the following arguments are required: {', '.join(missing)} (or --model to score "
                              "your own network)")
    return run_space(args)


def run_models(args: argparse.Namespace) -> int:
    """``--model``: score the networks named by the specifications; print their values."""
    from archrank.errors import InvalidArgument
    from archrank.run.model_specs import load_models
    from archrank.run.own_models import score_models

    for flag, given in (("--archs", args.archs), ("--space", args.space != "nb201"), ("--supernet", args.supernet),
                        ("--num-classes", args.num_classes)):
        if given:
            raise InvalidArgument(f"{flag} does not go with --model (the networks are given)")
    if args.executor != "local" or args.workers not in (None, 1):
        raise InvalidArgument("--model runs in this process: --executor local with one worker")
    models = load_models(args.model)
    out = score_models(models, args.dataset, args.heuristics, store=args.store, seed=args.seed, device=args.device,
                       batch_size=args.batch_size, data_dir=args.data_dir, threads=args.threads,
                       retry_failed=args.retry_failed, progress=not (args.no_progress or args.quiet or args.json))
    for m, errs in out.errors.items():
        for h, err in errs.items():
            sys.stderr.write(f"archrank score: {h} failed on {m}: {err}\n")
    if args.json:
        print_json({"rows": out.rows(), "errors": out.errors, "dataset": args.dataset,
                    "batch_size": args.batch_size, "seed": args.seed, "store": args.store})
        return 0
    heads = list(dict.fromkeys(h for row in out.values.values() for h in row))
    width = max(len("model"), *(len(m) for m in out.values))
    print(f"{'model':<{width}}  " + "  ".join(f"{h:>14}" for h in heads))
    for m, row in out.values.items():
        print(f"{m:<{width}}  " + "  ".join(f"{row.get(h, float('nan')):>14.6g}" for h in heads))
    return 0


def run_space(args: argparse.Namespace) -> int:
    from archrank.cli.executor_args import executor_from_args
    from archrank.run import ScoreSetting
    from archrank.run.prepare import prepare_scoring
    from archrank.run.scoring import run_prepared

    # One preparation step checks everything before the store is opened: a bad call creates and changes nothing.
    setting = ScoreSetting(args.space, dataset=args.dataset, batch_size=args.batch_size, seed=args.seed,
                           data_dir=args.data_dir, threads=args.threads, device=args.device)
    prepared = prepare_scoring(setting, archs=args.archs, heuristics=args.heuristics, store=args.store,
                               supernet=args.supernet, executor=args.executor, workers=args.workers,
                               num_classes=args.num_classes)
    names = list(prepared.names)
    with executor_from_args(args, cpus_per_task=args.threads, workers=prepared.workers) as executor:
        s = run_prepared(prepared, store=args.store, executor=executor, retry_failed=args.retry_failed,
                         progress=not (args.no_progress or args.quiet or args.json))
    for arch, h, err in s.failures[:5]:
        sys.stderr.write(f"archrank score: {h} failed on {arch}: {err}\n")
    if len(s.failures) > 5:
        sys.stderr.write(f"archrank score: ... and {len(s.failures) - 5} more failures (kept in the store)\n")
    if s.nonfinite_line():
        sys.stderr.write(f"archrank score: {s.nonfinite_line()}\n")
    if s.stored_failures:
        arch, h, err = s.stored_failures[0]
        sys.stderr.write(f"archrank score: {len(s.stored_failures)} stored failure(s) not retried (e.g. {h} on "
                         f"{arch}: {err}); pass --retry-failed to compute them again\n")
    summary = {"run_id": s.run_id, "status": s.status, "archs": s.n_archs, "canonical_classes": s.n_classes,
               "held": s.held, "copied": s.copied, "computed": s.computed, "recorded": s.recorded,
               "failed": s.failed, "retried": s.retried, "stored_failures": len(s.stored_failures),
               "nonfinite": s.nonfinite,
               "seconds": round(s.seconds, 3), "store": str(args.store)}
    if args.json:
        print_json(summary)
    else:
        print(f"scored {s.n_archs} architectures ({s.n_classes} canonical classes) with {', '.join(names)}: "
              f"{s.computed} computed ({s.retried} retried failures), {s.copied} copied from class members, "
              f"{s.held} already stored ({len(s.stored_failures)} of them failures), {s.failed} failed now; "
              f"{s.recorded} records written to {args.store} in {s.seconds:.1f} s; run {s.run_id} {s.status}")
    return 0
