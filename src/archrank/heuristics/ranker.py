"""``ranker``: a training-free rank aggregation of cheap heuristics, chosen on one sample, frozen, reported on another.

The ranker combines the ranks that several training-free heuristics give over a population of architectures.
Nothing in it is fitted: it has no weights.  What was chosen are its **members** and its **rule**, once, by
:func:`select_ranker` on a *selection split* of NB201 (the 1,000 architectures that ``archrank score --archs
random:1000 --seed 0`` selects, 681 canonical classes) against ``c10_test_200`` there; the choice is frozen in
:data:`RANKER_MEMBERS` and :data:`RANKER_RULE` and reported on the rest of the space (every architecture of
another canonical class).  The protocol and the figures are in docs/heuristics.md ("The training-free
ranker").

Rules (each over the oriented scores, NaN counted as the worst score, ties averaged):

* ``mean_rank``: the mean of the members' ranks (Borda count, up to an affine map);
* ``log_rank``: the sum of log(rank / n), ranks ascending (1 = worst): AZ-NAS's non-linear aggregation,
  which punishes an architecture that one member ranks low more than a mean does;
* ``copeland``: wins minus losses under the members' pairwise majority vote.

Two forms are registered, as for AZ-NAS:

* the combination ``ranker`` in ``COMBINATIONS`` (:func:`ranker_scores`): the exact rule over a scored
  population, from the members' stored scores (``archrank correlate`` adds its row);
* the heuristic ``ranker`` in ``HEURISTICS`` (:func:`ranker`): one architecture ranked against a seeded
  reference sample of its space (``extras['ranker_reference_size']``, default 50, its members computed once
  per process and context), so that search and the store can use it like any per-architecture score.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from archrank import metrics
from archrank.errors import InvalidArgument, UnknownName
from archrank.heuristics._util import PerSpace
from archrank.heuristics.base import HEURISTICS, ScoreContext, evaluate, member_value, register_heuristic

Scores = Mapping[str, Mapping[Hashable, float]]

RULES: tuple[str, ...] = ("mean_rank", "log_rank", "copeland")

#: Candidates of the selection: the training-free heuristics scored on NB201 that are cheap (no training,
#: no analytic kernel regression, no reference sample of their own: the az_nas stand-in is left out, its
#: four parts are in).
CANDIDATES: tuple[str, ...] = (
    "az_complexity", "az_expressivity", "az_progressivity", "az_trainability", "epe_nas", "fisher", "flops",
    "grad_norm", "gradsign", "grasp", "jacob_cov", "knas", "l2_norm", "lga", "linear_regions", "logsynflow",
    "meco", "meco_opt", "nasi", "naswot", "naswot_euclid", "ntk_cond", "params", "plain", "snip", "swap",
    "swap_reg", "synflow", "zen", "zico",
)

#: The frozen choice of :func:`select_ranker` on the selection split (all 30 candidates scored on the 1,000
#: architectures of ``random:1000 --seed 0``, CIFAR-10 batch of 64, seed 0; Spearman 0.940 there; see
#: docs/heuristics.md).
RANKER_MEMBERS: tuple[str, ...] = ("meco", "meco_opt")
RANKER_RULE: str = "log_rank"
#: The union of the members' needs (a test checks it against the registry).
RANKER_NEEDS: tuple[str, ...] = ("data",)
#: Whether every member is canonical-invariant (a test checks it against the registry).
RANKER_INVARIANT: bool = True
DEFAULT_REFERENCE_SIZE = 50


def _check_rule(rule: str) -> None:
    if rule not in RULES:
        raise UnknownName("rank aggregation rule", rule, RULES)


def _directions(members: Sequence[str], directions: Mapping[str, bool] | None) -> dict[str, bool]:
    given = dict(directions or {})
    return {m: given[m] if m in given else (HEURISTICS.get(m).higher_is_better if m in HEURISTICS else True)
            for m in members}


def oriented_matrix(scores: Scores, members: Sequence[str], keys: Sequence[Hashable],
                    directions: Mapping[str, bool]) -> np.ndarray:
    """(members x keys) scores turned higher-is-better, NaN as -inf (the worst)."""
    missing = [m for m in members if m not in scores]
    if missing:
        raise InvalidArgument(f"scores lack heuristic(s) {', '.join(missing)}; given: {', '.join(scores)}")
    m = np.array([metrics.oriented([scores[h][k] for k in keys], directions.get(h, True)) for h in members],
                 dtype=np.float64).reshape(len(members), len(keys))
    return np.where(np.isnan(m), -np.inf, m)


def aggregate_matrix(matrix: np.ndarray, rule: str) -> np.ndarray:
    """The rule applied to an oriented (members x archs) matrix; higher is better."""
    _check_rule(rule)
    if matrix.shape[1] == 0:
        return np.zeros(0)
    if rule == "copeland":
        # copeland_scores refuses NaN only; -inf compares as the worst score.
        return metrics.copeland_scores(matrix)
    ranks = np.array([metrics.average_ranks(r) for r in matrix])
    if rule == "mean_rank":
        return ranks.mean(axis=0)
    return np.log(ranks / matrix.shape[1]).sum(axis=0)


def aggregate_ranks(scores: Scores, members: Sequence[str], rule: str,
                    directions: Mapping[str, bool] | None = None) -> dict[Hashable, float]:
    """``{arch: value}`` of ``rule`` over ``members``' scores (``scores`` = {member: {arch: v}})."""
    members = tuple(members)
    if not members:
        raise InvalidArgument("a rank aggregation needs at least one member heuristic")
    keys = list(scores[members[0]]) if members[0] in scores else []
    m = oriented_matrix(scores, members, keys, _directions(members, directions))
    return dict(zip(keys, aggregate_matrix(m, rule).tolist()))


