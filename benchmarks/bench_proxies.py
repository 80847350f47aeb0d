"""Speed and memory of the training-free proxies on NAS-Bench-201 (CIFAR-10, batch 64).

(a) NASWOT over the whole NB201 space: one representative per canonical class is scored (the smallest index
    of the class; 6,466 classes cover the 15,625 architectures) and its score is recorded for every member.
    Prints wall time, architectures per second and peak resident memory.
(b) Every proxy that has a reference implementation, timed per architecture against that straightforward
    version (forward hooks / ``.backward()`` / NumPy kernels, one architecture at a time) on the same
    architectures in the same run: mean seconds of each, their ratio and the largest relative difference.
    To tell rounding from a real difference, the reference is also evaluated in float64 (model and batch
    converted) and the largest relative error of each float32 implementation against it is printed.

    .venv/bin/python benchmarks/bench_proxies.py                      # both parts, full space
    .venv/bin/python benchmarks/bench_proxies.py --limit 200 --compare-archs 3
    .venv/bin/python benchmarks/bench_proxies.py --part a --workers 2 --threads 1 --out /tmp/naswot.csv

``--limit N`` scores a seeded random subset of N canonical classes in part (a) and extrapolates the time of
the whole space.  ``--workers`` runs part (a) in that many processes (each with ``--threads`` torch threads);
the peak memory printed is then the parent's plus, for the workers together, the number of workers times
the largest worker peak (an upper bound on their simultaneous use).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import torch

from archrank.run.setting import DEFAULT_BATCH_SIZE

DATA = Path(os.environ.get("ARCHRANK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def _setting(data_dir, batch_size: int, seed: int):
    """The scoring setting of a run (``archrank score --dataset cifar10 --batch-size B --seed S``)."""
    from archrank.run import ScoreSetting

    return ScoreSetting("nb201", dataset="cifar10", batch_size=batch_size, seed=seed, data_dir=data_dir)


def _batch(args) -> tuple[torch.Tensor, torch.Tensor]:
    from archrank.run.context import load_task_batch

    return load_task_batch(_setting(args.data_dir, args.batch_size, args.seed))


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0  # Linux reports KiB


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process and its finished children."""
    me, ch = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def _score_chunk(job: tuple) -> tuple[list[tuple[int, float]], float]:
    """Worker: NASWOT of the given indices; returns (index, score) pairs and the worker's peak RSS (MiB)."""
    indices, data_dir, batch_size, seed, threads = job
    torch.set_num_threads(threads)
    from archrank.heuristics.naswot import naswot
    from archrank.run import score_context
    from archrank.run.context import load_task_batch
    from archrank.spaces import get_space

    space = get_space("nb201")
    setting = _setting(data_dir, batch_size, seed)
    x, y = load_task_batch(setting)
    out = []
    for i in indices:
        ctx = score_context(setting, space.index_to_arch(int(i)), space=space, inputs=x, targets=y)
        out.append((int(i), naswot(ctx)))
    return out, _peak_mb()


