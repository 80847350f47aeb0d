"""Per-architecture agreement of archrank's proxy scores with NAS-Bench-Suite-Zero's on the same cells.

NASLib's ``zc_<benchmark>.json`` files hold its own proxy scores of a few hundred cells.  For each file given,
this script reads NASLib's scores (into an in-process store, heuristics ``naslib:<proxy>``), scores the same
cells into ``--store`` with archrank's heuristic of the same name (``archrank.run.run_scoring``; the store
keeps what is done, so a rerun computes only what is missing), and prints one table: per space and proxy, n (canonical classes both scored,
a cell listed under several keys counted once with its values averaged; keys for the structural counts), the Spearman of archrank's score with
NASLib's, and each one's Spearman with the file's ``val_accuracy``.
``--seeds 0,1`` adds the Spearman of archrank's score under the first seed with its score under the second
(another weight draw and batch, on the cells scored under both): how far a proxy's ranking moves with the
draw alone, the ceiling of any agreement with another implementation's single draw.  ``naslib~naslib`` is
the same for NASLib's own values, read from the file: over the classes the file lists under two keys or more
(``n_twice``), NASLib's value on one key against its value on another key of the same cell.

    PYTHONPATH=src python benchmarks/bench_naslib_agreement.py --data-dir ../shared/data \\
        --zc ../shared/data/naslib/zc_nasbench201.json --zc ../shared/data/naslib/zc_nasbench101.json \\
        --zc ../shared/data/naslib/zc_nasbench301.json --store naslib_agreement.db [--archs 40] [--seeds 0,1] \
        [--model-option pool_bn=true --model-option affine=false]

``--no-score`` prints the table from what the store already holds (a run stopped part way, or any store
holding archrank's scores under the same protocol: the file's data set, ``--batch-size`` and the seeds).  A
precomputed table, ``--store table:nb201-cifar10``, is read the same way and never scored into (read-only):
the rows cover the cells the table holds so far.

    PYTHONPATH=src python benchmarks/bench_naslib_agreement.py --store table:nb201-cifar10 \
        --zc ../shared/data/naslib/zc_nasbench201.json
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from archrank import metrics
from archrank.benchmarks.naslib import ACCURACY, PREFIX, PROXY_NAMES, import_zc, read_zc
from archrank.store import open_store

#: archrank's name -> NASLib's name, for every proxy both compute.
SHARED = PROXY_NAMES

COLUMNS = ("space", "proxy", "n", "ours~naslib", "ours~acc", "naslib~acc", "n_seeds", "seed~seed", "n_twice",
           "naslib~naslib")


def scores_by_heuristic(st, space: str, *, dataset: str | None = None, batch_size: int | None = None,
                        seed: int | None = None, prefix: str = "") -> dict[str, dict[str, float]]:
    """{heuristic (``prefix`` removed): {arch: value}} of the finite scores of ``space`` in the open store
    ``st`` under the setting given (None: any), heuristics starting with ``prefix`` only."""
    out: dict[str, dict[str, float]] = {}
    for r in st.scores(space=space, dataset=dataset, batch_size=batch_size, seed=seed):
        if not r.heuristic.startswith(prefix) or r.error is not None or not math.isfinite(r.value):
            continue
        if not prefix and r.heuristic.startswith(PREFIX):
            continue
        out.setdefault(r.heuristic[len(prefix):], {})[r.arch] = float(r.value)
    return out


def _rho(a: dict[str, float], b: dict[str, float], keys: Sequence[str]) -> float:
    return metrics.spearman(np.array([a[k] for k in keys]), np.array([b[k] for k in keys]))


def by_class(values: dict[str, float], classes: dict[str, str] | None) -> dict[str, float]:
    """``values`` (arch -> value) averaged over each canonical class (``classes``: arch -> class key);
    unchanged without ``classes``."""
    if classes is None:
        return values
    groups: dict[str, list[float]] = {}
    for a, v in values.items():
        groups.setdefault(classes.get(a, a), []).append(v)
    return {c: float(np.mean(vs)) for c, vs in groups.items()}


def twice(values: dict[str, float], classes: dict[str, str] | None) -> tuple[int, float]:
    """(n, Spearman) of a class's value on one key against its value on another, over the classes listed
    under two keys or more (the two smallest keys of each): how far the peer's own protocol moves its value
    of one cell from one key to the next (NASLib scores each key with a new batch).  (0, NaN) without
    ``classes`` or with fewer than 3 such classes."""
    if not classes:
        return 0, math.nan
    groups: dict[str, list[str]] = {}
    for a in values:
        groups.setdefault(classes.get(a, a), []).append(a)
    pairs = [sorted(keys)[:2] for keys in groups.values() if len(keys) >= 2]
    if len(pairs) < 3:
        return len(pairs), math.nan
    return len(pairs), metrics.spearman(np.array([values[a] for a, _ in pairs]), np.array([values[b] for _, b in pairs]))


def agreement(ours: dict[str, dict[str, float]], theirs: dict[str, dict[str, float]], truth: dict[str, float],
              other_seed: dict[str, dict[str, float]] | None = None,
              classes: dict[str, str] | None = None) -> list[tuple]:
    """(proxy, n, ours~theirs, ours~truth, theirs~truth, n_seeds, ours~ours at the other seed, n_twice,
    theirs~theirs on two keys of one class) per shared proxy, over the cells both scored (finite values;
    NaN where fewer than 3 cells).  theirs~theirs (:func:`twice`) is for canonical-invariant proxies only
    (the structural counts differ between the members of a class by construction).

    With ``classes`` (arch -> canonical class) the values of a canonical-invariant proxy are first averaged
    over the cells of each class and n counts classes: a file that lists one cell under several keys (NB101's
    does: 500 keys, 292 cells) then weighs each cell once, and NASLib's repeated draws of one cell are
    averaged.  Structural counts (``params``, ``flops``, ``l2_norm``), which differ between the members of a
    class, are compared key by key."""
    from archrank.heuristics import HEURISTICS

    rows = []
    for h, peer in SHARED.items():
        # Structural counts (params, flops, l2_norm) differ between the members of a class: compared per key.
        cl = classes if HEURISTICS.get(h).canonical_invariant else None
        mine, other, acc = by_class(ours.get(h, {}), cl), by_class(theirs.get(peer, {}), cl), by_class(truth, cl)
        common = [a for a in mine if a in other and a in acc]
        if len(common) < 3:
            continue
        again = by_class((other_seed or {}).get(h, {}), cl)
        both = [a for a in mine if a in again]
        n_twice, self_rho = twice(theirs.get(peer, {}), cl)
        rows.append((h, len(common), _rho(mine, other, common), _rho(mine, acc, common),
                     _rho(other, acc, common), len(both), _rho(mine, again, both) if len(both) >= 3 else math.nan,
                     n_twice, self_rho))
    return rows


def parse_model_options(items: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` items as builder options: ``true``/``false`` become booleans, integers integers, the
    rest stays text (InvalidArgument for an item without ``=``)."""
    from archrank.errors import InvalidArgument

    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip() or not text.strip():
            raise InvalidArgument(f"--model-option takes KEY=VALUE (e.g. pool_bn=true), got {item!r}")
        text = text.strip()
        value: Any = text
        if text.lower() in ("true", "false"):
            value = text.lower() == "true"
        else:
            try:
                value = int(text)
            except ValueError:
                pass
        out[key.strip()] = value
    return out


