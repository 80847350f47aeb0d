"""Rank consistency of stored heuristic scores against a benchmark table (data first, for ``correlate``).

:func:`paired_scores` joins a store's scores with a benchmark column, one :class:`Paired` per heuristic;
:func:`consistency_table` turns them into the figures ``archrank correlate`` prints, including ``vote`` (the
majority vote of snip, synflow and jacob_cov) when all three are present.  :func:`on_common_archs` keeps,
for every heuristic, only the architectures every heuristic has a stored score for (failures included, so a
failure is counted as excluded, not silently shrinking one heuristic's set), so that the figures compare
like with like; ``correlate`` does this unless asked for ``--all-archs``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from archrank.benchmarks.table import BenchmarkTable
from archrank.errors import InvalidArgument
from archrank.heuristics.aggregate import VOTE_MEMBERS, pairwise_agreement, vote_scores
from archrank.metrics import oriented, rank_consistency, usable
from archrank.store.base import Store


@dataclass
class Paired:
    """One heuristic's stored scores next to the benchmark metric (only archs found in the table)."""

    heuristic: str
    higher_is_better: bool
    archs: list[str]
    scores: np.ndarray  # as stored (not oriented); NaN for failures
    metric: np.ndarray
    seconds: list[float]  # measured seconds of the records that were computed (not copied)
    n_failed: int = 0
    n_missing: int = 0  # stored archs the table does not hold
    space: str = ""  # the space the scores belong to
    failed_archs: frozenset[str] = field(default_factory=frozenset)  # archs whose stored score is a failure
    n_left_out: int = 0  # archs dropped by on_common_archs


def on_common_archs(paired: dict[str, Paired]) -> dict[str, Paired]:
    """Every heuristic restricted to the architectures all of ``paired`` hold (``n_left_out`` says how many
    each lost).  One heuristic, or none, is returned as is; no common architecture at all is an error."""
    if len(paired) < 2:
        return paired
    common = set.intersection(*(set(p.archs) for p in paired.values()))
    if not common:
        sizes = ", ".join(f"{h} ({len(p.archs)} in {p.space or '?'})" for h, p in sorted(paired.items()))
        raise InvalidArgument(f"no architecture was scored by every heuristic ({sizes}); compare fewer "
                              "heuristics, or each on its own architectures (all_archs)", parameter="all_archs")
    out = {}
    for h, p in paired.items():
        keep = [i for i, a in enumerate(p.archs) if a in common]
        archs = [p.archs[i] for i in keep]
        out[h] = replace(p, archs=archs, scores=p.scores[keep], metric=p.metric[keep],
                         n_failed=len(p.failed_archs & common), failed_archs=p.failed_archs & common,
                         n_left_out=len(p.archs) - len(keep))
    return out


def _settings(store: Store, filters: dict) -> dict[str, set[tuple]]:
    out: dict[str, set[tuple]] = {}
    for r in store.scores(**filters):
        out.setdefault(r.heuristic, set()).add((r.space, r.dataset, r.batch_size, r.seed))
    return out


def _stored_name(name: str, stored: Iterable[str]) -> str:
    """``name`` as stored: itself, or the one stored ``name@<resource hash>`` (``weight_sharing@3f2a...``, see
    :func:`archrank.run.context.stored_heuristic`); several such names are an error listing them."""
    stored = list(stored)
    if name in stored:
        return name
    qualified = sorted(s for s in stored if s.startswith(name + "@"))
    if len(qualified) > 1:
        raise InvalidArgument(f"heuristic {name!r} is stored for several resources ({', '.join(qualified)}); "
                              "name one of them", parameter="heuristics")
    return qualified[0] if qualified else name


