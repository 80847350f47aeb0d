"""A heuristic as a search objective: stored scores first, live scoring for the rest, costs charged.

Scores come from a store of real scoring runs or are computed live by the run layer's
:class:`~archrank.run.Scorer` (and written to the store when one is given).  A live score equals the stored
one of the same :class:`~archrank.run.ScoreSetting`: both contexts are built by
:func:`archrank.run.score_context`.

What a query is charged (``charge``):

* ``"stored"`` (the default, reproducible): a stored score is charged the seconds measured when it was
  computed, as the NB201 protocol charges a table's training time; a score computed live is charged the
  median stored seconds of the heuristic in the same setting, so the simulated budget does not depend on
  how busy the machine is now.  Given the same store, the same command charges the same.  With no stored
  seconds to take the median of, live scores are charged their measured seconds and ``stats["wall"]``
  counts them (the CLI says so).
* ``"wall"``: a live score is charged the seconds measured now (stored ones as above).
* a number: every query is charged that many seconds.
"""

from __future__ import annotations

import math
import statistics
import warnings
from collections.abc import Callable, Hashable

from archrank.errors import DataError, InvalidArgument
from archrank.run.setting import DEFAULT_BATCH_SIZE, DEFAULT_DATASET, DEFAULT_SEED, ScoreSetting
from archrank.search.base import HEURISTIC
from archrank.search.objectives import Evaluation, Objective

__all__ = ["CHARGES", "HeuristicObjective", "heuristic_objective", "live_scorer", "one_setting_scores", "parse_charge",
           "store_writer", "stored_scores"]

CHARGES = ("stored", "wall")


def parse_charge(charge: str | float) -> str | float:
    """``"stored"``, ``"wall"`` or a number of seconds >= 0 (given as a number or its text)."""
    if isinstance(charge, str) and charge.strip().lower() in CHARGES:
        return charge.strip().lower()
    try:
        value = float(charge)
    except (TypeError, ValueError):
        raise InvalidArgument(f"charge must be one of {', '.join(CHARGES)} or a number of seconds, got {charge!r}",
                              parameter="charge") from None
    if not (math.isfinite(value) and value >= 0):
        raise InvalidArgument(f"charge in seconds must be finite and >= 0, got {charge!r}", parameter="charge")
    return value