def score_file(path: str, store_path: str, *, archs: int | None, seeds: Sequence[int], batch_size: int,
               data_dir: str | None, heuristics: Sequence[str] | None = None, score: bool = True,
               progress: bool = True, model_options: dict[str, Any] | None = None) -> list[tuple]:
    """Import one zc file, score its first ``archs`` cells (all: None) with ``heuristics`` (default: every
    shared proxy) under each seed, and return the table rows ``(space, *agreement row)`` of each (space, data
    set) block.  ``model_options`` (builder options, e.g. ``{"affine": False, "pool_bn": True}``) score
    the cells in networks built with them: the space's ``with_model_options`` copy, whose scores the store
    keeps under its own name (``nb301[affine=false,pool_bn=true]``), apart from the default network's."""
    from archrank.models import build_model
    from archrank.run import ScoreSetting, run_scoring
    from archrank.spaces import get_space

    blocks = read_zc(path)
    variants = {}
    for b in blocks:  # the networks of each space, built once here: a bad option fails before any store opens
        sp = get_space(b.space)
        variants[b.space] = sp.with_model_options(**(model_options or {}))
        if model_options and b.archs:
            build_model(variants[b.space], b.archs[0])
    out = []
    with open_store(store_path) as st, open_store("memory://") as peer:
        import_zc(path, peer)
        if score and st.read_only:  # a precomputed table: its scores are read, nothing is computed
            print(f"scores {getattr(st, 'source', store_path)} (read-only: compared, none computed)",
                  file=sys.stderr)
            score = False
        for b in blocks:
            chosen = b.archs if archs is None else b.archs[:archs]
            sp, variant = get_space(b.space), variants[b.space]
            if score:
                for seed in seeds:
                    setting = ScoreSetting(variant.name, dataset=b.dataset, batch_size=batch_size, seed=seed,
                                           data_dir=data_dir)
                    run_scoring(setting, archs=chosen, heuristics=list(heuristics or SHARED), store=st,
                                progress=progress, space=None if variant is sp else variant)
            keep = set(chosen)
            truth = {a: ms[ACCURACY][0] for a, ms in zip(b.archs, b.metrics)
                     if a in keep and ACCURACY in ms and math.isfinite(ms[ACCURACY][0])}
            ours = [scores_by_heuristic(st, variant.name, dataset=b.dataset, batch_size=batch_size, seed=s)
                    for s in seeds]
            theirs = scores_by_heuristic(peer, b.space, dataset=b.dataset, prefix=PREFIX)
            ours = [{h: {a: v for a, v in d.items() if a in keep} for h, d in o.items()} for o in ours]
            theirs = {h: {a: v for a, v in d.items() if a in keep} for h, d in theirs.items()}
            label = variant.name if len(blocks) == 1 else f"{variant.name}/{b.dataset}"
            classes = {a: str(sp.canonical(sp.parse(a))) for a in chosen}
            out.extend((label, *row) for row in agreement(ours[0], theirs, truth, ours[1] if len(ours) > 1 else None,
                                                          classes))
    return out


