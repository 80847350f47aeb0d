"""BANANAS and BO (archrank.search.model_based) on the toy space: zero-cost features, acquisition, errors."""

from __future__ import annotations

import numpy as np
import pytest

from archrank.errors import InvalidArgument
from archrank.search import make_strategy, run_search
from archrank.search.base import HEURISTIC, SIGNAL

SMALL = {"bananas": {"init": 4, "candidates": 8, "members": 2, "batch": 2}, "bo": {"init": 4, "candidates": 8}}


def _run(name, space, objectives, bench, seed, budget=600.0, **kw):
    strat = make_strategy(name, space=space, rng=np.random.default_rng(seed), budget_seconds=budget,
                          **{**SMALL[name], **kw})
    res = run_search(strat, objectives, budget_seconds=budget, report_of=bench.report_of,
                     best_report=bench.best_report, seed=seed)
    return strat, res


@pytest.mark.parametrize("name", ["bananas", "bo"])
def test_zero_cost_features_are_asked_once_and_charged(name, toy_space, toy_objectives, toy_bench):
    strat, res = _run(name, toy_space, toy_objectives, toy_bench, seed=1, features="encoding,zc")
    assert strat.needs == (HEURISTIC,)
    h = [s.arch for s in res.steps if s.fidelity == HEURISTIC]
    assert h and len(h) == len(set(h))  # each architecture scored once
    assert all(s.cost == 0.5 for s in res.steps if s.fidelity == HEURISTIC)  # at the heuristic's seconds
    scored = set()
    for s in res.steps:  # every signal query's architecture was scored first (its feature)
        if s.fidelity == HEURISTIC:
            scored.add(s.arch)
        else:
            assert s.arch in scored
    assert strat.fits > 0


@pytest.mark.parametrize("name", ["bananas", "bo"])
def test_without_zc_no_heuristic_is_needed(name, toy_space, toy_bench):
    strat, res = _run(name, toy_space, {"signal": toy_bench}, toy_bench, seed=0, features="encoding")
    assert strat.needs == () and all(s.fidelity == SIGNAL for s in res.steps)
    assert len({s.arch for s in res.steps}) == res.queries  # never the same architecture twice


@pytest.mark.parametrize("name", ["bananas", "bo"])
def test_model_beats_random_to_the_optimum(name, toy_space, toy_objectives, toy_bench):
    """Signal queries until the optimum (2, 2, 2) is evaluated, averaged over seeds, against random search."""

    def queries_to_optimum(strategy, seed):
        if strategy == "random":
            strat = make_strategy("random", space=toy_space, rng=np.random.default_rng(seed))
            res = run_search(strat, {"signal": toy_bench}, budget_seconds=20000)
        else:
            _, res = _run(strategy, toy_space, {"signal": toy_bench}, toy_bench, seed, budget=20000,
                          features="encoding")
        archs = [s.arch for s in res.steps if s.fidelity == SIGNAL]
        return archs.index((2, 2, 2)) + 1 if (2, 2, 2) in archs else len(archs) + 1

    model = np.mean([queries_to_optimum(name, k) for k in range(4)])
    rand = np.mean([queries_to_optimum("random", k) for k in range(4)])
    assert model < rand, (model, rand)


def test_bad_parameters(toy_space):
    rng = np.random.default_rng(0)
    with pytest.raises(InvalidArgument, match="valid groups"):
        make_strategy("bo", space=toy_space, rng=rng, features="nope")
    with pytest.raises(InvalidArgument, match="init"):
        make_strategy("bo", space=toy_space, rng=rng, init=1)
    with pytest.raises(InvalidArgument, match="members"):
        make_strategy("bananas", space=toy_space, rng=rng, members=1)
    with pytest.raises(InvalidArgument, match="graph features"):
        make_strategy("bo", space=toy_space, rng=rng, features="graph")
