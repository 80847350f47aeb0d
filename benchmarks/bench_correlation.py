"""Rank correlation of the training-free proxies with NB201 CIFAR-10 accuracy, on a sample of architectures.

Two steps (the first resumes where it stopped, appending to its CSV):

    # score: the first N architectures of the `random:1000 --seed 0` draw (what `archrank score` selects)
    .venv/bin/python benchmarks/bench_correlation.py score --sample eval --n 150 --out /tmp/eval.csv
    # score the fit sample of the combined heuristic (disjoint canonical classes, drawn with --fit-seed)
    .venv/bin/python benchmarks/bench_correlation.py score --sample fit --n 300 --out /tmp/fit.csv \
        --heuristics naswot,synflow,jacob_cov,params,flops
    # report Spearman / Kendall / top-10% for each proxy, the vote, and the combined heuristic
    .venv/bin/python benchmarks/bench_correlation.py report --eval /tmp/eval.csv --fit /tmp/fit.csv

Scores use CIFAR-10 batches of 64 from the shared data folder and seed 0 for the batch and the weights.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

DATA = Path(os.environ.get("ARCHRANK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
ALL = "params,flops,grad_norm,snip,grasp,fisher,synflow,jacob_cov,naswot,naswot_euclid"


def eval_indices(n: int, seed: int = 0, total: int = 1000) -> list[int]:
    """The first n architectures of `archrank score --archs random:{total} --seed {seed}` on nb201."""
    return [int(i) for i in np.random.default_rng(seed).choice(15625, size=total, replace=False)[:n]]


def fit_indices(n: int, fit_seed: int, exclude_seed: int = 0, exclude_total: int = 1000) -> list[int]:
    """n architectures whose canonical classes are disjoint from those of the evaluated sample."""
    from archrank.heuristics.aggregate import disjoint_fit_sample
    from archrank.spaces import get_space

    space = get_space("nb201")
    ev = [space.index_to_arch(i) for i in eval_indices(exclude_total, exclude_seed, exclude_total)]
    return [space.arch_to_index(a) for a in disjoint_fit_sample(space, ev, n, seed=fit_seed)]


def score(args) -> None:
    from archrank.data.loaders import one_batch
    from archrank.heuristics import HEURISTICS
    from archrank.heuristics.base import ScoreContext
    from archrank.spaces import get_space

    torch.set_num_threads(args.threads)
    space = get_space("nb201")
    idx = eval_indices(args.n) if args.sample == "eval" else fit_indices(args.n, args.fit_seed)
    names = args.heuristics.split(",")
    done: set[tuple[int, str]] = set()
    out = Path(args.out)
    if out.exists():
        with open(out) as f:
            done = {(int(r["index"]), r["heuristic"]) for r in csv.DictReader(f)}
    x, y = one_batch("cifar10", 64, 0, args.data_dir)
    new = not out.exists()
    with open(out, "a", newline="") as f:
        w = csv.writer(f)
        if new:
            w.writerow(["index", "heuristic", "value", "seconds"])
        t0 = time.perf_counter()
        for k, i in enumerate(idx):
            for name in names:
                if (i, name) in done:
                    continue
                ctx = ScoreContext(arch=space.index_to_arch(i), space=space, inputs=x, targets=y, seed=0)
                t = time.perf_counter()
                try:
                    v = float(HEURISTICS.get(name).fn(ctx))
                except Exception as e:  # noqa: BLE001 - record and go on
                    print(f"{i} {name}: {e}", file=sys.stderr)
                    v = math.nan
                w.writerow([i, name, repr(v), f"{time.perf_counter() - t:.4f}"])
                f.flush()
            print(f"{k + 1}/{len(idx)} {time.perf_counter() - t0:.0f}s", file=sys.stderr)


def _read(paths: list[str]) -> tuple[dict[str, dict[int, float]], dict[str, float]]:
    scores: dict[str, dict[int, float]] = {}
    secs: dict[str, list[float]] = {}
    for path in paths:
        with open(path) as f:
            for r in csv.DictReader(f):
                scores.setdefault(r["heuristic"], {})[int(r["index"])] = float(r["value"])
                secs.setdefault(r["heuristic"], []).append(float(r["seconds"]))
    return scores, {k: float(np.mean(v)) for k, v in secs.items()}


def _truth(metric: str) -> dict[int, float]:
    with open(DATA / "nb201" / "nb201_cifar10.csv") as f:
        return {int(r["index"]): float(r[metric]) for r in csv.DictReader(f)}


def report(args) -> None:
    from archrank import metrics
    from archrank.heuristics import HEURISTICS
    from archrank.heuristics.aggregate import combined_scores, pairwise_agreement, rank_aggregate, vote_scores
    from archrank.spaces import get_space

    space = get_space("nb201")
    truth = _truth(args.metric)
    scores, secs = _read(args.eval)
    directions = {h: HEURISTICS.get(h).higher_is_better for h in scores}
    print(f"metric {args.metric}; architectures: the first n of random:1000 --seed 0")
    print(f"{'heuristic':34s} {'n':>4s} {'spearman':>9s} {'kendall':>8s} {'top10%':>7s} {'s/arch':>8s}")

    def line(name: str, values: dict[int, float], hib: bool = True, sec: float = math.nan) -> None:
        keys = sorted(values)
        s = np.array([values[i] for i in keys])
        y = np.array([truth[i] for i in keys])
        s, y, _ = metrics.finite_pairs(metrics.oriented(s, hib), y)
        r = metrics.rank_consistency(s, y)
        print(f"{name:34s} {len(keys):4d} {r['spearman']:9.3f} {r['kendall']:8.3f} {r['top10']:7.2f} {sec:8.3f}")

    def common(names) -> list[int]:
        return sorted(set.intersection(*(set(scores[h]) for h in names)))

    for h in scores:
        line(h, scores[h], directions[h], secs[h])
    if "naswot" in scores and "naswot_euclid" in scores:
        keys = common(("naswot", "naswot_euclid"))
        a, b, dropped = metrics.finite_pairs([scores["naswot"][i] for i in keys],
                                             [scores["naswot_euclid"][i] for i in keys])
        print(f"naswot vs naswot_euclid (n={len(keys)}, {dropped} non-finite): Spearman between the two scores "
              f"{metrics.spearman(a, b):.4f}, Kendall {metrics.kendall_tau(a, b):.4f}")
    vote_members = ("snip", "synflow", "jacob_cov")
    if all(h in scores for h in vote_members):
        keys = common(vote_members)
        sub = {h: {i: scores[h][i] for i in keys} for h in vote_members}
        line("vote (copeland of snip,synflow,jacob_cov)", vote_scores(sub, directions))
        print(f"vote pairwise agreement with the metric (n={len(keys)}): "
              f"{pairwise_agreement(sub, truth, directions):.3f}")
    for agg in (("naswot", "synflow", "jacob_cov"), ("naswot", "synflow")):
        if all(h in scores for h in agg):
            keys = common(agg)
            line("mean_rank(" + ",".join(agg) + ")",
                 rank_aggregate({h: {i: scores[h][i] for i in keys} for h in agg}, directions))
    if args.fit:
        fit, _ = _read(args.fit)
        for proxies in (("naswot", "synflow", "jacob_cov"), ("naswot", "synflow")):
            fkeys = sorted(set.intersection(*(set(fit[h]) for h in proxies)))
            fkeys = fkeys[: args.fit_n] if args.fit_n else fkeys
            fit_truth = {space.index_to_arch(i): truth[i] for i in fkeys}
            fit_sc = {h: {space.index_to_arch(i): fit[h][i] for i in fkeys} for h in proxies}
            keys = common(proxies)
            ev = {h: {space.index_to_arch(i): scores[h][i] for i in keys} for h in proxies}
            comb = combined_scores(ev, fit_sc, fit_truth, space=space, directions=directions, proxies=proxies,
                                   seed=args.fit_seed)
            line(f"combined({','.join(proxies)}; fit {len(fkeys)})",
                 {space.arch_to_index(a): v for a, v in comb.items()})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("score")
    s.add_argument("--sample", choices=["eval", "fit"], default="eval")
    s.add_argument("--n", type=int, default=150)
    s.add_argument("--fit-seed", type=int, default=1)
    s.add_argument("--heuristics", default=ALL)
    s.add_argument("--out", required=True)
    s.add_argument("--data-dir", default=str(DATA))
    s.add_argument("--threads", type=int, default=1)
    r = sub.add_parser("report")
    r.add_argument("--eval", required=True, nargs="+")
    r.add_argument("--fit", nargs="+")
    r.add_argument("--fit-n", type=int, default=0, help="use only the first N fit architectures")
    r.add_argument("--fit-seed", type=int, default=1)
    r.add_argument("--metric", default="c10_test_200")
    args = p.parse_args(argv)
    score(args) if args.cmd == "score" else report(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
