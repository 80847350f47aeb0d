"""Population combinations as rows of the consistency table, next to same-named per-architecture scores."""

import numpy as np
import pytest

from archrank.heuristics.combinations import COMBINATIONS
from archrank.metrics import rank_consistency
from archrank.report.consistency import Paired, consistency_table


def _paired(name: str, scores, metric) -> Paired:
    return Paired(name, True, [f"a{i}" for i in range(len(metric))], np.asarray(scores, dtype=float),
                  np.asarray(metric, dtype=float), [0.5] * len(metric))


def test_stand_in_and_combination_both_reported():
    rng = np.random.default_rng(0)
    metric = rng.normal(size=40)
    members = COMBINATIONS.get("ranker").members
    paired = {m: _paired(m, metric + rng.normal(scale=1.0 + i, size=40), metric) for i, m in enumerate(members)}
    paired["ranker"] = _paired("ranker", rng.normal(size=40), metric)  # a stored per-architecture stand-in
    table = consistency_table(paired)
    assert "ranker" in table and "ranker (combination)" in table
    # the stored row is the stand-in's own scores; the combination is recomputed from the members
    assert table["ranker"]["spearman"] == pytest.approx(rank_consistency(paired["ranker"].scores, metric)["spearman"])
    scores = {m: dict(zip(paired[m].archs, paired[m].scores.tolist())) for m in members}
    values = COMBINATIONS.get("ranker").scores(scores, {m: True for m in members})
    expected = rank_consistency(np.array([values[a] for a in paired["ranker"].archs]), metric)
    assert table["ranker (combination)"]["spearman"] == pytest.approx(expected["spearman"])
    assert table["ranker (combination)"]["top1"] == pytest.approx(expected["top1"])
    assert table["ranker (combination)"]["seconds_per_arch"] == pytest.approx(0.5 * len(members))


def test_combination_without_clash_keeps_its_name():
    rng = np.random.default_rng(1)
    metric = rng.normal(size=30)
    paired = {m: _paired(m, metric + rng.normal(size=30), metric) for m in COMBINATIONS.get("te_nas").members}
    table = consistency_table(paired)
    assert "te_nas" in table and "te_nas (combination)" not in table
