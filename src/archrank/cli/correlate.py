"""``archrank correlate``: how faithfully each stored heuristic ranks architectures, against a benchmark or
against the training results held in the same store (``--metric trained``)."""

from __future__ import annotations

import argparse
import json
import math


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "correlate",
        help="rank consistency of stored heuristic scores against a benchmark table",
        description="For each heuristic in the store: Spearman rho, Kendall tau-b, overlap of the top 10%% by "
        "score with the top 10%% by metric, pairwise agreement, n, and mean measured seconds per architecture; a 95%% "
        "interval of rho (Fisher z, Bonett-Wright standard error). "
        "Lower-is-better heuristics are flipped; NaN scores and failures are excluded and counted. Heuristics are "
        "compared on the architectures every one of them scored (the rest are left out and counted) unless "
        "--all-archs is given.",
    )
    p.add_argument("--store", required=True, help="results store written by 'archrank score', or table:NAME (a "
                   "precomputed table, see 'archrank table list')")
    p.add_argument("--benchmark", default=None, help="benchmark table (CSV, or Parquet with pyarrow/pandas) "
                   "with an 'arch' and/or 'index' column; not needed with --metric trained")
    p.add_argument("--metric", required=True, help="benchmark column to compare with, e.g. c10_test_200; or "
                   "'trained' (the validation accuracies 'archrank train --store' recorded in --store; "
                   "'trained:KEY' picks one regime key when it holds several)")
    p.add_argument("--heuristics", default=None, help="comma-separated subset (default: all in the store)")
    p.add_argument("--space", default=None, help="only scores of this space")
    p.add_argument("--dataset", default=None, help="only scores computed on this data set")
    p.add_argument("--batch-size", type=int, default=None, help="only scores with this batch size")
    p.add_argument("--seed", type=int, default=None, help="only scores with this seed")
    p.add_argument("--combine", action="append", default=[], metavar="KIND[:H1,H2,...]",
                   help="add a combined heuristic (repeatable): vote (default snip,synflow,jacob_cov), mean_rank "
                   "(default: all heuristics shown) or fit (the combined heuristic, default naswot,synflow,"
                   "jacob_cov, fitted on --fit-store)")
    p.add_argument("--fit-store", default=None, help="store with the scores of the fit sample of 'fit' "
                   "(architectures of canonical classes disjoint from the evaluated ones; overlaps are dropped)")
    p.add_argument("--fit-n", type=int, default=0, help="use only the first N fit architectures (default all)")
    p.add_argument("--fit-seed", type=int, default=1, help="seed of the fitted model's cross-validation")
    p.add_argument("--all-archs", action="store_true", help="rank each heuristic on every architecture it "
                   "scored, even when the heuristics' sets differ (default: only the architectures all scored)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table (each row: n, n_excluded, "
                   "n_left_out, set: 'common' or 'all', spearman_low/high and kendall_low/high: 95%% intervals; the text "
                   "column ci95 is Spearman's)")
    p.add_argument("--plot", default=None, metavar="PNG", help="also draw score-vs-metric scatter panels")
    p.set_defaults(func=run, flags={"combine": "--combine", "fit_store": "--fit-store", "all_archs": "--all-archs"})


