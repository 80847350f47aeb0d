"""Scoring throughput: each heuristic's standalone and marginal (shared-pass) seconds per architecture.

Runs the path ``archrank score`` runs (:func:`archrank.run.run_scoring`, the function the command calls)
on the same architectures: once per heuristic alone, then once with all of them together (one context per
architecture, shared passes).  Prints, per heuristic, its standalone s/arch and its marginal s/arch in the
shared run (the stored ``seconds``), the speed-up of the shared run over the sum of the standalone runs,
and the overheads of the shared run as a share of its wall time: data loading, model construction (one
``ctx.build()`` per architecture, timed apart) and store writes.

    PYTHONPATH=src python benchmarks/bench_throughput.py --archs 10 --data-dir ../shared/data
    PYTHONPATH=src python benchmarks/bench_throughput.py --whole-space   # the issue's target commands (hours)
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time

import torch


def training_free(space) -> list[str]:
    from archrank.heuristics import HEURISTICS

    return [n for n in HEURISTICS.names() if "training" not in HEURISTICS.get(n).needs
            and HEURISTICS.get(n).applies_to(space) is None and HEURISTICS.get(n).fn.__module__.startswith("archrank.")]


def timed_store(store):
    """``store`` with its ``put_scores`` timed: the seconds add up in ``store.write_seconds``."""
    real = store.put_scores
    store.write_seconds = 0.0

    def put_scores(*a, **k):
        t0 = time.perf_counter()
        try:
            return real(*a, **k)
        finally:
            store.write_seconds += time.perf_counter() - t0

    store.put_scores = put_scores
    return store


def score(setting, archs, names, batch):
    from archrank.run import run_scoring
    from archrank.store import open_store

    store = timed_store(open_store("memory://"))
    s = run_scoring(setting, archs=archs, heuristics=names, store=store, batch=batch, progress=False)
    secs: dict[str, float] = {}
    errors: dict[str, int] = {}
    for r in store.scores(**setting.key):
        if r.computed:
            secs[r.heuristic] = secs.get(r.heuristic, 0.0) + (r.seconds or 0.0)
            errors[r.heuristic] = errors.get(r.heuristic, 0) + (r.error is not None)
    return s, secs, errors, store.write_seconds


def whole_space(args) -> None:
    from archrank.spaces import get_space

    names = ",".join(training_free(get_space("nb201")))
    for hs in ("naswot", names):
        cmd = [sys.executable, "-m", "archrank", "score", "--space", "nb201", "--archs", "all", "--heuristics", hs,
               "--store", f"/tmp/bench_throughput_{len(hs)}.db", "--no-progress"]
        if args.data_dir:
            cmd += ["--data-dir", args.data_dir]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=False)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
        print(f"{' '.join(cmd[1:8])} ...: {time.perf_counter() - t0:.0f} s wall, largest child {rss:.2f} GB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--archs", type=int, default=10, help="random NB201 architectures (default 10)")
    ap.add_argument("--heuristics", default=None, help="comma-separated (default: every training-free one)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--whole-space", action="store_true", help="also run the issue's whole-space commands")
    args = ap.parse_args()
    torch.set_num_threads(1)

    from archrank.run import ScoreSetting, select_archs
    from archrank.run.context import load_task_batch
    from archrank.run.selection import identities
    from archrank.spaces import get_space

    sp = get_space("nb201")
    setting = ScoreSetting("nb201", batch_size=args.batch_size, seed=args.seed, data_dir=args.data_dir)
    names = args.heuristics.split(",") if args.heuristics else training_free(sp)
    # One member per canonical class, so every heuristic computes every architecture.
    picked, seen = [], set()
    for s, c, _ in identities(sp, select_archs(sp, f"random:{4 * args.archs}", args.seed)):
        if c not in seen and len(picked) < args.archs:
            seen.add(c)
            picked.append(s)
    n = len(picked)
    t0 = time.perf_counter()
    batch = load_task_batch(setting)
    load_s = time.perf_counter() - t0
    from archrank.heuristics import ScoreContext

    builds = [0, 0.0]  # count, seconds of ctx.build() calls in the shared run (runs in this process)
    real_build = ScoreContext.build

    def timed_build(self, **kw):
        t = time.perf_counter()
        try:
            return real_build(self, **kw)
        finally:
            builds[0] += 1
            builds[1] += time.perf_counter() - t

    alone: dict[str, float] = {}
    alone_wall = 0.0
    for h in names:
        s, secs, _, _ = score(setting, picked, [h], batch)
        alone[h] = secs.get(h, 0.0) / n
        alone_wall += s.seconds
    ScoreContext.build = timed_build
    try:
        s, secs, errors, write_s = score(setting, picked, names, batch)
    finally:
        ScoreContext.build = real_build
    print(f"{n} NB201 architectures, batch {args.batch_size}, 1 torch thread, in-process; seconds per architecture")
    print(f"{'heuristic':18s} {'standalone':>10s} {'marginal':>10s} {'failed':>6s}")
    for h in names:
        print(f"{h:18s} {alone[h]:10.3f} {secs.get(h, 0.0) / n:10.3f} {errors.get(h, 0):6d}")
    sum_alone = sum(alone.values())
    shared = sum(secs.values()) / n
    print(f"{'sum':18s} {sum_alone:10.3f} {shared:10.3f}")
    print(f"speed-up of the shared evaluation over the sum of standalone runs: {sum_alone / shared:.2f}x "
          f"(whole runs: {alone_wall:.1f} s standalone in all, {s.seconds:.1f} s shared)")
    print(f"overheads of the shared run ({s.seconds:.1f} s): data loading {load_s:.2f} s "
          f"({100 * load_s / s.seconds:.1f}%, once per run), model construction {builds[1] / n:.3f} s/arch "
          f"({builds[0] / n:.1f} builds per arch, {100 * builds[1] / s.seconds:.1f}%), store writes "
          f"{write_s / n:.4f} s/arch ({100 * write_s / s.seconds:.1f}%)")
    if args.whole_space:
        whole_space(args)


if __name__ == "__main__":
    main()
