"""``archrank search --objective heuristic:NAME``: search a space on a heuristic alone and write the top K."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from archrank.cli.output import note, print_json, writable_file

OBJECTIVE_FORMS = "heuristic:NAME (e.g. heuristic:synflow)"


def parse_objective(text: str) -> str:
    """The heuristic named by ``heuristic:NAME``; anything else is an error naming the valid form."""
    from archrank.errors import InvalidArgument

    kind, sep, name = text.partition(":")
    if kind.strip() != "heuristic" or not sep or not name.strip():
        raise InvalidArgument(f"bad --objective {text!r}; valid form: {OBJECTIVE_FORMS}")
    return name.strip()


def check_live_data(args: argparse.Namespace, space, heuristic: str) -> None:
    """Read the data of live scores before a store file that does not exist yet is created: such a store holds
    no score, so every score is live.  (An existing store is opened and read first; the objective reads the
    data before the search writes anything.)"""
    from archrank.search.heuristic_objective import heuristic_objective
    from archrank.store import split_location

    backend, where = split_location(args.store) if args.store else (None, "")
    if args.no_live or backend != "sqlite" or Path(where).expanduser().exists():
        return
    heuristic_objective(space, heuristic, live=True, dataset=args.dataset, batch_size=args.batch_size,
                        seed=args.score_seed, data_dir=args.data_dir, threads=args.threads, device=args.device)


def run_objective(args: argparse.Namespace) -> int:
    from archrank.errors import InvalidArgument
    from archrank.heuristics import HEURISTICS
    from archrank.search import STRATEGIES
    from archrank.search.base import parse_params
    from archrank.search.by_heuristic import search_by_heuristic, write_arch_file
    from archrank.spaces import get_space

    heuristic = parse_objective(args.objective)
    HEURISTICS.get(heuristic)  # unknown names fail before anything is opened
    strategy = args.strategy or "rea"
    if "," in strategy:
        raise InvalidArgument("--objective searches with one strategy; give one --strategy")
    STRATEGIES.get(strategy)
    if args.budget_archs is None and args.budget_seconds is None:
        raise InvalidArgument("--objective needs a budget: --budget-archs N and/or --budget-seconds S")
    for flag, value in (("--benchmark", args.benchmark), ("--plot", args.plot), ("--heuristic", args.heuristic)):
        if value is not None:
            raise InvalidArgument(f"{flag} does not go with --objective (the heuristic is the objective)")
    if args.runs != 1:
        raise InvalidArgument("--objective runs one search; drop --runs")
    if args.out:
        writable_file(args.out, "--out")
    params = parse_params(args.param, strategy)
    space = get_space(args.space)
    store = None
    if args.store:
        from archrank.cli.output import existing_file
        from archrank.store import open_store

        if Path(args.store).expanduser().exists():
            existing_file(args.store, "--store")
        check_live_data(args, space, heuristic)
        store = open_store(args.store)
    try:
        result = search_by_heuristic(space, heuristic, strategy=strategy, budget_archs=args.budget_archs,
                                     budget_seconds=args.budget_seconds, seed=args.seed, params=params, store=store,
                                     live=not args.no_live, dataset=args.dataset, batch_size=args.batch_size,
                                     score_seed=args.score_seed, data_dir=args.data_dir, threads=args.threads,
                                     device=args.device)
    finally:
        if store is not None:
            store.close()
    if args.out:
        write_arch_file(args.out, result, args.top)
    if args.json:
        print_json({**result.to_json(args.top), "out": args.out})
        return 0
    s = result.stats
    print(f"{strategy} on {space.name} by {heuristic} ({'higher' if result.higher_is_better else 'lower'} is better): "
          f"{len(result.ranked)} architectures scored ({s.get('stored', 0)} stored, {s.get('live', 0)} computed now), "
          f"{result.queries} queries, {result.seconds:.1f} s of scoring charged, wall {result.wall_seconds:.1f} s")
    width = max((len(r.arch) for r in result.top(args.top)), default=4)
    print(f"  {'rank':>4}  {'architecture':<{width}}  {heuristic}")
    for i, r in enumerate(result.top(args.top), 1):
        value = f"{r.score:.6g}" if math.isfinite(r.score) else "nan"
        print(f"  {i:>4}  {r.arch:<{width}}  {value}")
    if args.out:
        print(f"top {min(args.top, len(result.ranked))} written to {args.out}")
        sys.stdout.flush()
        plugins = "".join(f" --plugin {m}" for m in getattr(args, "plugin", None) or [])
        store = args.store or "STORE"
        note(args, f"archrank search: next: archrank train{plugins} --space {space.name} --archs {args.out} "
             f"--store {store}")
    sys.stdout.flush()
    return 0