class HeuristicObjective(Objective):
    """A heuristic as an objective: value = score (negated if lower is better), cost = see ``charge``.

    ``cached`` maps the architecture's string to ``(score, seconds)`` from real scoring runs (see
    :func:`stored_scores`); ``live`` computes a missing one and returns ``(score, seconds)`` (see
    :func:`live_scorer`).  With neither available for an architecture, evaluation fails with a clear
    error: a score is never invented.  ``charge`` is ``"stored"``, ``"wall"`` or a number of seconds (see
    the module's docstring).  ``stats`` counts stored and live evaluations, and live ones charged at wall
    seconds (``"wall"``); ``setting`` is the score setting used, when known; ``nominal_seconds`` is what a
    live score is charged under ``"stored"`` (None when nothing was stored).
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
        charge: str | float = "stored",
    ):
        self.space = space
        self.name = name
        self.higher_is_better = higher_is_better
        self.cached = cached if cached is not None else {}
        self.live = live
        self.on_live = on_live
        self.setting = setting
        self.charge = parse_charge(charge)
        finite = [s for _, s in self.cached.values() if s is not None and math.isfinite(s)]
        self.nominal_seconds = statistics.median(finite) if finite else None
        self.stats = {"stored": 0, "live": 0, "wall": 0}

    def _live_cost(self, measured: float) -> float:
        if not isinstance(self.charge, str):
            return float(self.charge)
        if self.charge == "stored" and self.nominal_seconds is not None:
            return float(self.nominal_seconds)
        self.stats["wall"] += 1
        return float(measured)

    def evaluate(self, arch: Hashable) -> Evaluation:
        key = self.space.format(arch)
        hit = self.cached.get(key)
        if hit is not None:
            self.stats["stored"] += 1
            value, seconds = hit
            if not isinstance(self.charge, str):
                seconds = self.charge
        elif self.live is not None:
            value, measured = self.live(arch)
            self.stats["live"] += 1
            seconds = self._live_cost(measured)
            self.cached[key] = (value, seconds)  # a repeated query is charged the same
            if self.on_live is not None:
                self.on_live(arch, value, measured)  # the store keeps what was measured
        else:
            raise DataError(
                f"no stored {self.name!r} score for {key!r} and live scoring is off; "
                "score the architectures first (a scoring run into the store) or allow live scoring"
            )
        v = float(value) if self.higher_is_better else -float(value)
        return Evaluation(v, float(seconds))


def stored_scores(store, heuristic: str, setting: ScoreSetting | None = None, *, space: str | None = None,
                  unmeasured: str = "skip") -> tuple[dict[str, tuple[float, float]], ScoreSetting | None]:
    """``arch -> (value, seconds)`` of the stored ``heuristic`` scores of one setting, and that setting.

    With ``setting=None`` the store must hold exactly one setting (dataset, batch size, seed) of
    ``heuristic`` in ``space``; several raise an error naming them.  Failed computations are left out (a
    search computes them live, or stops).  Records without measured seconds: see :func:`one_setting_scores`.
    """
    if setting is not None:
        return _charged(store.scores(heuristic=heuristic, **setting.key), heuristic, unmeasured), setting
    out, found = one_setting_scores(store, heuristic, space=space, unmeasured=unmeasured)
    return out, (None if found is None else ScoreSetting(space, dataset=found[0], batch_size=found[1], seed=found[2]))


def one_setting_scores(store, heuristic: str, *, space: str | None = None, unmeasured: str = "skip"
                       ) -> tuple[dict[str, tuple[float, float]], tuple[str, int, int] | None]:
    """``arch -> (value, seconds)`` of the stored ``heuristic`` scores in ``space`` and their one setting
    ``(dataset, batch size, seed)`` (None when nothing is stored); several settings raise an error naming
    them.  Unlike :func:`stored_scores` the setting need not be one a scoring run can take (imported scores
    have batch size 0).

    Records without measured seconds (``unmeasured``): ``"skip"`` leaves them out with a warning (they
    cannot be charged their seconds), ``"keep"`` keeps them with NaN seconds (for a caller that charges a
    fixed cost per query), ``"error"`` raises a :class:`DataError`.
    """
    recs = store.scores(space=space, heuristic=heuristic)
    settings = sorted({(r.dataset, r.batch_size, r.seed) for r in recs})
    if len(settings) > 1:
        raise InvalidArgument(
            f"the store holds {heuristic!r} scores for several settings; choose one of (dataset, batch size, "
            "seed): " + ", ".join(map(str, settings)), parameter="heuristic"
        )
    return _charged(recs, heuristic, unmeasured), (settings[0] if settings else None)


def _charged(recs, heuristic: str, unmeasured: str) -> dict[str, tuple[float, float]]:
    if unmeasured not in ("skip", "keep", "error"):
        raise ValueError(f"unmeasured must be skip, keep or error, got {unmeasured!r}")
    out: dict[str, tuple[float, float]] = {}
    skipped = 0
    for r in recs:
        if r.error is not None:  # a stored failure is no score: the search computes it live (or stops)
            continue
        if r.seconds is None or not math.isfinite(r.seconds):
            if unmeasured == "error":
                raise DataError(f"stored {heuristic!r} scores have no measured seconds to charge; give a charge "
                                "in query units (e.g. 0)")
            skipped += 1
            if unmeasured == "keep":
                out[r.arch] = (float(r.value), math.nan)
            continue
        out[r.arch] = (float(r.value), float(r.seconds))
    if skipped and unmeasured == "skip":
        warnings.warn(f"{skipped} stored {heuristic!r} scores have no measured seconds; "
                      "they are not used (their cost cannot be charged)", stacklevel=3)
    return out


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
                                      float(value), float(seconds))], replace=True)  # over a stored failure

    return write


def heuristic_objective(space, heuristic: str, *, store=None, live: bool = True, dataset: str | None = None,
                        batch_size: int | None = None, seed: int | None = None, data_dir: str | None = None,
                        supernet: str | None = None, charge: str | float = "stored",
                        threads: int | None = None, device: str = "cpu") -> HeuristicObjective:
    """The heuristic objective of a search: stored scores of ``store`` first, live scoring for the rest.

    The score setting is (dataset, batch size, seed); each left ``None`` is taken from the store when it
    holds exactly one setting of ``heuristic``, else the run layer's defaults.  Live scores are written
    back to the store unless it is read-only (a precomputed table, ``table:NAME``).  ``charge``: ``"stored"`` (default), ``"wall"`` or seconds (module docstring).
    ``threads``: torch threads of a live score (default 1, as a scoring run, so that live and stored scores
    agree).  A heuristic that scores with a supernet reads and writes the scores of that supernet file
    (``supernet``; stored as ``weight_sharing@<its content hash>``).
    ``device`` is where live scoring runs (auto, cpu, cuda, cuda:N).  With live scoring the batch is read
    here (:meth:`~archrank.run.Scorer.check_inputs`; required when the store holds no score to use), so
    that bad data fails before the caller writes anything.
    """
    charge = parse_charge(charge)
    from archrank.heuristics import HEURISTICS
    from archrank.run.context import resource_extras, stored_heuristic

    h = HEURISTICS.get(heuristic)
    # weight_sharing is stored per supernet (weight_sharing@<hash>): read and write under that name
    name = stored_heuristic(heuristic, resource_extras([heuristic], supernet=supernet))
    cached: dict[str, tuple[float, float]] = {}
    found: ScoreSetting | None = None
    asked = ScoreSetting(space.name, dataset=dataset or DEFAULT_DATASET,
                         batch_size=DEFAULT_BATCH_SIZE if batch_size is None else batch_size,
                         seed=DEFAULT_SEED if seed is None else seed, data_dir=data_dir,
                         threads=1 if threads is None else threads, device=device)
    if store is not None:
        if dataset is None and batch_size is None and seed is None:
            cached, found = stored_scores(store, name, space=space.name)
        else:
            cached, found = stored_scores(store, name, asked)
    setting = asked if found is None else found.replace(data_dir=data_dir, threads=asked.threads, device=device)
    scorer = live_scorer(space, heuristic, setting, supernet=supernet) if live else None
    if scorer is not None:  # the data is read before a search writes: with nothing stored, every score is live
        scorer.check_inputs(required=not cached)
    # A read-only store (a precomputed table) keeps no live score: they are computed and used, not written.
    writable = store is not None and not getattr(store, "read_only", False)
    writer = store_writer(store, setting, name) if (writable and live) else None
    return HeuristicObjective(space=space, name=heuristic, higher_is_better=h.higher_is_better, cached=cached,
                              live=scorer, on_live=writer, setting=setting, charge=charge)