def paired_scores(
    store: Store,
    table: BenchmarkTable,
    metric: str,
    *,
    space: str | None = None,
    dataset: str | None = None,
    batch_size: int | None = None,
    seed: int | None = None,
    heuristics: list[str] | None = None,
) -> dict[str, Paired]:
    """Scores of every (or the named) heuristic in ``store`` joined with ``metric`` of ``table``.

    A heuristic scored under several settings (space, data set, batch size, seed) needs filters to pick one.
    """
    table.values(metric)  # unknown or non-numeric column: fail before anything else
    filters = {"space": space, "dataset": dataset, "batch_size": batch_size, "seed": seed}
    settings = _settings(store, filters)
    if heuristics:
        heuristics = [_stored_name(h, settings) for h in heuristics]
        missing = [h for h in heuristics if h not in settings]
        if missing:
            from archrank.errors import UnknownName

            raise UnknownName("heuristic in the store", missing[0], sorted(settings))
        settings = {h: settings[h] for h in heuristics}
    if not settings:
        raise InvalidArgument(f"the store holds no scores{_describe(filters)}")
    for h, s in settings.items():
        if len(s) > 1:
            choices = "; ".join(f"space={a} dataset={b} batch_size={c} seed={d}" for a, b, c, d in sorted(s))
            raise InvalidArgument(f"heuristic {h!r} was scored under several settings; pick one with the filters "
                                  f"space, dataset, batch_size, seed: {choices}", parameter="space")
    info = store.heuristic_info()
    out: dict[str, Paired] = {}
    for h in sorted(settings):
        (sp, ds, bs, sd), = settings[h]
        indices = {a: i for a, (_, i) in store.archs(sp).items()}
        hib = _direction(h, info)
        archs, scores, metric_vals, seconds = [], [], [], []
        failed = missing = 0
        failed_archs = set()
        values = table.values(metric)
        for r in store.scores(space=sp, heuristic=h, dataset=ds, batch_size=bs, seed=sd):
            if r.computed and r.seconds is not None:
                seconds.append(r.seconds)
            row = _row(table, r.arch, indices.get(r.arch))
            if row is None:
                missing += 1
                continue
            if r.error is not None:
                failed += 1
                failed_archs.add(r.arch)
            archs.append(r.arch)
            scores.append(r.value)
            metric_vals.append(values[row])
        out[h] = Paired(h, hib, archs, np.array(scores, dtype=np.float64), np.array(metric_vals, dtype=np.float64),
                        seconds, failed, missing, sp, frozenset(failed_archs))
    return out


def _describe(filters: dict) -> str:
    given = [f"{k}={v}" for k, v in filters.items() if v is not None]
    return f" for {', '.join(given)}" if given else ""


def _row(table: BenchmarkTable, arch: str, index: int | None) -> int | None:
    for key in (arch, index):
        if key is not None and table.has(key):
            return table.row(key)
    return None


def _direction(name: str, info: dict) -> bool:
    if name in info:
        return info[name].higher_is_better
    from archrank.heuristics import HEURISTICS

    if name in HEURISTICS:
        return HEURISTICS.get(name).higher_is_better
    warnings.warn(f"direction of heuristic {name!r} is unknown; assuming higher is better", stacklevel=3)
    return True


def consistency_table(paired: dict[str, Paired], *, top_frac: float = 0.1, vote: bool = True) -> dict[str, dict]:
    """``{heuristic: {spearman, kendall, top10, pairwise, n, n_excluded, n_failed, n_missing,
    seconds_per_arch}}``, plus ``vote`` when snip, synflow and jacob_cov are all present.

    ``n`` counts architectures used (finite score and metric); ``n_excluded`` those dropped for a
    non-finite score or metric (failures included, also counted in ``n_failed``); ``seconds_per_arch`` is
    the mean measured seconds over the architectures actually computed (canonical duplicates share the
    cost of the one computation).
    """
    out: dict[str, dict] = {}
    for h, p in paired.items():
        row = rank_consistency(p.scores, p.metric, higher_is_better=p.higher_is_better, top_frac=top_frac)
        row.update(n_failed=p.n_failed, n_missing=p.n_missing, n_left_out=p.n_left_out,
                   seconds_per_arch=float(np.mean(p.seconds)) if p.seconds else math.nan)
        out[h] = row
    if vote and all(m in paired for m in VOTE_MEMBERS):
        out["vote"] = vote_row([paired[m] for m in VOTE_MEMBERS], top_frac=top_frac)
    if vote:
        out.update(combination_rows(paired, top_frac=top_frac, skip=set(out)))
    return out


