"""te_nas: the TE-NAS rank combination over a population, as a registered combination."""

from __future__ import annotations

import numpy as np
import pytest

from archrank.heuristics import HEURISTICS
from archrank.heuristics.combinations import COMBINATIONS, TE_NAS_MEMBERS, te_nas_scores


def test_te_nas_by_hand():
    scores = {"ntk_cond": {"a": 10.0, "b": 100.0, "c": 50.0},   # lower better: a > c > b
              "linear_regions": {"a": 5.0, "b": 9.0, "c": 7.0}}  # higher better: b > c > a
    out = te_nas_scores(scores)
    # ranks (1 = worst): ntk a=3 b=1 c=2 ; lr a=1 b=3 c=2 -> mean 2, 2, 2
    assert out == {"a": 2.0, "b": 2.0, "c": 2.0}
    scores["linear_regions"]["a"] = 10.0  # now a is best on both
    out = te_nas_scores(scores)
    assert max(out, key=out.get) == "a"
    assert out["a"] == pytest.approx(3.0)


def test_registered_with_members_that_exist():
    comb = COMBINATIONS.get("te_nas")
    assert comb.members == TE_NAS_MEMBERS
    assert all(m in HEURISTICS for m in comb.members)
    assert not HEURISTICS.get("ntk_cond").higher_is_better and HEURISTICS.get("linear_regions").higher_is_better
    assert "Chen" in comb.reference
    assert "te_nas" not in HEURISTICS  # population-relative: not a per-architecture heuristic


def test_population_relative_and_nan_worst():
    scores = {"ntk_cond": {"a": 1.0, "b": 2.0, "c": np.nan}, "linear_regions": {"a": 3.0, "b": 2.0, "c": 9.0}}
    out = COMBINATIONS.get("te_nas").scores(scores)
    assert out["a"] > out["b"]
    # values are relative to the population: adding a worse architecture raises everyone else's mean rank
    scores["ntk_cond"]["e"], scores["linear_regions"]["e"] = 1000.0, 0.0
    wider = COMBINATIONS.get("te_nas").scores(scores)
    assert wider["a"] == out["a"] + 1 and min(wider, key=wider.get) == "e"


def test_vote_listed():
    assert COMBINATIONS.get("vote").members == ("snip", "synflow", "jacob_cov")
