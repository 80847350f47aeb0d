"""Search over a task's table: the architectures stay in the table; REA beats random on a dense table."""

from __future__ import annotations

import numpy as np
import pytest

from archrank.errors import InvalidArgument
from archrank.spaces import get_space
from archrank.suite.search import TableSpace, search_task, task_objective
from archrank.suite.tasks import TASKS


def test_table_space_stays_in_the_table():
    sp = get_space("nb101")
    rng = np.random.default_rng(0)
    archs = list(dict.fromkeys(sp.sample(rng) for _ in range(30)))
    ts = TableSpace(sp, archs, k=3)
    for _ in range(20):
        a = ts.sample(rng)
        assert a in ts
        child = ts.mutate(a, rng)
        assert child in ts and sp.format(child) != sp.format(a)
    assert len(ts.neighbours_in_table(archs[0])) == 3
    assert ts.hits == 0 and ts.tries <= ts.give_up  # a sparse table: mutation gave up, neighbours instead
    with pytest.raises(InvalidArgument):
        TableSpace(sp, archs[:1])


def test_dense_table_mutates_as_the_space_does():
    sp = get_space("nb201")
    archs = [sp.index_to_arch(i) for i in range(sp.size)]
    ts = TableSpace(sp, archs)
    rng = np.random.default_rng(1)
    a = archs[123]
    child = ts.mutate(a, rng)
    assert ts.hits == 1
    diff = sum(x != y for x, y in zip(sp.format(a).split("|"), sp.format(child).split("|")))
    assert diff == 1


def test_task_objective_orients_a_loss(shared_data):
    space, obj, truth = task_objective(TASKS.get("nbnlp-ptb"), shared_data)
    arch = space.archs[0]
    assert obj.evaluate(arch).value == pytest.approx(-truth[space.format(arch)])
    assert obj.evaluate(arch).cost == 1.0


def test_search_task_reports_in_metric_units(shared_data):
    res = search_task("nds-enas", runs=3, queries=15, data_root=shared_data)
    assert [r.strategy for r in res] == ["rea", "random"]
    truth = TASKS.get("nds-enas").ground_truth(shared_data)
    for r in res:
        assert r.best == pytest.approx(min(truth.values()))
        assert r.final_mean >= r.best - 1e-9 and r.regret_mean >= 0 and r.queries == 15 and r.runs == 3


def test_model_based_strategies_search_a_sparse_table(shared_data):
    """BANANAS and BO fit on the features of the table's own space (a DARTS-cell table of 500 rows)."""
    res = search_task("nb301-cifar10", strategies=["bo", "bananas"], runs=1, queries=14, data_root=shared_data,
                      params={"bo": {"init": 6, "candidates": 20}, "bananas": {"init": 6, "candidates": 20,
                                                                                "batch": 4}})
    assert [r.strategy for r in res] == ["bo", "bananas"]
    for r in res:
        assert r.queries == 14 and r.regret_mean >= 0 and r.final_mean <= r.best