def ranker_scores(scores: Scores, directions: Mapping[str, bool] | None = None) -> dict[Hashable, float]:
    """The frozen ranker (:data:`RANKER_RULE` over :data:`RANKER_MEMBERS`) over a scored population."""
    return aggregate_ranks(scores, RANKER_MEMBERS, RANKER_RULE, directions)


# --- the selection protocol ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Selection:
    """The outcome of :func:`select_ranker`: members, rule, its Spearman on the selection split, and the
    greedy path of every rule (``[(rule, members, spearman), ...]``)."""

    members: tuple[str, ...]
    rule: str
    spearman: float
    path: tuple[tuple[str, tuple[str, ...], float], ...]


def select_ranker(scores: Scores, truth: Mapping[Hashable, float], *, pool: Sequence[str] | None = None,
                  rules: Sequence[str] = RULES, directions: Mapping[str, bool] | None = None,
                  max_members: int = 6, min_gain: float = 0.005) -> Selection:
    """Greedy forward selection on a selection split.

    For each rule: start from no member; repeatedly add the pool heuristic that most raises the Spearman
    correlation of the aggregate with ``truth``; stop when the best addition gains less than ``min_gain``
    or ``max_members`` are in.  The rule whose final set has the highest Spearman wins (ties: the earlier
    rule in ``rules``, then the smaller set).  Only the architectures of ``truth`` with a finite value count.
    """
    pool = tuple(h for h in (pool if pool is not None else CANDIDATES) if h in scores)
    if not pool:
        raise InvalidArgument(f"no pool heuristic has scores; given: {', '.join(scores)}")
    keys = [k for k in truth if math.isfinite(truth[k]) and all(k in scores[h] for h in pool)]
    if len(keys) < 3:
        raise InvalidArgument(f"the selection split needs at least 3 architectures scored by every pool "
                              f"heuristic with a finite truth, got {len(keys)}")
    y = np.array([truth[k] for k in keys], dtype=np.float64)
    full = oriented_matrix(scores, pool, keys, _directions(pool, directions))
    row = {h: i for i, h in enumerate(pool)}
    best: Selection | None = None
    path = []
    for rule in rules:
        _check_rule(rule)
        chosen: list[str] = []
        current = -math.inf
        while len(chosen) < max_members:
            trials = []
            for h in pool:
                if h in chosen:
                    continue
                agg = aggregate_matrix(full[[row[c] for c in (*chosen, h)]], rule)
                trials.append((metrics.spearman(agg, y), h))
            rho, h = max(trials, key=lambda t: (t[0] if math.isfinite(t[0]) else -math.inf, -pool.index(t[1])))
            if chosen and not rho - current >= min_gain:
                break
            chosen.append(h)
            current = rho
        path.append((rule, tuple(chosen), float(current)))
        if best is None or current > best.spearman:
            best = Selection(tuple(chosen), rule, float(current), ())
    assert best is not None
    return Selection(best.members, best.rule, best.spearman, tuple(path))


def selection_splits(space, n: int, *, seed: int = 11, splits: int = 2) -> list[list[int]]:
    """``splits`` disjoint lists of ``n`` canonical-class representatives (indices) of an enumerable space,
    in a seeded random order: split A (selection) first, then split B (reporting), ..."""
    reps = np.asarray(space.class_representatives())
    if n * splits > reps.size:
        raise InvalidArgument(f"{splits} splits of {n} need {n * splits} canonical classes; space "
                              f"{space.name!r} has {reps.size}")
    perm = np.random.default_rng(seed).permutation(reps)
    return [[int(i) for i in perm[s * n:(s + 1) * n]] for s in range(splits)]


