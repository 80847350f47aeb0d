"""Profile of a table build: seconds per heuristic and per shared pass, on N canonical classes of a table.

Scores the first member of N random canonical classes of the table (default ``nb201-cifar10``) with every
column of the table (``archrank.tables.table_heuristics``), in the build's order, in one context per
architecture (the shared evaluation of a build), one torch thread, under the table's protocol.  Prints,
per heuristic, its mean marginal seconds per architecture (what a build stores: the first heuristic asking
for a shared pass pays for it; wall seconds and the process's CPU seconds, which vary less on a machine
shared with other work) and, per shared pass and for model builds, the mean seconds per
architecture spent in it (``ScoreContext.pass_seconds``, exclusive of the passes and builds it calls).

    PYTHONPATH=src python benchmarks/bench_table_profile.py --classes 10 --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--table", default="nb201-cifar10")
    ap.add_argument("--classes", type=int, default=10, help="canonical classes to score (default 10)")
    ap.add_argument("--heuristics", default=None, help="comma-separated (default: every column of the table)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="classes scored first and not counted (default 1: the per-process reference samples "
                         "of the ranker and az_nas stand-ins are computed then, once per build worker)")
    ap.add_argument("--sample-seed", type=int, default=0, help="seed of the choice of classes")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--json", default=None, help="also write the profile to this JSON file")
    args = ap.parse_args()

    import torch

    from archrank.heuristics import HEURISTICS, evaluate
    from archrank.heuristics.passes import evaluation_order, release_passes
    from archrank.run import ScoreSetting
    from archrank.run.context import load_task_batch, score_context
    from archrank.run.score_task import trim_heap
    from archrank.spaces import get_space
    from archrank.tables import TABLES
    from archrank.tables.build import plan_shards, table_archs, table_heuristics

    spec = TABLES.get(args.table)
    names = table_heuristics(spec) if args.heuristics is None else args.heuristics.split(",")
    setting = ScoreSetting(spec.space, dataset=spec.dataset, batch_size=spec.batch_size, seed=spec.seed,
                           data_dir=args.data_dir)
    sp = get_space(spec.space)
    reps = [p.archs[p.klass.index(k)] for p in plan_shards(spec, table_archs(spec, args.data_dir))
            for k in range(len(p.classes))]
    rng = np.random.default_rng(args.sample_seed)
    picked = [reps[i] for i in rng.choice(len(reps), size=min(args.classes + args.warmup, len(reps)), replace=False)]
    warm, chosen = picked[:args.warmup], picked[args.warmup:]
    inputs, targets = load_task_batch(setting)
    torch.set_num_threads(setting.threads)
    per_h = {n: 0.0 for n in names}
    cpu_h = {n: 0.0 for n in names}
    per_pass: dict[str, float] = {}
    failures: dict[str, str] = {}
    for a in warm:
        ctx = score_context(setting, sp.parse(a), space=sp, inputs=inputs, targets=targets,
                            num_classes=spec.num_classes)
        ctx.wanted = frozenset(names)  # as a scoring run tells its context
        for n in names:
            with contextlib.suppress(Exception):  # a failure is reported by the counted classes
                evaluate(HEURISTICS.get(n), ctx)
    t0 = time.perf_counter()
    for a in chosen:
        ctx = score_context(setting, sp.parse(a), space=sp, inputs=inputs, targets=targets,
                            num_classes=spec.num_classes)
        ctx.wanted = frozenset(names)
        order = evaluation_order(names)  # as a scoring run orders and releases its passes
        for i, n in enumerate(order):
            t, c = time.perf_counter(), time.process_time()
            if i:
                release_passes(ctx, order[i:])
                trim_heap()
            try:
                evaluate(HEURISTICS.get(n), ctx)
            except Exception as e:  # noqa: BLE001 - reported, the profile goes on
                failures.setdefault(n, f"{type(e).__name__}: {e}")
            per_h[n] += time.perf_counter() - t
            cpu_h[n] += time.process_time() - c
        for k, s in ctx.pass_seconds.items():
            per_pass[k] = per_pass.get(k, 0.0) + s
    wall = time.perf_counter() - t0
    k = len(chosen)
    total, cpu = sum(per_h.values()), sum(cpu_h.values())
    print(f"table {args.table}: {k} canonical classes, {len(names)} heuristics, 1 torch thread, "
          f"{wall:.1f} s wall ({wall / k:.2f} s per class; "
          f"process CPU {cpu / k:.2f} s per class), after {len(warm)} warm-up class(es)")
    print("per heuristic (marginal wall seconds per architecture, share of the total, process CPU seconds):")
    for n in sorted(names, key=lambda n: -per_h[n]):
        print(f"  {n:20s} {per_h[n] / k:8.3f}  {100 * per_h[n] / total:5.1f}%  {cpu_h[n] / k:8.3f}"
              + (f"  FAILED {failures[n]}" if n in failures else ""))
    print("per shared pass and model builds (seconds per architecture, exclusive):")
    for p in sorted(per_pass, key=lambda p: -per_pass[p]):
        print(f"  {p:20s} {per_pass[p] / k:8.3f}")
    print(f"  {'(outside passes)':20s} {(total - sum(per_pass.values())) / k:8.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"table": args.table, "classes": k, "wall_seconds": wall, "cpu_seconds": cpu,
                       "heuristics": {n: per_h[n] / k for n in names},
                       "heuristics_cpu": {n: cpu_h[n] / k for n in names},
                       "passes": {p: s / k for p, s in per_pass.items()}, "archs": chosen}, f, indent=1)


if __name__ == "__main__":
    main()
