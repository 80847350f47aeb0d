"""Combined heuristics as rows of the rank-consistency table (``archrank correlate --combine``).

A combination is written ``KIND`` or ``KIND:h1,h2,...``:

* ``vote`` (default members snip, synflow, jacob_cov): the Copeland ranking of the members' pairwise
  majority vote (:func:`archrank.heuristics.aggregate.vote_scores`); its ``pairwise`` is the vote's own
  pairwise agreement;
* ``mean_rank`` (default: every heuristic of the table): the mean of the members' ranks
  (:func:`~archrank.heuristics.aggregate.rank_aggregate`);
* ``fit`` (default naswot, synflow, jacob_cov): the combined heuristic
  (:func:`~archrank.heuristics.aggregate.combined_scores`) fitted on a *separate* fit sample whose scores
  and ground truth are given (``fit``: :class:`Paired` of another store); fit architectures sharing a
  canonical class with an evaluated one are dropped, so no evaluated ground truth is used.

Each combination is evaluated on the architectures every member scored (non-NaN) and the table holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from archrank.errors import InvalidArgument, UnknownName
from archrank.heuristics.aggregate import COMBINED_PROXIES, VOTE_MEMBERS, combined_scores, rank_aggregate
from archrank.metrics import rank_consistency
from archrank.registry import name_list
from archrank.report.consistency import Paired, vote_inputs, vote_of_matrix

KINDS = ("vote", "mean_rank", "fit")


@dataclass(frozen=True)
class Combination:
    """``kind`` (vote, mean_rank, fit) over ``members`` (empty: the kind's default)."""

    kind: str
    members: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.kind if not self.members else f"{self.kind}({','.join(self.members)})"

    def resolve(self, available: list[str]) -> tuple[str, ...]:
        """The members, defaults filled in from ``available`` (the heuristics of the table)."""
        if self.members:
            return self.members
        if self.kind == "vote":
            return VOTE_MEMBERS
        if self.kind == "fit":
            return COMBINED_PROXIES
        return tuple(available)


def parse_combination(spec: str) -> Combination:
    """``"vote"``, ``"mean_rank:naswot,synflow"``, ``"fit:naswot,synflow,jacob_cov"``, ..."""
    kind, _, rest = str(spec).strip().partition(":")
    kind = kind.strip()
    if kind not in KINDS:
        raise UnknownName("combination", kind, KINDS)
    members = tuple(name_list(rest, what="heuristic", parameter="combine"))
    if rest and not members:
        raise InvalidArgument(f"combination {spec!r} names no heuristic after ':'", parameter="combine")
    if kind == "vote" and members and len(members) < 2:
        raise InvalidArgument(f"a vote needs at least two heuristics, got {spec!r}", parameter="combine")
    return Combination(kind, members)


def combined_row(paired: dict[str, Paired], combination: Combination | str, *, top_frac: float = 0.1,
                 fit: dict[str, Paired] | None = None, fit_n: int = 0, fit_seed: int = 1) -> dict:
    """One row (the keys of :func:`~archrank.report.consistency.consistency_table`) for ``combination``.

    ``fit`` holds the fit sample's paired scores (needed by ``fit``; its ``metric`` is the ground truth used
    for fitting); ``fit_n`` > 0 keeps the first ``fit_n`` fit architectures; ``fit_seed`` seeds the
    cross-validation of the fitted model.
    """
    combo = parse_combination(combination) if isinstance(combination, str) else combination
    members = combo.resolve(sorted(paired))
    missing = [m for m in members if m not in paired]
    if missing:
        raise InvalidArgument(f"combination {combo.name!r} needs scores of {', '.join(missing)}; the table has "
                              f"{', '.join(sorted(paired))}", parameter="combine")
    ps = [paired[m] for m in members]
    archs, matrix, metric = vote_inputs(ps)  # common non-NaN archs, oriented scores (members x archs)
    pairwise = None
    if combo.kind == "vote":
        values, pairwise = vote_of_matrix(matrix, metric)
    elif combo.kind == "mean_rank":
        scores = {m: dict(zip(archs, row.tolist())) for m, row in zip(members, matrix)}
        agg = rank_aggregate(scores, members=members) if archs else {}
        values = np.array([agg[a] for a in archs])
    else:
        values = _fitted(ps, archs, matrix, members, fit, fit_n, fit_seed)
    row = rank_consistency(values, metric, top_frac=top_frac)
    if pairwise is not None:
        row["pairwise"] = pairwise
    all_archs = set().union(*(p.archs for p in ps))
    row.update(n_excluded=row["n_excluded"] + len(all_archs) - len(archs),
               n_failed=max(p.n_failed for p in ps), n_missing=max(p.n_missing for p in ps),
               seconds_per_arch=float(sum(np.mean(p.seconds) if p.seconds else math.nan for p in ps)))
    if combo.kind == "fit":
        row["n_fit"] = _fit_count(fit, members, fit_n)
    return row


def _fit_archs(fit: dict[str, Paired], members: tuple[str, ...], fit_n: int) -> tuple[list[str], np.ndarray,
                                                                                       np.ndarray]:
    fa, fm, ft = vote_inputs([fit[m] for m in members])
    order = {a: i for i, a in enumerate(fit[members[0]].archs)}  # the fit store's order
    keep = sorted(range(len(fa)), key=lambda i: order[fa[i]])
    if fit_n:
        keep = keep[:fit_n]
    return [fa[i] for i in keep], fm[:, keep], ft[keep]


def _fit_count(fit: dict[str, Paired] | None, members: tuple[str, ...], fit_n: int) -> int:
    return len(_fit_archs(fit, members, fit_n)[0]) if fit else 0


def _fitted(ps: list[Paired], archs: list[str], matrix: np.ndarray, members: tuple[str, ...],
            fit: dict[str, Paired] | None, fit_n: int, fit_seed: int) -> np.ndarray:
    from archrank.spaces import get_space

    if not fit:
        raise InvalidArgument("the fitted combination needs a fit sample: scores of other architectures with "
                              "known ground truth (a separate store)", parameter="fit_store")
    missing = [m for m in members if m not in fit]
    if missing:
        raise InvalidArgument(f"the fit sample lacks scores of {', '.join(missing)}", parameter="fit_store")
    space = get_space(ps[0].space)
    fa, fm, ft = _fit_archs(fit, members, fit_n)
    parse = space.parse
    keys = [parse(a) for a in archs]
    fkeys = [parse(a) for a in fa]
    ev = {m: dict(zip(keys, row.tolist())) for m, row in zip(members, matrix)}
    fit_scores = {m: dict(zip(fkeys, row.tolist())) for m, row in zip(members, fm)}
    fit_truth = dict(zip(fkeys, ft.tolist()))
    pred = combined_scores(ev, fit_scores, fit_truth, space=space, proxies=members, seed=fit_seed, keys=keys)
    return np.array([pred[k] for k in keys])


def add_combinations(result: dict[str, dict], paired: dict[str, Paired], specs, *,
                     fit: dict[str, Paired] | None = None, fit_n: int = 0, fit_seed: int = 1,
                     top_frac: float = 0.1) -> dict[str, dict]:
    """``result`` (a consistency table) with one row per combination of ``specs``, named
    :attr:`Combination.name`; returns ``result``."""
    for spec in specs:
        combo = parse_combination(spec) if isinstance(spec, str) else spec
        result[combo.name] = combined_row(paired, combo, top_frac=top_frac, fit=fit, fit_n=fit_n,
                                          fit_seed=fit_seed)
    return result


def fit_members(specs) -> list[str]:
    """The heuristics the ``fit`` combinations among ``specs`` need from the fit sample."""
    out: list[str] = []
    for spec in specs:
        combo = parse_combination(spec) if isinstance(spec, str) else spec
        if combo.kind == "fit":
            out += [m for m in combo.resolve([]) if m not in out]
    return out