def format_table(rows: Sequence[tuple]) -> str:
    """The rows as a Markdown table (NaN printed as ``-``)."""
    def cell(v):
        if isinstance(v, float):
            return "-" if math.isnan(v) else f"{v:+.3f}"
        return str(v)

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--zc", action="append", required=True, help="a NASLib zc_<benchmark>.json file (repeatable)")
    p.add_argument("--store", required=True, help="store of archrank's scores (kept between runs; table:NAME, a "
                   "precomputed table, is read only)")
    p.add_argument("--archs", type=int, default=None, help="score the first N cells of each file (default all)")
    p.add_argument("--seeds", default="0", help="seed of the comparison, then optionally a second one")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--heuristics", default=None, help="comma-separated subset of the shared proxies to score "
                   f"(default all: {','.join(SHARED)})")
    p.add_argument("--model-option", action="append", default=[], metavar="KEY=VALUE",
                   help="a builder option of the networks scored (repeatable), e.g. --model-option pool_bn=true "
                   "--model-option affine=false (NASLib's NB301 network); stored under the space's name with "
                   "the options, e.g. nb301[affine=false,pool_bn=true]")
    p.add_argument("--no-score", action="store_true", help="only compare what the store holds")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    a = p.parse_args(argv)
    try:
        seeds = [int(s) for s in a.seeds.split(",")]
    except ValueError:
        p.error(f"--seeds takes one or two integers separated by a comma, got {a.seeds!r}")
    if not 1 <= len(seeds) <= 2 or (a.archs is not None and a.archs < 1):
        p.error("--seeds takes one or two seeds; --archs a positive count")
    names = None if a.heuristics is None else a.heuristics.split(",")
    if names is not None and (not all(names) or set(names) - set(SHARED)):
        p.error(f"--heuristics: {a.heuristics!r} is not a list of shared proxies; valid: {', '.join(SHARED)}")
    from archrank.errors import ArchrankError
    from archrank.store import split_location

    backend, where = split_location(a.store)
    if a.no_score and backend == "sqlite" and not Path(where).expanduser().is_file():
        p.error(f"--store {a.store!r} not found (--no-score reads an existing store)")
    rows = []
    try:
        options = parse_model_options(a.model_option)
        for path in a.zc:
            rows += score_file(path, a.store, archs=a.archs, seeds=seeds, batch_size=a.batch_size,
                               data_dir=a.data_dir, heuristics=names, score=not a.no_score,
                               progress=not a.quiet, model_options=options)
    except ArchrankError as e:  # a missing table or file, unreadable data: one line, exit 2
        p.error(str(e))
    print(format_table(rows))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
