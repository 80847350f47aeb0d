"""``archrank predict``: fit a performance predictor on N labelled architectures and rank the rest."""

from __future__ import annotations

import argparse
from pathlib import Path

from archrank.cli.arg_types import nonnegative_int, positive_int
from archrank.cli.output import JSON_HELP, existing_file, print_json, writable_file


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "predict",
        description="Fit a predictor on --labels architectures of a benchmark (drawn at random, --seeds "
        "samples) and rank every other one: Spearman, Kendall and top-10%% overlap against the truth, mean and "
        "std over the samples. Features: the space's encoding, graph features of the cell and heuristic scores "
        "from --store (missing ones are computed by a scoring run unless --no-compute). Predictors: gp, rf, "
        "hgb, ridge_rank, mlp_ensemble. With --load and --archs: predict architectures nobody trained with a "
        "saved predictor, best first.",
    )
    p.add_argument("--benchmark", default=None, help="a suite task (nb201-cifar10, nb101-cifar10, nb301-cifar10, "
                   "nds-darts, nds-enas, nbnlp-ptb, nbnlp-wt2) or a table file (with --space and --metric)")
    p.add_argument("--metric", default=None, help="truth column ranked against (default: the task's)")
    p.add_argument("--label-metric", default=None, help="column the labelled architectures are fitted on "
                   "(default: --metric), e.g. c10v_valid_12 as a cheap label")
    p.add_argument("--lower-is-better", action="store_true", help="the metric is a loss or error (table files; "
                   "tasks know their direction)")
    p.add_argument("--labels", type=positive_int, default=None, help="labelled architectures per sample "
                   "(required unless --load)")
    p.add_argument("--features", default="encoding", help="comma-separated: encoding, graph, zc:NAME[,NAME...] "
                   "or zc:all (default encoding)")
    p.add_argument("--predictor", default="gp", help="gp, rf, hgb, ridge_rank or mlp_ensemble (default gp)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="predictor parameter (repeatable), e.g. --param members=3")
    p.add_argument("--seeds", type=positive_int, default=10, help="labelled samples (default 10)")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="base seed of the samples (default 0)")
    p.add_argument("--population", type=positive_int, default=None,
                   help="work on this many architectures of the benchmark, drawn with --seed (default all)")
    p.add_argument("--space", default=None, help="space of a table file's architectures")
    p.add_argument("--store", default=None, help="results store holding (and receiving) heuristic scores, or a "
                   "shipped table (table:NAME, read-only: nothing is computed)")
    p.add_argument("--no-compute", action="store_true", help="never score: keep only architectures whose "
                   "heuristic scores the store holds")
    p.add_argument("--dataset", default=None, help="score setting: data set (default: the store's, else cifar10)")
    p.add_argument("--batch-size", type=positive_int, default=None, help="score setting: batch size")
    p.add_argument("--score-seed", type=nonnegative_int, default=None, help="score setting: seed")
    p.add_argument("--data-dir", default=None, help="data directory (benchmark files, scoring data)")
    p.add_argument("--device", default="cpu", help="where missing scores are computed (default cpu)")
    p.add_argument("--save", default=None, metavar="FILE.json", help="save the predictor fitted on the first "
                   "sample (JSON: hyperparameters and training set; loading refits)")
    p.add_argument("--load", default=None, metavar="FILE.json", help="rank the benchmark with a saved predictor "
                   "instead of fitting one (its training architectures are left out)")
    p.add_argument("--archs", default=None, help="with --load: predict these architectures instead of ranking a "
                   "benchmark: a FILE (one architecture a line, official string or index, '#' comments), "
                   "'random:N' (drawn with --seed) or 'all'")
    p.add_argument("--top", type=positive_int, default=None, help="with --archs: print only the best K")
    p.add_argument("--json", action="store_true", help=JSON_HELP)
    p.set_defaults(func=run, flags={"labels": "--labels", "seeds": "--seeds", "features": "--features",
                                    "predictor": "--predictor", "population": "--population"})


