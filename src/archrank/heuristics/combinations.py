"""Population-relative heuristics: scores that exist only over a set of scored architectures.

Some published heuristics are not a function of one architecture: TE-NAS (Chen et al., ICLR 2021) ranks the
candidates by the NTK condition number and by the number of linear regions and adds the two ranks.  Such a
combination cannot be stored per architecture (its value changes when the population does), so it is not
a :class:`~archrank.heuristics.base.Heuristic`.  It is a :class:`Combination` in ``COMBINATIONS``: a name,
its member heuristics, and ``fn(scores, directions) -> {arch: value}`` (higher is better), computed from the
members' stored scores wherever a population is ranked (``archrank correlate`` adds a row for each
combination whose members are all present, as it does for ``vote``).

* ``te_nas``: mean of the (tie-averaged) ranks of ``ntk_cond`` (lower is better) and ``linear_regions``
  (higher is better), through :func:`archrank.heuristics.aggregate.rank_aggregate`; equal, up to a
  constant factor and the orientation, to TE-NAS's sum of ranks.
* ``az_nas_rank``: AZ-NAS as in the paper (Lee & Ham, CVPR 2024): the sum over ``az_expressivity``,
  ``az_progressivity``, ``az_trainability`` and ``az_complexity`` of log(rank / n), ranks ascending over the
  population (:func:`archrank.heuristics.az_nas.az_nas_aggregate`).  The registered per-architecture
  ``az_nas`` heuristic is its stand-in against a fixed reference sample.
* ``ranker``: the training-free ranker of :mod:`archrank.heuristics.ranker` (its frozen members and rule).
* ``vote``: the snip / synflow / jacob_cov majority vote of Abdelfattah et al. 2021
  (:func:`archrank.heuristics.aggregate.vote_scores`), listed here so that one registry names every
  combination; ``correlate`` reports it with its pairwise agreement.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

from archrank.heuristics import aggregate
from archrank.heuristics.ranker import RANKER_MEMBERS, RANKER_RULE
from archrank.registry import Registry

ScoreFn = Callable[[aggregate.Scores, Mapping[str, bool]], dict[Hashable, float]]


@dataclass(frozen=True)
class Combination:
    """A heuristic computed over a population from the stored scores of its ``members``."""

    name: str
    members: tuple[str, ...]
    fn: ScoreFn
    description: str = ""
    reference: str = ""
    higher_is_better: bool = True
    #: how the members' scores are combined, one of :data:`RULE_NAMES`' keys (the rank rules of
    #: :mod:`archrank.heuristics.ranker`: ``mean_rank``, ``log_rank``, ``copeland``)
    rule: str = ""

    def scores(self, scores: aggregate.Scores, directions: Mapping[str, bool] | None = None
               ) -> dict[Hashable, float]:
        """``{arch: value}`` for the architectures every member scored (``scores`` = {member: {arch: v}})."""
        return self.fn(scores, dict(directions or {}))


COMBINATIONS: Registry[Combination] = Registry("combination")

#: The combination rules in words (ranks over the population, each member oriented higher-is-better).
RULE_NAMES: dict[str, str] = {
    "mean_rank": "mean of the members' tie-averaged ranks",
    "log_rank": "sum over members of log(rank / n), ranks ascending (1 = worst)",
    "copeland": "Copeland score of the members' pairwise majority vote (wins - losses)",
}

TE_NAS_MEMBERS: tuple[str, ...] = ("ntk_cond", "linear_regions")
AZ_NAS_MEMBERS: tuple[str, ...] = ("az_expressivity", "az_progressivity", "az_trainability", "az_complexity")
_TE_NAS_DIRECTIONS = {"ntk_cond": False, "linear_regions": True}


def te_nas_scores(scores: aggregate.Scores, directions: Mapping[str, bool] | None = None
                  ) -> dict[Hashable, float]:
    """TE-NAS rank combination: mean rank of ntk_cond (lower better) and linear_regions (higher better);
    higher is better.  ``directions`` may override the members' directions."""
    d = {**_TE_NAS_DIRECTIONS, **{k: v for k, v in (directions or {}).items() if k in TE_NAS_MEMBERS}}
    return aggregate.rank_aggregate(scores, d, members=TE_NAS_MEMBERS)


def az_nas_rank_scores(scores: aggregate.Scores, directions: Mapping[str, bool] | None = None
                       ) -> dict[Hashable, float]:
    """AZ-NAS's aggregation over a scored population: sum of log(rank / n) of its four parts (all higher
    is better unless ``directions`` says otherwise); higher is better."""
    from archrank.heuristics.az_nas import PARTS, az_nas_aggregate

    d = directions or {}
    return az_nas_aggregate({p: {k: (v if d.get(p, True) else -v) for k, v in scores[p].items()}
                             for p in PARTS if p in scores})


def _ranker(scores: aggregate.Scores, directions: Mapping[str, bool]) -> dict[Hashable, float]:
    from archrank.heuristics.ranker import ranker_scores

    return ranker_scores(scores, directions)


def _vote(scores: aggregate.Scores, directions: Mapping[str, bool]) -> dict[Hashable, float]:
    return aggregate.vote_scores(scores, directions, members=aggregate.VOTE_MEMBERS)


COMBINATIONS.register("te_nas", Combination(
    "te_nas", TE_NAS_MEMBERS, te_nas_scores,
    description="mean rank of the NTK condition number (lower better) and the number of linear regions "
                "(higher better) over the scored population (TE-NAS); higher is better",
    reference="Chen et al., ICLR 2021", rule="mean_rank"))
COMBINATIONS.register("az_nas_rank", Combination(
    "az_nas_rank", AZ_NAS_MEMBERS, az_nas_rank_scores,
    description="AZ-NAS as in the paper: sum of log(rank/n) of az_expressivity, az_progressivity, "
                "az_trainability and az_complexity over the scored population; higher is better",
    reference="Lee & Ham, CVPR 2024", rule="log_rank"))
COMBINATIONS.register("ranker", Combination(
    "ranker", RANKER_MEMBERS, _ranker,
    description=f"training-free ranker: {RANKER_RULE} over {', '.join(RANKER_MEMBERS)} (members and rule "
                "chosen on an NB201 selection split, then frozen); higher is better",
    reference="archrank (docs/heuristics.md, 'The training-free ranker')", rule=RANKER_RULE))
COMBINATIONS.register("vote", Combination(
    "vote", aggregate.VOTE_MEMBERS, _vote,
    description="Copeland score of the snip / synflow / jacob_cov pairwise majority vote; higher is better",
    reference="Abdelfattah et al., ICLR 2021", rule="copeland"))


__all__ = ["AZ_NAS_MEMBERS", "COMBINATIONS", "RULE_NAMES", "TE_NAS_MEMBERS", "Combination", "az_nas_rank_scores", "te_nas_scores"]