def run(args: argparse.Namespace) -> int:
    from archrank.benchmarks.table import BenchmarkTable
    from archrank.cli.output import existing_store
    from archrank.errors import InvalidArgument
    from archrank.registry import name_list
    from archrank.report.combine import add_combinations, fit_members, parse_combination
    from archrank.report.consistency import consistency_table, on_common_archs, paired_scores
    from archrank.run import load_plugins
    from archrank.store import open_store

    load_plugins()
    sources = [existing_store(args.store, "--store")]
    if args.fit_store is not None:
        sources.append(existing_store(args.fit_store, "--fit-store"))
    source = "; ".join(s for s in sources if s) or None
    combos = [parse_combination(c) for c in args.combine]
    trained = args.metric == "trained" or args.metric.startswith("trained:")
    if trained and args.benchmark:
        raise InvalidArgument("--metric trained reads the ground truth from --store; drop --benchmark")
    if not trained and not args.benchmark:
        raise InvalidArgument("--benchmark is needed unless --metric is 'trained' (training results in --store)")
    table = None if trained else BenchmarkTable.from_file(args.benchmark)
    names = name_list(args.heuristics, what="heuristic", parameter="heuristics") if args.heuristics else None
    filters = {"space": args.space, "dataset": args.dataset, "batch_size": args.batch_size, "seed": args.seed}
    metric = label = args.metric
    with open_store(args.store) as store:
        if trained:
            from archrank.report.trained import TRAINED_COLUMN, score_heuristics, trained_table

            key = args.metric.partition(":")[2].strip() or None
            table, key = trained_table(store, space=args.space, regime=key, dataset=args.dataset)
            names = names or score_heuristics(store, space=args.space)
            metric = TRAINED_COLUMN
            label = f"validation accuracy after training under {key} ({len(table)} architectures trained)"
        paired = paired_scores(store, table, metric, heuristics=names, **filters)
    if not args.all_archs:
        paired = on_common_archs(paired)
    fit = None
    if args.fit_store and fit_members(combos):
        with open_store(args.fit_store) as store:
            fit = paired_scores(store, table, metric, heuristics=fit_members(combos), **filters)
    result = add_combinations(consistency_table(paired), paired, combos, fit=fit, fit_n=args.fit_n,
                              fit_seed=args.fit_seed)
    if args.plot:
        from archrank.report.plots import plot_scatter, scatter_table

        plot_scatter(scatter_table(paired), args.plot, metric_name=metric)
    if args.json:
        which = "all" if args.all_archs else "common"
        extra = {"set": which} if source is None else {"set": which, "source": source}
        print(json.dumps({h: {**{k: _json(v) for k, v in row.items()}, **extra} for h, row in result.items()},
                         indent=2))
    else:
        print(format_table(result, label))
        print(set_line(paired, all_archs=args.all_archs))
        if source:
            print(f"scores {source}")
        if args.plot:
            print(f"plot written to {args.plot}")
    return 0


def set_line(paired: dict, *, all_archs: bool) -> str:
    """One line saying which architectures the figures are computed on and what was left out."""
    sizes = {h: len(p.archs) for h, p in paired.items()}
    if all_archs:
        spread = "" if len(set(sizes.values())) <= 1 else " (sets differ: n from " \
            f"{min(sizes.values())} to {max(sizes.values())}; figures are not comparable)"
        return f"each heuristic on every architecture it scored (--all-archs){spread}"
    n = next(iter(sizes.values()), 0)
    left = [f"{h} {p.n_left_out}" for h, p in sorted(paired.items()) if p.n_left_out]
    return (f"compared on the {n} architectures every heuristic scored; left out: "
            + (", ".join(left) if left else "none"))


def _json(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def format_table(result: dict[str, dict], metric: str) -> str:
    """An aligned text table, best Spearman first (vote last)."""
    head = ["heuristic", "spearman", "ci95", "kendall", "top10", "pairwise", "top1", "n", "excluded", "s/arch"]
    combined = [h for h in result if h == "vote" or "(" in h or h in ("mean_rank", "fit")]
    order = sorted((h for h in result if h not in combined),
                   key=lambda h: -result[h]["spearman"] if math.isfinite(result[h]["spearman"]) else math.inf)
    order += combined
    rows = []
    for h in order:
        r = result[h]
        ci = f"[{_f(r.get('spearman_low', math.nan), 2)},{_f(r.get('spearman_high', math.nan), 2)}]"
        rows.append([h, _f(r["spearman"]), ci, _f(r["kendall"]), _f(r["top10"]), _f(r["pairwise"]), _f(r.get("top1", math.nan), 2),
                     str(r["n"]),
                     str(r["n_excluded"]), _f(r["seconds_per_arch"], 4)])
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]
    lines = [f"rank consistency against {metric}"]
    lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(head, widths))))
    for r in rows:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
    if "vote" in result:
        lines.append("vote: Copeland ranking of the snip/synflow/jacob_cov majority vote; its 'pairwise' is the "
                     "vote's pairwise agreement")
    return "\n".join(lines)


def _f(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}" if isinstance(x, float) and math.isfinite(x) else ("nan" if isinstance(x, float) else str(x))