def run(args: argparse.Namespace) -> int:
    from archrank.errors import InvalidArgument
    from archrank.predictors import PREDICTORS, parse_features
    from archrank.predictors.base import predictor_param_values
    from archrank.suite.predict import (
        check_saved_fits,
        evaluate_saved,
        open_benchmark_data,
        predict_benchmark,
        predict_saved,
    )

    spec = parse_features(args.features)
    PREDICTORS.get(args.predictor)
    params = predictor_param_values(args.param, args.predictor)
    if args.archs is not None and not args.load:
        raise InvalidArgument("--archs predicts with a saved predictor: give --load FILE.json", parameter="archs")
    if args.archs is not None and args.benchmark is not None:
        raise InvalidArgument("give --benchmark (rank a benchmark) or --archs (predict architectures), not both",
                              parameter="archs")
    if args.archs is None and args.benchmark is None:
        raise InvalidArgument("--benchmark is required (or --load FILE.json --archs ARCHS)", parameter="benchmark")
    if args.top is not None and args.archs is None:
        raise InvalidArgument("--top applies to --archs predictions", parameter="top")
    if args.load:
        existing_file(args.load, "--load")
    elif args.labels is None:
        raise InvalidArgument("--labels N is required (or --load a saved predictor)", parameter="labels")
    if args.save:
        writable_file(args.save, "--save")
    store = None
    if args.store:
        from archrank.store import split_location

        if split_location(args.store)[0] == "sqlite":  # a file: never create one that cannot be filled
            if Path(args.store).expanduser().exists():
                existing_file(args.store, "--store")
            elif args.no_compute:
                raise InvalidArgument(f"store {args.store!r} not found", parameter="store")
    elif args.archs is None and spec.zc and not args.load:
        raise InvalidArgument("heuristic-score features (zc:...) need --store", parameter="store")
    hib = False if args.lower_is_better else None
    # Every input is read before the store is opened: the saved predictor, the benchmark, and for a store
    # that does not exist yet (it holds no score: all are computed) the scoring data.
    fitted = data = None
    if args.load:
        from archrank.predictors.saved import load_predictor

        fitted = load_predictor(args.load)
        spec = parse_features(fitted.features)
    if args.archs is None:
        data = open_benchmark_data(args.benchmark, space=args.space or (fitted.space if fitted else None),
                                   metric=args.metric, higher_is_better=hib, data_root=args.data_dir)
        if fitted is not None:
            check_saved_fits(fitted, data)
        space = data.space
    else:
        from archrank.run.selection import select_archs
        from archrank.spaces import get_space

        space = get_space(fitted.space)
        select_archs(space, args.archs, seed=args.seed)  # a bad selection fails before the store is opened
    if args.store:
        from archrank.store import open_store, split_location

        backend, where = split_location(args.store)
        if spec.zc and not args.no_compute and backend == "sqlite" and not Path(where).expanduser().exists():
            from archrank.predictors.scores import check_scores_for_new_store

            check_scores_for_new_store(space, list(spec.zc), dataset=None if args.load else args.dataset,
                                       batch_size=None if args.load else args.batch_size,
                                       seed=None if args.load else args.score_seed, data_dir=args.data_dir)
        store = open_store(args.store)
    try:
        if args.archs is not None:
            out = predict_saved(args.load, args.archs, store=store, compute=not args.no_compute, seed=args.seed,
                                data_root=args.data_dir, device=args.device)
            return _print_predictions(out, args)
        if args.load:
            out = evaluate_saved(args.load, data, metric=args.metric, store=store, fitted=fitted,
                                 compute=not args.no_compute, space=args.space, higher_is_better=hib,
                                 data_root=args.data_dir, device=args.device)
        else:
            out = predict_benchmark(data, labels=args.labels, features=spec.text(),
                                    predictor=args.predictor, metric=args.metric, label_metric=args.label_metric,
                                    samples=args.seeds, seed=args.seed, params=params, store=store,
                                    compute=not args.no_compute, population=args.population, space=args.space,
                                    higher_is_better=hib, data_root=args.data_dir, score_dataset=args.dataset,
                                    score_batch_size=args.batch_size, score_seed=args.score_seed,
                                    device=args.device, save=args.save).to_json()
    finally:
        if store is not None:
            store.close()
    if args.json:
        print_json(out)
        return 0
    keys = ("predictor", "features", "labels", "population", "spearman", "kendall", "top10")
    print("  ".join(f"{k}={out[k]}" for k in keys if k in out)
          + (f"  (std over {out['samples']} samples: spearman {out['spearman_std']})" if "samples" in out else ""))
    for h, rho in (out.get("single_heuristics_spearman") or {}).items():
        print(f"  heuristic {h} alone: spearman {rho}")
    if out.get("saved"):
        print(f"saved {out['saved']}")
    return 0


def _print_predictions(out: dict, args: argparse.Namespace) -> int:
    if args.top is not None:
        out["predictions"] = out["predictions"][:args.top]
    if args.json:
        print_json(out)
        return 0
    print(f"{out['predictor']} on {out['features']} ({out['labels']} labels), {out['archs']} architectures of "
          f"{out['space']}, best first ({'higher' if out['higher_is_better'] else 'lower'} is better)")
    for row in out["predictions"]:
        std = "" if row["std"] is None else f" +- {row['std']:.4g}"
        print(f"{row['rank']:6d}  {row['mean']:.6g}{std}  {row['arch']}")
    if out["missing"]:
        print(f"{len(out['missing'])} without every heuristic score (not predicted): "
              + ", ".join(out["missing"][:5]) + (" ..." if len(out["missing"]) > 5 else ""))
    return 0
