"""Heuristic scores as predictor features: read from a store, the missing ones computed by a scoring run.

A store may hold a heuristic under several settings (data set, batch size, seed).  The setting is the one
given, else the store's only one; several raise an error naming them.  Failed computations are no score.
Missing scores of a registered heuristic are computed through :func:`archrank.run.run_scoring` (the same
run ``archrank score`` makes, so they land in the store with their measured seconds); scores imported from
elsewhere (``naslib:<proxy>``) cannot be computed and stay missing.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

from archrank.errors import InvalidArgument


def stored_heuristics(store, space: str) -> list[str]:
    """Every heuristic with at least one successful score of ``space`` in ``store``, sorted."""
    return sorted({r.heuristic for r in store.scores(space=space) if r.error is None})


def _setting_of(recs, heuristic: str, dataset, batch_size, seed) -> tuple[str, int, int] | None:
    settings = sorted({(r.dataset, r.batch_size, r.seed) for r in recs
                       if (dataset is None or r.dataset == dataset) and (batch_size is None or r.batch_size == batch_size)
                       and (seed is None or r.seed == seed)})
    if len(settings) > 1:
        raise InvalidArgument(f"the store holds {heuristic!r} scores for several settings; choose one of "
                              "(dataset, batch size, seed): " + ", ".join(map(str, settings)), parameter="store")
    return settings[0] if settings else None


def read_scores(store, space: str, heuristics: Sequence[str], *, dataset: str | None = None,
                batch_size: int | None = None, seed: int | None = None) -> dict[str, dict[str, float]]:
    """``{heuristic: {arch string: value}}`` of one setting per heuristic (failures left out)."""
    out: dict[str, dict[str, float]] = {}
    for h in heuristics:
        recs = store.scores(space=space, heuristic=h)
        key = _setting_of(recs, h, dataset, batch_size, seed)
        out[h] = {r.arch: float(r.value) for r in recs
                  if key is not None and (r.dataset, r.batch_size, r.seed) == key and r.error is None
                  and r.value is not None and math.isfinite(r.value)}
    return out


def _none_stored(space) -> InvalidArgument:
    return InvalidArgument(f"zc:all: the store holds no heuristic scores of space {space.name!r}",
                           parameter="features")


def check_scores_for_new_store(space, heuristics: Sequence[str], *, dataset: str | None = None,
                               batch_size: int | None = None, seed: int | None = None,
                               data_dir: str | None = None) -> None:
    """Check, before a store that does not exist yet is created, what :func:`zc_scores` will need of it: it
    holds no score, so ``zc:all`` names nothing, and every score is computed in the setting asked for (else
    the defaults), whose batch is read here (missing, corrupt or unsafe data fail now)."""
    if list(heuristics) == ["all"]:
        raise _none_stored(space)
    from archrank.heuristics import HEURISTICS
    from archrank.run import DEFAULT_BATCH_SIZE, DEFAULT_DATASET, DEFAULT_SEED, ScoreSetting
    from archrank.run.context import load_task_batch, needs_batch

    if needs_batch(HEURISTICS.get(h) for h in heuristics if h in HEURISTICS):
        load_task_batch(ScoreSetting(space.name, dataset=dataset or DEFAULT_DATASET,
                                     batch_size=DEFAULT_BATCH_SIZE if batch_size is None else batch_size,
                                     seed=DEFAULT_SEED if seed is None else seed, data_dir=data_dir))


def zc_scores(space, archs: Sequence[Hashable], heuristics: Sequence[str], *, store, compute: bool = True,
              dataset: str | None = None, batch_size: int | None = None, seed: int | None = None,
              data_dir: str | None = None, device: str = "cpu", progress: bool = False) -> dict[str, dict[str, float]]:
    """Scores of ``heuristics`` for ``archs`` from ``store``; with ``compute``, the missing ones are scored first
    (not in a read-only store such as a shipped table, ``table:NAME``: its missing scores stay missing).

    ``heuristics == ["all"]`` means every heuristic the store holds for the space.
    """
    if list(heuristics) == ["all"]:
        heuristics = stored_heuristics(store, space.name)
        if not heuristics:
            raise _none_stored(space)
    values = read_scores(store, space.name, heuristics, dataset=dataset, batch_size=batch_size, seed=seed)
    if not compute or getattr(store, "read_only", False):  # a shipped table is read, never written
        return values
    from archrank.heuristics import HEURISTICS
    from archrank.run import DEFAULT_BATCH_SIZE, DEFAULT_DATASET, DEFAULT_SEED, ScoreSetting, run_scoring

    keys = [space.format(a) for a in archs]
    computable = [h for h in heuristics if h in HEURISTICS]
    missing = [h for h in computable if any(k not in values[h] for k in keys)]
    if not missing:
        return values
    # the setting of the stored scores (all heuristics must agree), else the one asked for, else the defaults
    found = {_setting_of(store.scores(space=space.name, heuristic=h), h, dataset, batch_size, seed) for h in missing}
    found.discard(None)
    if len(found) > 1:
        raise InvalidArgument("the heuristics to complete are stored under different settings: "
                              + ", ".join(map(str, sorted(found))) + "; give the dataset, batch size and seed",
                              parameter="store")
    d, b, s = found.pop() if found else (dataset or DEFAULT_DATASET,
                                         DEFAULT_BATCH_SIZE if batch_size is None else batch_size,
                                         DEFAULT_SEED if seed is None else seed)
    setting = ScoreSetting(space.name, dataset=d, batch_size=b, seed=s, data_dir=data_dir, device=device)
    todo = sorted({k for h in missing for k in keys if k not in values[h]})
    run_scoring(setting, archs=todo, heuristics=missing, store=store, progress=progress)
    return read_scores(store, space.name, heuristics, dataset=d, batch_size=b, seed=s) | {
        h: values[h] for h in heuristics if h not in missing}
