"""The training-free ranker, measured the way docs/heuristics.md reports it: on the reporting split, and over seeds.

``split``: the architectures of a (whole-space) store whose canonical class is *not* among those of the
selection sample (``random:1000`` drawn with seed 0, on which the ranker's members and rule were chosen).
Over the ones every listed heuristic scored, it prints Spearman, Kendall, top-10% overlap and the
``c10_test_200`` of the top-1 pick (the best of these architectures by the score) for the ranker's exact
rule, AZ-NAS's aggregation and each listed heuristic.  The combinations come from ``COMBINATIONS``, as in
``archrank correlate``.

``seeds``: the same architectures scored under several seeds (one store per seed, or one store holding
them all), and the mean and standard deviation of each heuristic's and combination's Spearman.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_ranker.py split --store nb201_all.db
    PYTHONPATH=src .venv/bin/python benchmarks/bench_ranker.py seeds --archs archs.txt \\
        --store 0=r1000.db --store 1=seeds.db --store 2=seeds.db
"""

from __future__ import annotations

import argparse
import math
import statistics

import numpy as np

from archrank import metrics
from archrank.benchmarks.table import BenchmarkTable
from archrank.heuristics import HEURISTICS
from archrank.heuristics.combinations import COMBINATIONS
from archrank.run.selection import identities, select_archs
from archrank.spaces import get_space
from archrank.store import open_store

SPACE, METRIC = "nb201", "c10_test_200"
COMBOS = ("ranker", "az_nas_rank")
DEFAULT_HEURISTICS = "meco,meco_opt,az_nas,zico,swap,naswot,synflow,params"


def stored(store_path: str, names: set[str], seed: int, batch_size: int) -> dict[str, dict[str, float]]:
    """{heuristic: {arch string: value}} of one setting; infinite values kept, NaN and errors left out."""
    out: dict[str, dict[str, float]] = {n: {} for n in names}
    with open_store(store_path) as st:
        for r in st.scores(space=SPACE, dataset="cifar10", batch_size=batch_size, seed=seed):
            if r.heuristic in out and r.error is None and r.value is not None and not math.isnan(r.value):
                out[r.heuristic][r.arch] = float(r.value)
    return out


def rows(scores: dict[str, dict[str, float]], archs: list[str], truth: dict[str, float],
         heuristics: list[str]) -> dict[str, dict[str, float]]:
    """Spearman, Kendall, top-10% overlap and top-1 pick of each combination and heuristic over ``archs``."""
    y = np.array([truth[a] for a in archs])
    series: dict[str, np.ndarray] = {}
    for name in COMBOS:
        comb = COMBINATIONS.get(name)
        values = comb.scores({m: {a: scores[m][a] for a in archs} for m in comb.members},
                             {m: HEURISTICS.get(m).higher_is_better for m in comb.members})
        series[f"{name} (rule)"] = np.array([values[a] for a in archs])
    for h in heuristics:
        series[h] = metrics.oriented(np.array([scores[h][a] for a in archs]), HEURISTICS.get(h).higher_is_better)
    out = {}
    for label, v in series.items():
        top = archs[int(np.argmax(np.where(np.isnan(v), -np.inf, v)))]
        out[label] = {"spearman": float(metrics.spearman(v, y)), "kendall": float(metrics.kendall_tau(v, y)),
                      "top10": float(metrics.top_k_overlap(v, y, 0.1)), "top1": truth[top]}
    return out


def members(heuristics: list[str]) -> set[str]:
    return set(heuristics).union(*(COMBINATIONS.get(c).members for c in COMBOS))


def split(args: argparse.Namespace, truth: dict[str, float]) -> None:
    sp = get_space(SPACE)
    heuristics = args.heuristics.split(",")
    chosen = {c for _, c, _ in identities(sp, select_archs(sp, args.sample, args.sample_seed))}
    scores = stored(args.store, members(heuristics), args.seed, args.batch_size)
    common = sorted(set.intersection(*(set(v) for v in scores.values())) & set(truth))
    canon = {s: c for s, c, _ in identities(sp, [sp.parse(a) for a in common])}
    archs = [a for a in common if canon[a] not in chosen]
    print(f"reporting split: {len(archs)} architectures in {len({canon[a] for a in archs})} canonical classes "
          f"outside the {len(chosen)} classes of the selection sample ({args.sample}, seed {args.sample_seed})")
    print(f"{'':28s} spearman  kendall  top-10%  top-1 {METRIC}")
    for label, r in rows(scores, archs, truth, heuristics).items():
        print(f"{label:28s} {r['spearman']:8.4f} {r['kendall']:8.4f} {r['top10']:8.3f}  {r['top1']:.2f}")


def seeds(args: argparse.Namespace, truth: dict[str, float]) -> None:
    sp = get_space(SPACE)
    heuristics = args.heuristics.split(",")
    archs = [sp.format(a) for a in select_archs(sp, args.archs, 0)]
    per_seed = {}
    for spec in args.store:
        seed, _, path = spec.partition("=")
        scores = stored(path, members(heuristics), int(seed), args.batch_size)
        missing = [h for h, v in scores.items() if not set(archs) <= set(v)]
        if missing:
            raise SystemExit(f"seed {seed} in {path}: {', '.join(sorted(missing))} not stored for every architecture")
        per_seed[int(seed)] = rows(scores, archs, truth, heuristics)
    print(f"{len(archs)} architectures; Spearman with {METRIC} per seed, mean and standard deviation")
    print(f"{'':28s} " + " ".join(f"seed {s:<3d}" for s in per_seed) + "   mean      sd")
    for label in next(iter(per_seed.values())):
        v = [per_seed[s][label]["spearman"] for s in per_seed]
        sd = statistics.stdev(v) if len(v) > 1 else math.nan
        print(f"{label:28s} " + " ".join(f"{x:8.4f}" for x in v) + f" {statistics.mean(v):8.4f} {sd:7.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("split", help="the reporting split of a whole-space store")
    a.add_argument("--store", required=True)
    a.add_argument("--sample", default="random:1000", help="the selection sample (default random:1000)")
    a.add_argument("--sample-seed", type=int, default=0)
    b = sub.add_parser("seeds", help="Spearman over seeds on one set of architectures")
    b.add_argument("--archs", required=True, help="file with one architecture per line")
    b.add_argument("--store", action="append", required=True, metavar="SEED=FILE")
    for p in (a, b):
        p.add_argument("--heuristics", default=DEFAULT_HEURISTICS)
        p.add_argument("--seed", type=int, default=0, help="scoring seed (split only)")
        p.add_argument("--batch-size", type=int, default=64)
    args = ap.parse_args()
    table = BenchmarkTable.packaged(SPACE)
    truth = dict(zip(table.as_columns()[table.arch_column], map(float, table.values(METRIC))))
    (split if args.cmd == "split" else seeds)(args, truth)


if __name__ == "__main__":
    main()