def part_a(args) -> None:
    from archrank.spaces import get_space

    space = get_space("nb201")
    reps = np.asarray(space.class_representatives())
    class_of = np.asarray(space.class_of_index())
    if args.limit and args.limit < len(reps):
        reps = np.sort(np.random.default_rng(args.seed).choice(reps, args.limit, replace=False))
    chunk = max(1, min(50, len(reps) // max(1, 4 * args.workers)))
    jobs = [(reps[s:s + chunk].tolist(), args.data_dir, args.batch_size, args.seed, args.threads)
            for s in range(0, len(reps), chunk)]
    print(f"(a) naswot, nb201, cifar10 batch {args.batch_size}: {len(reps)} of {space.num_canonical} canonical "
          f"classes, {args.workers} worker(s) x {args.threads} thread(s), load average {os.getloadavg()[0]:.1f}")
    scores: dict[int, float] = {}
    worker_peak = 0.0
    t0, c0 = time.perf_counter(), _cpu_seconds()
    if args.workers == 1:
        torch.set_num_threads(args.threads)
        results = map(_score_chunk, jobs)
        pool = None
    else:
        pool = ProcessPoolExecutor(args.workers, mp_context=get_context("spawn"))
        results = pool.map(_score_chunk, jobs)
    done = 0
    for pairs, peak in results:
        scores.update(pairs)
        worker_peak = max(worker_peak, peak)
        done += len(pairs)
        el = time.perf_counter() - t0
        print(f"  {done}/{len(reps)} classes  {el:7.1f} s  eta {el / done * (len(reps) - done):7.1f} s", file=sys.stderr)
    if pool is not None:
        pool.shutdown()
    wall = time.perf_counter() - t0
    cpu = _cpu_seconds() - c0
    members = np.isin(class_of, reps)
    covered = int(members.sum())
    per_class = wall / len(reps)
    if args.workers == 1:
        peak = _peak_mb()
    else:
        peak = _peak_mb() + args.workers * worker_peak
    finite = np.isfinite(list(scores.values()))
    print(f"    wall time            {wall:10.1f} s")
    print(f"    architectures        {covered:10d}  ({len(reps)} scored, the rest are isomorphic members)")
    print(f"    architectures / s    {covered / wall:10.2f}  ({len(reps) / wall:.2f} classes / s)")
    if len(reps) < space.num_canonical:
        print(f"    whole space (extrap.){per_class * space.num_canonical:10.1f} s")
    print(f"    CPU time             {cpu:10.1f} s  ({cpu / len(reps):.3f} s per class; on an idle machine "
          f"the wall time is about CPU time / cores used)")
    print(f"    peak RSS             {peak:10.0f} MiB")
    print(f"    finite scores        {int(finite.sum())} / {len(scores)}")
    print(f"    load average (1 min) {os.getloadavg()[0]:10.1f}  (machine shared with other jobs)")
    if args.out:
        with open(args.out, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["index", "representative", "naswot"])
            for i in np.nonzero(members)[0]:
                r = int(class_of[i])
                w.writerow([int(i), r, repr(scores[r])])
        print(f"    scores written to {args.out}")


class _Float64Context:
    """A ScoreContext whose models and batch are float64 (the high-precision yardstick of part (b))."""

    def __init__(self, ctx):
        self._ctx = ctx
        self.inputs = None if ctx.inputs is None else ctx.inputs.double()

    def __getattr__(self, name):
        return getattr(self._ctx, name)

    def build(self, **kwargs):
        return self._ctx.build(**kwargs).double()


def _rel(a: float, b: float) -> float:
    return 0.0 if a == b else abs(a - b) / max(abs(b), 1e-300)


def part_b(args) -> None:
    from archrank.heuristics import HEURISTICS
    from archrank.heuristics.reference import REFERENCE
    from archrank.run import score_context
    from archrank.spaces import get_space

    torch.set_num_threads(args.threads)
    space = get_space("nb201")
    x, y = _batch(args)
    rng = np.random.default_rng(args.seed + 1)
    archs = [space.index_to_arch(int(i)) for i in rng.choice(space.size, args.compare_archs, replace=False)]
    names = args.proxies.split(",") if args.proxies else list(REFERENCE)
    print(f"\n(b) fast versus reference, {len(archs)} nb201 architectures, cifar10 batch {args.batch_size}, "
          f"{args.threads} thread(s), load average {os.getloadavg()[0]:.1f}")
    print(f"    {'proxy':14s} {'fast s/arch':>12s} {'ref s/arch':>12s} {'ratio':>7s} {'max rel diff':>13s} "
          f"{'fast vs f64':>12s} {'ref vs f64':>11s}")
    for name in names:
        fast_fn, ref_fn = HEURISTICS.get(name).fn, REFERENCE[name]
        tf = tr = 0.0
        diff = err_fast = err_ref = 0.0
        for a in archs:
            ctx = score_context(_setting(args.data_dir, args.batch_size, args.seed), a, space=space, inputs=x,
                                targets=y)
            t = time.perf_counter()
            out = fast_fn(ctx)
            vf = float(out[0] if isinstance(out, tuple) else out)
            tf += time.perf_counter() - t
            t = time.perf_counter()
            vr = float(ref_fn(ctx))
            tr += time.perf_counter() - t
            v64 = float(ref_fn(_Float64Context(ctx)))
            diff = max(diff, _rel(vf, vr))
            err_fast, err_ref = max(err_fast, _rel(vf, v64)), max(err_ref, _rel(vr, v64))
        n = len(archs)
        print(f"    {name:14s} {tf / n:12.4f} {tr / n:12.4f} {tr / tf:7.2f} {diff:13.2e} {err_fast:12.2e} {err_ref:11.2e}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--part", choices=["a", "b", "both"], default="both")
    p.add_argument("--data-dir", default=str(DATA))
    p.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=0, help="score only N canonical classes in part (a)")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--out", help="CSV of naswot for every covered architecture (part a)")
    p.add_argument("--compare-archs", type=int, default=5, help="architectures timed in part (b)")
    p.add_argument("--proxies", help="comma-separated proxies for part (b) (default: all with a reference)")
    args = p.parse_args(argv)
    if args.part in ("a", "both"):
        part_a(args)
    if args.part in ("b", "both"):
        part_b(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
