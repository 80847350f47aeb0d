"""``search_by_heuristic``: a strategy searching on a heuristic alone, its own cost as the budget."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "execution"))
import archrank_toy_plugin  # noqa: F401  (space "toy", heuristics toy_params, toy_lower)

from archrank.errors import InvalidArgument
from archrank.search.by_heuristic import search_by_heuristic, write_arch_file
from archrank.spaces import get_space
from archrank.store import open_store


def test_budget_in_distinct_architectures_and_ranking_best_first(tmp_path):
    res = search_by_heuristic("toy", "toy_params", strategy="rea", budget_archs=7, seed=1,
                              params={"population": 4, "sample": 2})
    assert len(res.ranked) == 7 and res.queries >= 7
    scores = [r.score for r in res.ranked]
    assert scores == sorted(scores, reverse=True)
    sp = get_space("toy")
    assert all(sp.parse(r.arch) is not None for r in res.ranked)
    path = tmp_path / "top.txt"
    write_arch_file(path, res, 3)
    lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("#")]
    assert lines == [r.arch for r in res.top(3)]


def test_lower_is_better_heuristics_rank_ascending():
    res = search_by_heuristic("toy", "toy_lower", strategy="random", budget_archs=6, seed=0)
    assert not res.higher_is_better
    scores = [r.score for r in res.ranked]
    assert scores == sorted(scores)


def test_budget_in_seconds_is_the_measured_scoring_time():
    res = search_by_heuristic("toy", "toy_params", strategy="random", budget_seconds=1e-9, seed=0)
    assert res.queries == 1 and res.seconds > 0  # the first query crosses the budget and still counts
    capped = search_by_heuristic("toy", "toy_params", strategy="random", budget_archs=100, seed=0)
    assert len(capped.ranked) == 27  # no more than the space holds


def test_stored_scores_are_reused(tmp_path):
    with open_store(tmp_path / "s.db") as store:
        first = search_by_heuristic("toy", "toy_params", strategy="random", budget_archs=5, seed=3, store=store)
        again = search_by_heuristic("toy", "toy_params", strategy="random", budget_archs=5, seed=3, store=store)
    assert first.stats == {"stored": 0, "live": 5} and again.stats == {"stored": 5, "live": 0}
    assert [(r.arch, r.score) for r in again.ranked] == [(r.arch, r.score) for r in first.ranked]


def test_a_budget_is_needed_and_checked():
    with pytest.raises(InvalidArgument, match="budget"):
        search_by_heuristic("toy", "toy_params")
    with pytest.raises(InvalidArgument, match="budget_archs"):
        search_by_heuristic("toy", "toy_params", budget_archs=0)
    with pytest.raises(InvalidArgument, match="budget_seconds"):
        search_by_heuristic("toy", "toy_params", budget_seconds=math.inf)


def test_a_repeated_query_is_not_charged_again():
    res = search_by_heuristic("toy", "toy_params", strategy="rea", budget_archs=6, seed=1,
                              params={"population": 3, "sample": 2})
    assert res.queries > len(res.ranked)  # REA asked for some architectures twice
    assert res.seconds == pytest.approx(sum(r.seconds for r in res.ranked))
