"""Trained accuracies held in a store as the ground truth of a rank comparison (no benchmark table needed).

``archrank train --store`` (and :func:`archrank.run.run_training`) records each architecture's validation
accuracy under a regime key.  :func:`trained_table` turns the records of one key into a
:class:`~archrank.benchmarks.table.BenchmarkTable` with the column :data:`TRAINED_COLUMN`, so that
:func:`~archrank.report.consistency.paired_scores` compares the stored heuristic scores with them as with
any benchmark column; :func:`score_heuristics` lists the stored heuristics that are not themselves
training results.
"""

from __future__ import annotations

import math

from archrank.benchmarks.table import BenchmarkTable
from archrank.errors import InvalidArgument
from archrank.store.base import Store

TRAINED_COLUMN = "valid_acc"
#: Stored score names of training results (``train_<regime key>``, ``econas_...``), never heuristics to rank.
TRAINING_PREFIXES = ("train_",)


def trained_table(store: Store, *, space: str | None = None, regime: str | None = None,
                  dataset: str | None = None, seed: int | None = None) -> tuple[BenchmarkTable, str]:
    """``(table, regime key)``: the stored validation accuracies of one training regime as a table.

    With ``regime=None`` the store must hold training results of exactly one (space, regime key, data
    set, seed); several raise an InvalidArgument naming them, none another naming the filters.
    """
    recs = store.training(space=space, regime=regime, dataset=dataset, seed=seed)
    groups = sorted({(r.space, r.regime, r.dataset, r.seed) for r in recs})
    if not groups:
        what = ", ".join(f"{k}={v}" for k, v in (("space", space), ("regime", regime), ("dataset", dataset),
                                                 ("seed", seed)) if v is not None)
        raise InvalidArgument("the store holds no training results" + (f" with {what}" if what else "")
                              + "; train architectures into it first (archrank train --store)",
                              parameter="store")
    if len(groups) > 1:
        raise InvalidArgument("the store holds training results of several settings; pick one (trained:KEY with "
                              "--space, --dataset, --seed): " + "; ".join(
                                  f"space={a} regime={b} dataset={c} seed={d}" for a, b, c, d in groups),
                              parameter="regime")
    sp, key, _, _ = groups[0]
    archs, accs = [], []
    for r in recs:
        acc = r.metrics.get(TRAINED_COLUMN)
        if acc is not None and math.isfinite(float(acc)):
            archs.append(r.arch)
            accs.append(float(acc))
    table = BenchmarkTable(columns={"arch": archs, TRAINED_COLUMN: accs},
                           source=f"training results {key} of {sp} in the store")
    return table, key


def score_heuristics(store: Store, *, space: str | None = None) -> list[str]:
    """The heuristics with stored scores (of ``space``), training results left out."""
    names = {r.heuristic for r in store.scores(space=space)}
    return sorted(n for n in names if not n.startswith(TRAINING_PREFIXES))


__all__ = ["TRAINED_COLUMN", "score_heuristics", "trained_table"]
