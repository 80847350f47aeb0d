"""Per-architecture agreement of archrank's proxy scores with NAS-Bench-Suite-Zero's on the same cells.

NASLib's ``zc_<benchmark>.json`` files hold its own proxy scores of a few hundred cells.  Scoring those cells
with archrank and comparing architecture by architecture separates the two questions an anchor gap raises:
is the implementation different (low agreement), or is it the sample of cells (high agreement, different
correlation with accuracy)?  For each proxy present in both stores it prints n, the Spearman of archrank's
score with NASLib's, and each one's Spearman with the file's ``val_accuracy`` on those same cells.

    archrank bench import ../shared/data/naslib/zc_nasbench101.json --store naslib.db --out nb101_naslib.csv
    archrank suite --benchmark nb101_naslib.csv --space nb101 --metric val_accuracy --batch-size 64 \\
        --heuristics grad_norm,snip,fisher,jacob_cov,synflow --archs-per-task 60 --store ours.db \\
        --data-dir ../shared/data
    PYTHONPATH=src .venv/bin/python benchmarks/bench_naslib_agreement.py --ours ours.db --naslib naslib.db \\
        --table nb101_naslib.csv
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from archrank import metrics
from archrank.benchmarks.table import BenchmarkTable
from archrank.store import open_store

#: archrank's name -> NASLib's name, where they differ.
NASLIB_NAMES = {"jacob_cov": "jacov"}


def scores_by_heuristic(path: str, space: str, prefix: str = "") -> dict[str, dict[str, float]]:
    """{heuristic (``prefix`` removed): {arch: value}} of the finite scores of ``space`` in the store."""
    out: dict[str, dict[str, float]] = {}
    with open_store(path) as st:
        for r in st.scores(space=space):
            if not r.heuristic.startswith(prefix) or r.error is not None or not math.isfinite(r.value):
                continue
            out.setdefault(r.heuristic[len(prefix):], {})[r.arch] = float(r.value)
    return out


def agreement(ours: dict[str, dict[str, float]], theirs: dict[str, dict[str, float]], truth: dict[str, float]
              ) -> list[tuple[str, int, float, float, float]]:
    """(heuristic, n, Spearman ours~theirs, ours~truth, theirs~truth) over the cells both scored."""
    rows = []
    for h in sorted(ours):
        other = theirs.get(NASLIB_NAMES.get(h, h))
        if not other:
            continue
        common = [a for a in ours[h] if a in other and a in truth]
        if len(common) < 3:
            continue
        x = np.array([ours[h][a] for a in common])
        y = np.array([other[a] for a in common])
        t = np.array([truth[a] for a in common])
        rows.append((h, len(common), metrics.spearman(x, y), metrics.spearman(x, t), metrics.spearman(y, t)))
    return rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--ours", required=True, help="store with archrank's scores of the cells")
    p.add_argument("--naslib", required=True, help="store written by 'archrank bench import zc_*.json --store'")
    p.add_argument("--table", required=True, help="table written by the same import (--out), with val_accuracy")
    p.add_argument("--space", default="nb101")
    p.add_argument("--metric", default="val_accuracy")
    p.add_argument("--prefix", default="naslib:", help="heuristic prefix of the imported scores")
    a = p.parse_args(argv)
    table = BenchmarkTable.from_file(a.table)
    truth = {arch.strip(): float(v) for arch, v in zip(table.as_columns()[table.arch_column], table.values(a.metric))}
    rows = agreement(scores_by_heuristic(a.ours, a.space), scores_by_heuristic(a.naslib, a.space, a.prefix), truth)
    print(f"{'heuristic':<12}{'n':>5}{'ours~naslib':>13}{'ours~' + a.metric:>20}{'naslib~' + a.metric:>22}")
    for h, n, agree, mine, theirs in rows:
        print(f"{h:<12}{n:>5}{agree:>13.3f}{mine:>20.3f}{theirs:>22.3f}")


if __name__ == "__main__":
    main()