def combination_rows(paired: dict[str, Paired], *, top_frac: float = 0.1, skip: set[str] = frozenset()
                     ) -> dict[str, dict]:
    """A row for every registered population-relative combination (e.g. ``te_nas``) whose members are all
    in ``paired``, over the architectures every member scored finitely (names in ``skip`` are left out).
    A combination named like a stored heuristic (``ranker``, whose per-architecture stand-in is registered
    under the same name) gets the row ``<name> (combination)``."""
    try:
        from archrank.heuristics.combinations import COMBINATIONS
    except ImportError:  # pragma: no cover - the combinations are optional
        return {}
    out: dict[str, dict] = {}
    for name in COMBINATIONS.names():
        comb = COMBINATIONS.get(name)
        row_name = f"{name} (combination)" if name in paired else name
        if row_name in skip or not all(m in paired for m in comb.members):
            continue
        members = [paired[m] for m in comb.members]
        archs, matrix, metric = vote_inputs(members)
        if not archs:
            continue
        scores = {m: dict(zip(archs, row.tolist())) for m, row in zip(comb.members, matrix)}
        values = comb.scores(scores, {m: True for m in comb.members})
        row = rank_consistency(np.array([values[a] for a in archs], dtype=np.float64), metric, top_frac=top_frac)
        all_archs = set().union(*(p.archs for p in members))
        row.update(n_excluded=len(all_archs) - len(archs), n_failed=max(p.n_failed for p in members),
                   n_missing=max(p.n_missing for p in members),
                   seconds_per_arch=float(sum(np.mean(p.seconds) if p.seconds else math.nan for p in members)))
        out[row_name] = row
    return out


def vote_inputs(members: list[Paired]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Architectures every member scored finitely (and the metric holds), the oriented score matrix
    (members x archs) and the metric."""
    common = None
    for p in members:
        ok = {a for a, s, m in zip(p.archs, p.scores, p.metric) if usable(s) and usable(m)}
        common = ok if common is None else common & ok
    archs = sorted(common or ())
    matrix = np.array([oriented([dict(zip(p.archs, p.scores))[a] for a in archs], p.higher_is_better)
                       for p in members]).reshape(len(members), len(archs))
    metric = np.array([dict(zip(members[0].archs, members[0].metric))[a] for a in archs], dtype=np.float64)
    return archs, matrix, metric


def vote_row(members: list[Paired], *, top_frac: float = 0.1) -> dict:
    """Rank consistency of the Copeland ranking of a majority vote, and the vote's pairwise agreement."""
    archs, matrix, metric = vote_inputs(members)
    copeland, agreement = vote_of_matrix(matrix, metric)
    row = rank_consistency(copeland, metric, top_frac=top_frac)
    all_archs = set().union(*(p.archs for p in members))
    row.update(pairwise=agreement, n_excluded=len(all_archs) - len(archs), n_failed=max(p.n_failed for p in members),
               n_missing=max(p.n_missing for p in members),
               seconds_per_arch=float(sum(np.mean(p.seconds) if p.seconds else math.nan for p in members)))
    return row


def vote_of_matrix(matrix: np.ndarray, metric: np.ndarray) -> tuple[np.ndarray, float]:
    """Copeland scores and the vote's pairwise agreement (:mod:`archrank.heuristics.aggregate`; the rows of
    ``matrix`` are already oriented higher-is-better)."""
    if matrix.shape[1] == 0:
        return np.zeros(0), math.nan
    members = [f"m{i}" for i in range(matrix.shape[0])]
    scores = {m: dict(enumerate(row.tolist())) for m, row in zip(members, matrix)}
    vote = vote_scores(scores, members=members)
    agreement = pairwise_agreement(scores, dict(enumerate(metric.tolist())), members=members)
    return np.array([vote[i] for i in range(matrix.shape[1])]), float(agreement)
