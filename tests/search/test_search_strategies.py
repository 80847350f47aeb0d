"""Every registered strategy on the toy space: validity, determinism, budget accounting, behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

from archrank.errors import DataError, InvalidArgument, UnknownName
from archrank.search import STRATEGIES, make_strategy, run_search, search
from archrank.search.base import HEURISTIC, SIGNAL, Query, parse_params, strategy_params
from archrank.search.harness import run_seeds
from archrank.search.heuristic_objective import HeuristicObjective

# Small settings so that every strategy finishes quickly on 27 architectures.
SMALL = {
    "naswot": {"n": 10},
    "zc_warmup": {"warmup": 10, "population": 4},
    "zc_move": {"proposals": 3, "population": 4},
    "zc_evolution": {"warmup": 10, "proposals": 3, "population": 4},
    "rea": {"population": 4, "sample": 2},
    "hierarchical": {"min_explore": 10, "chunk": 5},
    "enas": {"steps": 8, "derive": 3, "verify": 2},
    "reinforce_lstm": {"hidden": 8},
    "bananas": {"init": 4, "candidates": 8, "members": 2, "batch": 2},
    "bo": {"init": 4, "candidates": 8},
}


def _run(name, toy_space, toy_objectives, toy_bench, seed=0, budget=600.0):
    strat = make_strategy(name, space=toy_space, rng=np.random.default_rng(seed), budget_seconds=budget,
                          **SMALL.get(name, {}))
    return run_search(strat, toy_objectives, budget_seconds=budget, report_of=toy_bench.report_of,
                      best_report=toy_bench.best_report, seed=seed)


@pytest.mark.parametrize("name", STRATEGIES.names())
def test_every_strategy_runs_and_is_deterministic(name, toy_space, toy_objectives, toy_bench):
    a = _run(name, toy_space, toy_objectives, toy_bench, seed=3)
    b = _run(name, toy_space, toy_objectives, toy_bench, seed=3)
    assert a.queries > 0
    assert a.arch is not None and toy_space.arch_to_index(a.arch) >= 0
    assert a.report == toy_bench.report_of(a.arch)
    assert a.regret == pytest.approx(toy_bench.best_report - a.report)
    # identical seeds give identical trajectories
    assert [(s.arch, s.fidelity, s.value) for s in a.steps] == [(s.arch, s.fidelity, s.value) for s in b.steps]
    # budget: every query charged; only the last one may cross the budget
    assert a.seconds == pytest.approx(sum(s.cost for s in a.steps))
    assert a.seconds - a.steps[-1].cost < 600.0
    # the recorded best-so-far is the report of the final recommendation at the end
    assert a.steps[-1].best_report == a.report


@pytest.mark.parametrize("name", ["random", "rea", "reinforce", "bandit_ucb", "qlearning", "hierarchical"])
def test_different_seeds_differ(name, toy_space, toy_objectives, toy_bench):
    runs = [[s.arch for s in _run(name, toy_space, toy_objectives, toy_bench, seed=k).steps] for k in range(3)]
    assert runs[0] != runs[1] or runs[1] != runs[2]


def test_learning_strategies_beat_random_on_toy(toy_space, toy_objectives, toy_bench):
    def mean_signal(name):
        vals = []
        for k in range(4):
            steps = _run(name, toy_space, toy_objectives, toy_bench, seed=k, budget=1500).steps
            vals += [s.value for s in steps[-20:] if s.fidelity == SIGNAL]
        return np.mean(vals)

    base = mean_signal("random")
    for name in ("rea", "reinforce", "bandit_egreedy", "qlearning"):
        assert mean_signal(name) > base, name


def test_budget_stops_at_first_query_crossing(toy_space, toy_bench):
    strat = make_strategy("random", space=toy_space, rng=np.random.default_rng(0))
    res = run_search(strat, {"signal": toy_bench}, budget_seconds=100.0, report_of=toy_bench.report_of)
    secs = [s.seconds for s in res.steps]
    assert secs[-1] >= 100.0 and secs[-2] < 100.0
    assert strat.spent == pytest.approx(res.seconds)


def test_naswot_charges_heuristic_seconds_and_picks_best_heuristic(toy_space, toy_objectives, toy_bench):
    res = _run("naswot", toy_space, toy_objectives, toy_bench)
    assert res.queries == 10 and res.seconds == pytest.approx(10 * 0.5)
    assert all(s.fidelity == HEURISTIC for s in res.steps)
    best = max(res.steps, key=lambda s: s.value)
    assert res.arch == best.arch
    assert len({s.arch for s in res.steps}) == 10  # distinct samples


def test_naswot_verify_evaluates_top_with_signal(toy_space, toy_objectives, toy_bench):
    strat = make_strategy("naswot", space=toy_space, rng=np.random.default_rng(1), n=8, verify=3)
    res = run_search(strat, toy_objectives, budget_seconds=1e6, report_of=toy_bench.report_of)
    fids = [s.fidelity for s in res.steps]
    assert fids == [HEURISTIC] * 8 + [SIGNAL] * 3


def test_hierarchical_explores_then_exploits_and_measures_agreement(toy_space, toy_objectives, toy_bench):
    strat = make_strategy("hierarchical", space=toy_space, rng=np.random.default_rng(0), budget_seconds=400,
                          min_explore=27, chunk=27)
    res = run_search(strat, toy_objectives, budget_seconds=400, report_of=toy_bench.report_of,
                     best_report=toy_bench.best_report)
    assert strat.moves[0] == "explore"
    assert [s.fidelity for s in res.steps[:27]] == [HEURISTIC] * 27
    # a heuristic in perfect agreement: the first signal query is the optimum
    assert res.steps[27].arch == (2, 2, 2) and res.regret == pytest.approx(0.0)
    assert strat.agreement() is None or strat.agreement() > 0.9


def test_hierarchical_split_follows_agreement(toy_space, toy_bench):
    good = {toy_space.format(a): (float(sum(a)), 1.0) for a in toy_space}
    bad = {toy_space.format(a): (-float(sum(a)), 1.0) for a in toy_space}

    def explore_seconds(cached):
        h = HeuristicObjective(space=toy_space, name="h", cached=cached)
        strat = make_strategy("hierarchical", space=toy_space, rng=np.random.default_rng(0), budget_seconds=1000,
                              explore_fraction=0.01, min_explore=5, chunk=1, min_agreement=4)
        run_search(strat, {"signal": toy_bench, "heuristic": h}, budget_seconds=1000)
        return strat, strat.explore_seconds

    sg, good_secs = explore_seconds(good)
    sb, bad_secs = explore_seconds(bad)
    assert sg.agreement() > 0.5 > sb.agreement()
    assert good_secs > bad_secs
    assert sb.moves.count("local") > sg.moves.count("local")


def test_zero_cost_warmup_seeds_population_with_best_heuristic(toy_space, toy_objectives, toy_bench):
    res = _run("zc_warmup", toy_space, toy_objectives, toy_bench)
    warm = res.steps[:10]
    assert all(s.fidelity == HEURISTIC for s in warm)
    top4 = [s.arch for s in sorted(warm, key=lambda s: -s.value)[:4]]
    assert [s.arch for s in res.steps[10:14]] == top4
    assert all(s.fidelity == SIGNAL for s in res.steps[10:14])


def test_zero_cost_move_evaluates_best_proposal(toy_space, toy_objectives, toy_bench):
    res = _run("zc_move", toy_space, toy_objectives, toy_bench)
    steps = res.steps
    for i, s in enumerate(steps):
        if s.fidelity == SIGNAL and i > 0 and steps[i - 1].fidelity == HEURISTIC:
            j = i - 1
            group = []
            while j >= 0 and steps[j].fidelity == HEURISTIC:
                group.append(steps[j])
                j -= 1
            assert s.value / 10.0 >= max(g.value for g in group) - 1e-9 or s.arch in {g.arch for g in group}
            break
    else:
        pytest.fail("no heuristic-scored proposal was followed by a signal query")


def test_enas_uses_supernet_then_verifies(toy_space, toy_objectives, toy_bench):
    res = _run("enas", toy_space, toy_objectives, toy_bench)
    fids = [s.fidelity for s in res.steps]
    assert fids[:11] == ["supernet"] * 11 and fids[11:] == [SIGNAL] * 2


def test_missing_objective_is_a_clear_error(toy_space, toy_bench):
    strat = make_strategy("naswot", space=toy_space, rng=np.random.default_rng(0))
    with pytest.raises(InvalidArgument, match="needs a 'heuristic' objective"):
        run_search(strat, {"signal": toy_bench}, budget_seconds=10)


def test_heuristic_objective_never_invents_scores(toy_space):
    h = HeuristicObjective(space=toy_space, name="toy_h", cached={"0-0-0": (1.0, 0.2)})
    assert h.evaluate((0, 0, 0)).cost == 0.2
    with pytest.raises(DataError, match="no stored 'toy_h' score"):
        h.evaluate((1, 1, 1))


def test_heuristic_objective_orients_and_charges_live(toy_space):
    calls = []
    h = HeuristicObjective(space=toy_space, name="low", higher_is_better=False,
                           live=lambda a: (float(sum(a)), 0.25), on_live=lambda a, v, s: calls.append((a, v, s)))
    ev = h.evaluate((1, 2, 0))
    assert ev.value == -3.0 and ev.cost == 0.25
    assert h.evaluate((1, 2, 0)).cost == 0.25  # a reused score is charged again
    assert calls == [((1, 2, 0), 3.0, 0.25)] and h.stats == {"stored": 1, "live": 1, "wall": 1}


def test_stored_charge_is_the_median_stored_cost_and_independent_of_the_clock(toy_space):
    cached = {"0-0-0": (1.0, 0.2), "1-1-1": (2.0, 0.4), "2-2-2": (3.0, 0.9)}
    measured = iter([5.0, 0.01])  # a busy machine, then an idle one
    h = HeuristicObjective(space=toy_space, name="toy_h", cached=dict(cached), live=lambda a: (1.0, next(measured)))
    assert h.charge == "stored" and h.nominal_seconds == 0.4
    assert h.evaluate((0, 0, 0)).cost == 0.2  # a stored score: its stored seconds
    assert [h.evaluate(a).cost for a in ((0, 1, 2), (2, 1, 0))] == [0.4, 0.4]  # live: the median, twice
    assert h.evaluate((0, 1, 2)).cost == 0.4 and h.stats == {"stored": 2, "live": 2, "wall": 0}


def test_wall_and_fixed_charges(toy_space):
    cached = {"0-0-0": (1.0, 0.2)}
    wall = HeuristicObjective(space=toy_space, name="h", cached=dict(cached), live=lambda a: (1.0, 3.0), charge="wall")
    assert wall.evaluate((0, 0, 0)).cost == 0.2 and wall.evaluate((1, 1, 1)).cost == 3.0
    fixed = HeuristicObjective(space=toy_space, name="h", cached=dict(cached), live=lambda a: (1.0, 3.0), charge="0.5")
    assert fixed.evaluate((0, 0, 0)).cost == 0.5 and fixed.evaluate((1, 1, 1)).cost == 0.5
    # nothing stored to take a median of: a live score is charged what was measured, and counted
    bare = HeuristicObjective(space=toy_space, name="h", live=lambda a: (1.0, 3.0))
    assert bare.evaluate((1, 1, 1)).cost == 3.0 and bare.stats["wall"] == 1


@pytest.mark.parametrize("bad", ["soon", "-1", "nan", None])
def test_bad_charges_are_rejected(bad):
    from archrank.errors import InvalidArgument
    from archrank.search.heuristic_objective import parse_charge

    with pytest.raises(InvalidArgument, match="charge"):
        parse_charge(bad)


def test_nan_values_never_become_incumbent(toy_space):
    strat = make_strategy("random", space=toy_space, rng=np.random.default_rng(0))
    strat.tell((0, 0, 0), math.nan)
    assert strat.recommend() is None
    strat.tell((1, 0, 0), 5.0)
    strat.tell((2, 0, 0), math.nan)
    assert strat.recommend() == (1, 0, 0)


def test_params_are_checked_and_typed():
    assert strategy_params("rea") == {"population": 10, "sample": 3}
    assert parse_params(["population=20"], "rea") == {"population": 20}
    assert parse_params(["state=prefix", "alpha=0.5"], "qlearning") == {"state": "prefix", "alpha": 0.5}
    with pytest.raises(InvalidArgument, match="valid parameters: population, sample"):
        parse_params(["size=2"], "rea")
    with pytest.raises(InvalidArgument, match="not a valid int"):
        parse_params(["population=x"], "rea")
    with pytest.raises(UnknownName, match="valid choices: .*random"):
        make_strategy("nope", space=None, rng=np.random.default_rng(0))
    with pytest.raises(InvalidArgument, match="unknown Q-learning state"):
        make_strategy("qlearning", space=None, rng=np.random.default_rng(0), state="x")


def test_search_runs_independent_seeds(toy_space, toy_bench):
    s = search("random", space=toy_space, objectives={"signal": toy_bench}, budget_seconds=200, runs=3, seed=5,
               report_of=toy_bench.report_of, best_report=toy_bench.best_report)
    assert [r.seed for r in s.results] == run_seeds(5, 3)
    assert len(set(run_seeds(5, 3))) == 3
    j = s.to_json()
    assert set(j) == {"strategy", "runs", "test_mean", "test_std", "regret_mean", "queries_mean",
                      "simulated_seconds_mean", "wall_seconds"}
    reports = [r.report for r in s.results]
    assert j["test_mean"] == pytest.approx(np.mean(reports), abs=1e-5)
    _, mean, _ = s.curve(np.array([0.0, 50.0, 1000.0]))
    assert np.isnan(mean[0]) and mean[2] == pytest.approx(np.mean(reports))


def test_query_defaults_to_signal():
    assert Query((0, 0, 0)).fidelity == SIGNAL


def test_builtin_strategy_names_are_found_in_the_source_and_point_at_their_classes():
    from archrank.search.names import builtin_strategies

    found = builtin_strategies()
    assert {"rea", "random", "bananas", "zc_evolution", "reinforce_lstm"} <= set(found)
    assert set(found) <= set(STRATEGIES.names())
    for name, module in found.items():
        cls = STRATEGIES.get(name)
        assert cls.name == name and cls.__module__ == module
