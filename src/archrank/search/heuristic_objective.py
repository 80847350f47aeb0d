"""A heuristic as a search objective: stored scores first, live scoring for the rest, costs charged.

Scores come from a store of real scoring runs (charged at the seconds measured when they were computed) or
are computed live by the run layer's :class:`~archrank.run.Scorer` (charged at the seconds measured now,
and written to the store when one is given).  A live score equals the stored one of the same
:class:`~archrank.run.ScoreSetting`: both contexts are built by :func:`archrank.run.score_context`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Hashable

from archrank.errors import DataError, InvalidArgument
from archrank.run.setting import DEFAULT_BATCH_SIZE, DEFAULT_DATASET, DEFAULT_SEED, ScoreSetting
from archrank.search.base import HEURISTIC
from archrank.search.objectives import Evaluation, Objective

__all__ = ["HeuristicObjective", "heuristic_objective", "live_scorer", "store_writer", "stored_scores"]


class HeuristicObjective(Objective):
    """A heuristic as an objective: value = score (negated if lower is better), cost = measured seconds.

    ``cached`` maps the architecture's string to ``(score, seconds)`` from real scoring runs (see
    :func:`stored_scores`); ``live`` computes a missing one and returns ``(score, seconds)`` (see
    :func:`live_scorer`).  With neither available for an architecture, evaluation fails with a clear
    error: a score is never invented.  ``stats`` counts stored and live evaluations; ``setting`` is the
    score setting used, when known.
    """

    fidelity = HEURISTIC

    def __init__(
        self,
        *,
        space,
        name: str,
        higher_is_better: bool = True,
        cached: dict[str, tuple[float, float]] | None = None,
        live: Callable[[Hashable], tuple[float, float]] | None = None,
        on_live: Callable[[Hashable, float, float], None] | None = None,
        setting: ScoreSetting | None = None,
    ):
        self.space = space
        self.name = name
        self.higher_is_better = higher_is_better
        self.cached = cached if cached is not None else {}
        self.live = live
        self.on_live = on_live
        self.setting = setting
        self.stats = {"stored": 0, "live": 0}

    def evaluate(self, arch: Hashable) -> Evaluation:
        key = self.space.format(arch)
        hit = self.cached.get(key)
        if hit is not None:
            self.stats["stored"] += 1
            value, seconds = hit
        elif self.live is not None:
            value, seconds = self.live(arch)
            self.stats["live"] += 1
            self.cached[key] = (value, seconds)
            if self.on_live is not None:
                self.on_live(arch, value, seconds)
        else:
            raise DataError(
                f"no stored {self.name!r} score for {key!r} and live scoring is off; "
                "score the architectures first (a scoring run into the store) or allow live scoring"
            )
        v = float(value) if self.higher_is_better else -float(value)
        return Evaluation(v, float(seconds))


def stored_scores(store, heuristic: str, setting: ScoreSetting | None = None, *,
                  space: str | None = None) -> tuple[dict[str, tuple[float, float]], ScoreSetting | None]:
    """``arch -> (value, seconds)`` of the stored ``heuristic`` scores of one setting, and that setting.

    With ``setting=None`` the store must hold exactly one setting (dataset, batch size, seed) of
    ``heuristic`` in ``space``; several raise an error naming them.  Records without measured seconds
    are skipped with a warning (they cannot be charged); failed computations are kept as NaN.
    """
    if setting is not None:
        recs = store.scores(heuristic=heuristic, **setting.key)
    else:
        recs = store.scores(space=space, heuristic=heuristic)
        settings = sorted({(r.dataset, r.batch_size, r.seed) for r in recs})
        if len(settings) > 1:
            raise InvalidArgument(
                f"the store holds {heuristic!r} scores for several settings; choose one of (dataset, batch size, "
                "seed): " + ", ".join(map(str, settings))
            )
        if settings:
            d, b, s = settings[0]
            setting = ScoreSetting(space, dataset=d, batch_size=b, seed=s)
    out: dict[str, tuple[float, float]] = {}
    skipped = 0
    for r in recs:
        if r.seconds is None or not math.isfinite(r.seconds):
            skipped += 1
            continue
        out[r.arch] = (float(r.value), float(r.seconds))
    if skipped:
        warnings.warn(f"{skipped} stored {heuristic!r} scores have no measured seconds; "
                      "they are not used (their cost cannot be charged)", stacklevel=2)
    return out, setting


def live_scorer(space, heuristic: str, setting: ScoreSetting, *,
                supernet: str | None = None) -> Callable[[Hashable], tuple[float, float]]:
    """A function ``arch -> (score, seconds)`` computing ``heuristic`` as a scoring run of ``setting`` does
    (:class:`archrank.run.Scorer`: the same batch, loaded once on first use, and the same context)."""
    from archrank.run import Scorer

    return Scorer(setting, heuristic, space=space, supernet=supernet)


def store_writer(store, setting: ScoreSetting, heuristic: str) -> Callable[[Hashable, float, float], None]:
    """``on_live`` callback writing a live score to ``store`` as a computed record of ``setting``."""
    from archrank.run.selection import identities
    from archrank.spaces import get_space
    from archrank.store import ScoreRecord

    space = get_space(setting.space)

    def write(arch: Hashable, value: float, seconds: float) -> None:
        ids = identities(space, [arch])
        store.put_archs(space.name, ids)
        k = setting.key
        store.put_scores([ScoreRecord(k["space"], ids[0][0], heuristic, k["dataset"], k["batch_size"], k["seed"],
                                      float(value), float(seconds))])

    return write


def heuristic_objective(space, heuristic: str, *, store=None, live: bool = True, dataset: str | None = None,
                        batch_size: int | None = None, seed: int | None = None, data_dir: str | None = None,
                        supernet: str | None = None, device: str = "cpu") -> HeuristicObjective:
    """The heuristic objective of a search: stored scores of ``store`` first, live scoring for the rest.

    The score setting is (dataset, batch size, seed); each left ``None`` is taken from the store when it
    holds exactly one setting of ``heuristic``, else the run layer's defaults.  Live scores are written
    back to the store; ``device`` is where live scoring runs (auto, cpu, cuda, cuda:N).
    """
    from archrank.heuristics import HEURISTICS

    h = HEURISTICS.get(heuristic)
    cached: dict[str, tuple[float, float]] = {}
    found: ScoreSetting | None = None
    asked = ScoreSetting(space.name, dataset=dataset or DEFAULT_DATASET,
                         batch_size=DEFAULT_BATCH_SIZE if batch_size is None else batch_size,
                         seed=DEFAULT_SEED if seed is None else seed, data_dir=data_dir, device=device)
    if store is not None:
        if dataset is None and batch_size is None and seed is None:
            cached, found = stored_scores(store, heuristic, space=space.name)
        else:
            cached, found = stored_scores(store, heuristic, asked)
    setting = asked if found is None else found.replace(data_dir=data_dir, device=device)
    scorer = live_scorer(space, heuristic, setting, supernet=supernet) if live else None
    writer = store_writer(store, setting, heuristic) if (store is not None and live) else None
    return HeuristicObjective(space=space, name=heuristic, higher_is_better=h.higher_is_better, cached=cached,
                              live=scorer, on_live=writer, setting=setting)