# --- the per-architecture stand-in ------------------------------------------------------------------------
_REFERENCES = PerSpace()


def _member_values(ctx: ScoreContext) -> np.ndarray:
    return np.array([member_value(ctx, m) for m in RANKER_MEMBERS], dtype=np.float64)


def _sampled_values(ctx: ScoreContext) -> np.ndarray:
    # The reference sample's members are scored on the sampled architectures themselves (a fixed draw, the
    # same in every run), not on their classes' representatives.
    return np.array([evaluate(HEURISTICS.get(m), ctx).value for m in RANKER_MEMBERS], dtype=np.float64)


def reference_values(ctx: ScoreContext, size: int) -> np.ndarray:
    """(members x size) scores of a seeded reference sample of ``ctx.space`` (cached per context)."""
    shape = None if ctx.inputs is None else tuple(ctx.inputs.shape)
    cache = _REFERENCES.of(ctx.space)
    key = (size, ctx.seed, shape, ctx.num_classes, ctx.dataset, tuple(sorted(ctx.model_kwargs.items())))
    if key not in cache:
        rng = np.random.default_rng(ctx.seed)
        cols = [_sampled_values(ScoreContext(arch=ctx.space.sample(rng), space=ctx.space, inputs=ctx.inputs,
                                            targets=ctx.targets, num_classes=ctx.num_classes, seed=ctx.seed,
                                            dataset=ctx.dataset, extras=ctx.extras,
                                            model_kwargs=ctx.model_kwargs)) for _ in range(size)]
        cache[key] = np.array(cols, dtype=np.float64).T.reshape(len(RANKER_MEMBERS), size)
    return cache[key]


def score_against_reference(mine: np.ndarray, ref: np.ndarray, rule: str,
                            directions: Sequence[bool]) -> float:
    """The rule for one architecture (member scores ``mine``) among the reference sample (``ref``, members x
    size) and itself: the arch's own term of the population aggregate, normalised by the population size."""
    _check_rule(rule)
    sign = np.where(np.asarray(directions, dtype=bool), 1.0, -1.0)
    v = np.nan_to_num(mine * sign, nan=-np.inf)
    r = np.where(np.isnan(ref), -np.inf, ref * sign[:, None])
    n = r.shape[1] + 1
    if rule == "copeland":
        net = (np.sign(v[:, None] - r) if np.isfinite(v).all() and np.isfinite(r).all()
               else np.where(v[:, None] > r, 1.0, np.where(v[:, None] < r, -1.0, 0.0))).sum(axis=0)
        return float(np.sign(net).sum() / (n - 1))
    ranks = 1.0 + (r < v[:, None]).sum(axis=1) + 0.5 * (r == v[:, None]).sum(axis=1)
    return float(np.mean(ranks / n)) if rule == "mean_rank" else float(np.log(ranks / n).sum())


_MEMBER_LIST = ", ".join(RANKER_MEMBERS)
RANKER_DESCRIPTION = (f"Training-free ranker: {RANKER_RULE} over {_MEMBER_LIST}, one architecture ranked against a "
                      "seeded reference sample of its space (the population form is the combination 'ranker'); "
                      "higher is better")
RANKER_REFERENCE = f"archrank: {RANKER_RULE} rank aggregation of {_MEMBER_LIST}, chosen on an NB201 selection split"


@register_heuristic("ranker", needs=RANKER_NEEDS, canonical_invariant=RANKER_INVARIANT, domains=("image",),
                    reference=RANKER_REFERENCE, description=RANKER_DESCRIPTION)
def ranker(ctx: ScoreContext) -> float:
    """The frozen rule over the frozen members, ranked against a seeded reference sample of the space."""
    size = int(ctx.extras.get("ranker_reference_size", DEFAULT_REFERENCE_SIZE))
    if size < 1:
        raise InvalidArgument(f"ranker_reference_size must be >= 1, got {size}")
    ref = reference_values(ctx, size)
    dirs = [HEURISTICS.get(m).higher_is_better for m in RANKER_MEMBERS]
    return score_against_reference(_member_values(ctx), ref, RANKER_RULE, dirs)


__all__ = ["CANDIDATES", "RANKER_MEMBERS", "RANKER_RULE", "RULES", "Selection", "aggregate_matrix",
           "aggregate_ranks", "ranker", "ranker_scores", "score_against_reference", "select_ranker",
           "selection_splits"]
