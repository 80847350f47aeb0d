"""Vote, rank aggregation and the fitted combined heuristic."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from archrank import metrics
from archrank.errors import InvalidArgument
from archrank.heuristics.aggregate import (
    CombinedModel,
    combined_scores,
    disjoint_fit_sample,
    pairwise_agreement,
    rank_aggregate,
    vote_scores,
)
from archrank.spaces import get_space

SCORES = {
    "snip": {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0},
    "synflow": {"a": 4.0, "b": 3.0, "c": 2.0, "d": 5.0},
    "jacob_cov": {"a": 1.0, "b": 3.0, "c": 2.0, "d": 6.0},
}


def test_vote_copeland_by_hand():
    v = vote_scores(SCORES)
    # d beats everyone under all three; b beats a (snip, jacob) and c (synflow, jacob); c beats a; a last.
    assert v == {"d": 3.0, "b": 1.0, "c": -1.0, "a": -3.0}


def test_vote_respects_directions():
    flipped = {k: ({a: -x for a, x in v.items()} if k == "synflow" else v) for k, v in SCORES.items()}
    assert vote_scores(flipped, {"synflow": False}) == vote_scores(SCORES)


def test_vote_needs_its_members():
    with pytest.raises(InvalidArgument, match="jacob_cov"):
        vote_scores({"snip": SCORES["snip"], "synflow": SCORES["synflow"]})


def test_pairwise_agreement():
    truth = {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}
    assert pairwise_agreement(SCORES, truth) == pytest.approx(5 / 6)  # only (b, c) is misordered
    assert pairwise_agreement(SCORES, {k: -v for k, v in truth.items()}) == pytest.approx(1 / 6)


def test_rank_aggregate_mean_rank_and_nan_last():
    r = rank_aggregate(SCORES)
    assert r["d"] == pytest.approx(4.0)
    assert r["a"] == pytest.approx((1 + 3 + 1) / 3)
    with_nan = {"x": {"a": float("nan"), "b": 1.0, "c": 2.0}}
    assert rank_aggregate(with_nan)["a"] == 1.0


def test_disjoint_fit_sample():
    space = get_space("nb201")
    ev = [space.index_to_arch(i) for i in range(0, 15625, 50)]
    fit = disjoint_fit_sample(space, ev, 100, seed=3)
    assert len(set(fit)) == 100
    assert not {space.canonical(a) for a in fit} & {space.canonical(a) for a in ev}
    assert fit == disjoint_fit_sample(space, ev, 100, seed=3)
    assert fit != disjoint_fit_sample(space, ev, 100, seed=4)


def _truth(shared_data) -> dict[int, float]:
    with open(shared_data / "nb201" / "nb201_cifar10.csv") as f:
        return {int(r["index"]): float(r["c10_test_200"]) for r in csv.DictReader(f)}


def test_combined_model_learns_and_ignores_evaluated_ground_truth(shared_data):
    space = get_space("nb201")
    truth = _truth(shared_data)
    rng = np.random.default_rng(0)
    ev = [space.index_to_arch(int(i)) for i in rng.choice(15625, 150, replace=False)]
    fit = disjoint_fit_sample(space, ev, 150, seed=1)
    # A synthetic proxy: the accuracy rank plus heavy noise (rho about 0.5 on its own).
    def proxy(archs):
        acc = np.array([truth[space.arch_to_index(a)] for a in archs])
        noisy = metrics.average_ranks(acc) + rng.normal(0, len(archs) / 2.5, len(archs))
        return dict(zip(archs, noisy.tolist()))

    ev_scores, fit_scores = {"p": proxy(ev)}, {"p": proxy(fit)}
    fit_truth = {a: truth[space.arch_to_index(a)] for a in fit}
    y = [truth[space.arch_to_index(a)] for a in ev]
    out = combined_scores(ev_scores, fit_scores, fit_truth, space=space, proxies=("p",), seed=1)
    rho_comb = metrics.spearman([out[a] for a in ev], y)
    rho_proxy = metrics.spearman([ev_scores["p"][a] for a in ev], y)
    assert rho_comb > rho_proxy + 0.1
    # Evaluated architectures slipped into the fit sample with corrupted truth are dropped before fitting.
    leaked_scores = {"p": {**fit_scores["p"], **ev_scores["p"]}}
    leaked_truth = {**fit_truth, **{a: -truth[space.arch_to_index(a)] for a in ev}}
    out2 = combined_scores(ev_scores, leaked_scores, leaked_truth, space=space, proxies=("p",), seed=1)
    assert out2 == pytest.approx(out)


def test_combined_model_errors():
    space = get_space("nb201")
    m = CombinedModel(space=space, proxies=("p",))
    with pytest.raises(InvalidArgument, match="before fit"):
        m.predict({"p": {}})
    with pytest.raises(InvalidArgument, match="at least 10"):
        m.fit({"p": {space.index_to_arch(0): 1.0}}, {space.index_to_arch(0): 50.0})


def test_vote_counts_nan_as_worst():
    s = {k: dict(v) for k, v in SCORES.items()}
    s["jacob_cov"]["d"] = float("nan")
    v = vote_scores(s)
    # d still wins under snip and synflow, so the majority keeps it first.
    assert v["d"] == 3.0
    s["synflow"]["d"] = float("nan")
    assert vote_scores(s)["d"] < 3.0
