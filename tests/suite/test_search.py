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


def _score_store(space, archs, values, *, seconds=None, name="oracle"):
    from archrank.store import HeuristicInfo, ScoreRecord, open_store

    store = open_store("memory://")
    store.put_heuristics([HeuristicInfo(name, True)])
    store.put_scores([ScoreRecord(space.name, space.format(a), name, "cifar10", 0, 0, float(v), seconds)
                      for a, v in zip(archs, values)])
    return store


def test_stored_heuristic_objective_charges_and_refuses(shared_data):
    from archrank.errors import DataError
    from archrank.suite.search import stored_heuristic_objective

    space, _obj, truth = task_objective(TASKS.get("nb301-cifar10"), shared_data)
    vals = [truth[space.format(a)] for a in space.archs]
    store = _score_store(space.base, space.archs[:-1], vals[:-1])  # no seconds recorded, last row missing
    with pytest.raises(DataError, match="no measured seconds"):
        stored_heuristic_objective(space.base, store, "oracle")
    with pytest.raises(InvalidArgument, match="held: oracle"):
        stored_heuristic_objective(space.base, store, "nope", charge=0)
    h = stored_heuristic_objective(space.base, store, "oracle", charge=0.5)
    ev = h.evaluate(space.archs[3])
    assert ev.value == pytest.approx(vals[3]) and ev.cost == 0.5
    with pytest.raises(DataError, match="no stored 'oracle' score"):
        h.evaluate(space.archs[-1])
    timed = _score_store(space.base, space.archs, vals, seconds=2.0)
    assert stored_heuristic_objective(space.base, timed, "oracle").evaluate(space.archs[0]).cost == 2.0


def test_model_based_search_on_a_table_uses_stored_scores(shared_data):
    """features=zc: the strategies ask for the stored score of every architecture they fit on or consider;
    without zc they ask none.  Charged 0 units, the scores leave all the queries to the table."""
    space, _obj, truth = task_objective(TASKS.get("nb301-cifar10"), shared_data)
    store = _score_store(space.base, space.archs, [truth[space.format(a)] for a in space.archs])
    small = {"init": 6, "candidates": 20}
    res = search_task("nb301-cifar10", strategies=["bo", "bananas"], runs=1, queries=12, data_root=shared_data,
                      store=store, heuristic="oracle", charge=0,
                      params={"bo": {**small, "features": "auto,zc"}, "bananas": {**small, "batch": 3,
                                                                                  "features": "zc"}})
    for r in res:
        assert r.queries == 12 and r.heuristic_queries > 12 and r.final_mean <= r.best
    plain = search_task("nb301-cifar10", strategies=["bo"], runs=1, queries=8, data_root=shared_data,
                        store=store, heuristic="oracle", charge=0, params={"bo": small})
    assert plain[0].heuristic_queries == 0
    with pytest.raises(InvalidArgument, match="needs the store"):
        search_task("nb301-cifar10", strategies=["bo"], runs=1, queries=8, data_root=shared_data,
                    heuristic="oracle")
