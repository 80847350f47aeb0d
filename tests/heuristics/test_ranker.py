"""The training-free ranker and the AZ-NAS population aggregation: rules by hand, selection, registration, docs."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from archrank.errors import InvalidArgument, UnknownName
from archrank.heuristics import HEURISTICS
from archrank.heuristics.az_nas import az_nas_aggregate
from archrank.heuristics.combinations import AZ_NAS_MEMBERS, COMBINATIONS, az_nas_rank_scores
from archrank.heuristics.ranker import (
    CANDIDATES,
    RANKER_MEMBERS,
    RANKER_NEEDS,
    RANKER_RULE,
    RULES,
    aggregate_matrix,
    aggregate_ranks,
    ranker_scores,
    score_against_reference,
    select_ranker,
    selection_splits,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "heuristics.md"

# Two members over four archs.  Ranks ascending (1 = worst):
#   h1 (higher better): a=1 b=2 c=3 d=4 ;  h2 (lower better): a=4 b=3 c=1 d=2
SCORES = {"h1": {"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}, "h2": {"a": 0.1, "b": 0.2, "c": 0.9, "d": 0.5}}
DIRS = {"h1": True, "h2": False}


def test_mean_rank_by_hand():
    out = aggregate_ranks(SCORES, ("h1", "h2"), "mean_rank", DIRS)
    assert out == {"a": 2.5, "b": 2.5, "c": 2.0, "d": 3.0}


def test_log_rank_by_hand():
    out = aggregate_ranks(SCORES, ("h1", "h2"), "log_rank", DIRS)
    expect = {"a": math.log(1 / 4) + math.log(4 / 4), "b": math.log(2 / 4) + math.log(3 / 4),
              "c": math.log(3 / 4) + math.log(1 / 4), "d": math.log(4 / 4) + math.log(2 / 4)}
    assert out == pytest.approx(expect)
    # unlike the mean, the log punishes one low rank: a (ranks 1, 4) falls below b (2, 3)
    assert out["a"] < out["b"]


def test_copeland_by_hand():
    # three members: h1, h2 and h3 (higher better) over three archs; majority decides each pair
    s = {"h1": {"x": 3.0, "y": 2.0, "z": 1.0}, "h2": {"x": 1.0, "y": 3.0, "z": 2.0},
         "h3": {"x": 2.0, "y": 1.0, "z": 3.0}}
    # a Condorcet cycle: every arch wins one pair and loses one
    assert aggregate_ranks(s, ("h1", "h2", "h3"), "copeland") == {"x": 0.0, "y": 0.0, "z": 0.0}
    s["h2"]["x"] = 4.0  # now x beats y (all three) and z (h1, h2); y beats z (h1, h2)
    assert aggregate_ranks(s, ("h1", "h2", "h3"), "copeland") == {"x": 2.0, "y": 0.0, "z": -2.0}


def test_nan_counts_as_worst_and_unknown_rule():
    s = {"h1": {"a": np.nan, "b": 1.0, "c": 2.0}}
    out = aggregate_ranks(s, ("h1",), "mean_rank")
    assert out == {"a": 1.0, "b": 2.0, "c": 3.0}
    with pytest.raises(UnknownName, match="median"):
        aggregate_ranks(s, ("h1",), "median")
    with pytest.raises(InvalidArgument, match="h9"):
        aggregate_ranks(s, ("h1", "h9"), "mean_rank")


def test_az_nas_rank_is_the_paper_form():
    rng = np.random.default_rng(0)
    keys = [f"a{i}" for i in range(7)]
    parts = {p: dict(zip(keys, rng.normal(size=7).tolist())) for p in AZ_NAS_MEMBERS}
    comb = COMBINATIONS.get("az_nas_rank")
    assert comb.members == AZ_NAS_MEMBERS and "Lee & Ham" in comb.reference
    out = comb.scores(parts)
    assert out == pytest.approx(az_nas_aggregate(parts))
    # the same as the log_rank rule over the four parts
    assert out == pytest.approx(aggregate_ranks(parts, AZ_NAS_MEMBERS, "log_rank",
                                                dict.fromkeys(AZ_NAS_MEMBERS, True)))
    # an architecture best on every part gets log(1) * 4 = 0, the maximum
    for p in AZ_NAS_MEMBERS:
        parts[p]["best"] = 99.0
    assert az_nas_rank_scores(parts)["best"] == pytest.approx(0.0)
    with pytest.raises(InvalidArgument, match="az_complexity"):
        az_nas_rank_scores({p: parts[p] for p in AZ_NAS_MEMBERS[:3]})


def test_selection_finds_the_informative_members():
    rng = np.random.default_rng(1)
    n = 120
    signal1, signal2 = rng.normal(size=n), rng.normal(size=n)
    truth = dict(enumerate((signal1 + signal2).tolist()))
    scores = {"good1": dict(enumerate((signal1 + 0.1 * rng.normal(size=n)).tolist())),
              "good2_low": dict(enumerate((-signal2 - 0.1 * rng.normal(size=n)).tolist())),  # lower is better
              "noise": dict(enumerate(rng.normal(size=n).tolist()))}
    sel = select_ranker(scores, truth, pool=("noise", "good1", "good2_low"),
                        directions={"good1": True, "good2_low": False, "noise": True})
    assert set(sel.members) == {"good1", "good2_low"}
    assert sel.rule in RULES and sel.spearman > 0.8
    assert {r for r, _, _ in sel.path} == set(RULES)
    assert sel.spearman == max(rho for _, _, rho in sel.path)


def test_splits_are_disjoint_canonical_classes():
    from archrank.spaces import get_space

    sp = get_space("nb201")
    a, b = selection_splits(sp, 30)
    assert len(a) == len(b) == 30 and not {sp.canonical(i) for i in a} & {sp.canonical(i) for i in b}
    assert selection_splits(sp, 30) == [a, b]  # seeded
    with pytest.raises(InvalidArgument, match="canonical classes"):
        selection_splits(sp, 4000)


def test_registered_forms_and_metadata():
    comb = COMBINATIONS.get("ranker")
    assert comb.members == RANKER_MEMBERS and RANKER_RULE in comb.description
    assert all(m in HEURISTICS and m in CANDIDATES for m in RANKER_MEMBERS)
    assert not any("training" in HEURISTICS.get(m).needs for m in RANKER_MEMBERS)
    h = HEURISTICS.get("ranker")
    assert h.higher_is_better
    assert h.needs == frozenset(RANKER_NEEDS) == frozenset().union(*(HEURISTICS.get(m).needs
                                                                     for m in RANKER_MEMBERS))
    assert h.canonical_invariant == all(HEURISTICS.get(m).canonical_invariant for m in RANKER_MEMBERS)
    assert all(m in h.description for m in RANKER_MEMBERS) and RANKER_RULE in h.description
    # the combination is the frozen rule over the frozen members
    rng = np.random.default_rng(2)
    s = {m: {k: float(v) for k, v in enumerate(rng.normal(size=9))} for m in RANKER_MEMBERS}
    assert ranker_scores(s) == aggregate_ranks(s, RANKER_MEMBERS, RANKER_RULE)


@pytest.mark.parametrize("rule", RULES)
def test_reference_form_is_the_population_term(rule):
    rng = np.random.default_rng(3)
    ref = rng.normal(size=(3, 10))
    mine = rng.normal(size=3)
    dirs = [True, False, True]
    got = score_against_reference(mine, ref, rule, dirs)
    pop = np.where(np.array(dirs)[:, None], 1.0, -1.0) * np.c_[mine, ref]  # self first, oriented
    agg = aggregate_matrix(pop, rule)[0]
    n = pop.shape[1]
    expect = {"mean_rank": agg / n, "log_rank": agg, "copeland": agg / (n - 1)}[rule]
    assert got == pytest.approx(expect)


def test_frozen_rule_is_what_the_docs_say():
    text = DOCS.read_text()
    members = re.search(r"^Members \(frozen\): (.+)$", text, re.MULTILINE)
    rule = re.search(r"^Rule \(frozen\): `(\w+)`", text, re.MULTILINE)
    assert members and rule, "docs/heuristics.md must state the ranker's frozen members and rule"
    assert tuple(re.findall(r"`(\w+)`", members.group(1))) == RANKER_MEMBERS
    assert rule.group(1) == RANKER_RULE


def test_per_architecture_stand_in_ranks_against_its_reference(make_ctx):
    from archrank.heuristics.ranker import _member_values, reference_values

    ctx = make_ctx()
    ctx.extras["ranker_reference_size"] = 3
    value = HEURISTICS.get("ranker")(ctx)
    ref = reference_values(ctx, 3)
    assert ref.shape == (len(RANKER_MEMBERS), 3)
    dirs = [HEURISTICS.get(m).higher_is_better for m in RANKER_MEMBERS]
    assert value == pytest.approx(score_against_reference(_member_values(ctx), ref, RANKER_RULE, dirs))
    assert HEURISTICS.get("ranker")(ctx) == value  # seeded: the same reference, the same value
    ctx.extras["ranker_reference_size"] = 0
    with pytest.raises(InvalidArgument, match="ranker_reference_size"):
        HEURISTICS.get("ranker")(ctx)


def test_reference_samples_belong_to_their_space_object(make_ctx, tiny_space):
    """A reference sample (and a space check's sample network) is cached per space object: a space of the same
    name and class but another configuration gets its own, and a space's entries go with it."""
    import gc

    from archrank.heuristics import az_nas, ranker
    from archrank.heuristics._util import _SAMPLE_MODELS, sample_model

    class Wider(type(tiny_space)):
        def model_options(self) -> dict:
            return {"C": 6, "N": 1}

    narrow = make_ctx()
    wide_space = Wider()
    assert wide_space.name == tiny_space.name
    wide = dataclasses.replace(narrow, space=wide_space)
    a, b = ranker.reference_values(narrow, 3), ranker.reference_values(wide, 3)
    assert not np.array_equal(a, b)  # the same architectures, wider networks: other member values
    assert ranker.reference_values(wide, 3) is b  # cached
    assert not np.array_equal(az_nas.reference_parts(narrow, 2)["az_expressivity"],
                              az_nas.reference_parts(wide, 2)["az_expressivity"])
    channels = {m.weight.shape[0] for s in (tiny_space, wide_space) for m in sample_model(s).modules()
                if isinstance(m, torch.nn.Conv2d) and m.weight.shape[1] == 3}
    assert channels == {4, 6}  # each space's own sample network, not the first one of that name
    held = (len(ranker._REFERENCES), len(az_nas._REFERENCES), len(_SAMPLE_MODELS))
    del wide, wide_space, b
    gc.collect()
    assert (len(ranker._REFERENCES), len(az_nas._REFERENCES), len(_SAMPLE_MODELS)) == tuple(n - 1 for n in held)
