"""The one preparation step of a scoring run: every argument checked, once, before any work.

:func:`prepare_scoring` is what ``archrank score``, :func:`~archrank.run.run_scoring` (and through it the
suite, the demo and search's stored objectives) and ``archrank.score_models`` call before they compute or
touch a store.  It loads the plugins, resolves the device (CUDA asked for without CUDA is an error), checks
the seed, the space, the heuristic names and the resources they need (the supernet of ``weight_sharing``),
selects the architectures, loads the batch (missing or corrupt data fail here), checks the store's location
(its backend) and applies the worker rule.  What it returns, a :class:`PreparedScoring`, is all a run needs:
:func:`archrank.run.scoring.run_prepared` executes it against an open store and checks nothing again.

The worker rule (:func:`worker_count`): ``workers`` only with the local executor; the local executor's
default is one worker per core divided by the torch threads per task; a run on a GPU uses one process
unless more are asked for.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from archrank.errors import InvalidArgument
from archrank.run.context import load_task_batch, needs_batch, resource_extras
from archrank.run.plugins import load_plugins
from archrank.run.selection import select_archs
from archrank.run.setting import ScoreSetting


def heuristic_names(heuristics: str | Sequence[str]) -> list[str]:
    """Registered heuristic names from a comma-separated string or a sequence (unknown names: an error)."""
    from archrank.heuristics import HEURISTICS
    from archrank.registry import registered_names

    return registered_names(heuristics, HEURISTICS, what="heuristic", parameter="heuristics")


@dataclass(frozen=True)
class PreparedScoring:
    """A checked scoring run: what :func:`~archrank.run.scoring.run_prepared` executes."""

    setting: ScoreSetting
    space: Any  # archrank.spaces.SearchSpace
    names: tuple[str, ...]
    heuristics: tuple[Any, ...]  # the registered Heuristic objects of ``names``
    selection: list[Any]
    #: The selection as the caller gave it (``"random:N"``, a file...), recorded in the run's config.
    archs_spec: Any
    batch: tuple[Any, Any] | None
    num_classes: int
    plugins: tuple[str, ...]
    device: str
    extras: dict[str, Any] = field(default_factory=dict)
    #: Worker processes of the local executor (None: not decided here, the executor's own default).
    workers: int | None = None


def worker_count(executor: str | None, workers: int | None, threads: int, device: str) -> int | None:
    """The worker rule (see the module docstring); ``executor`` is the executor's name (None: the caller
    brings its own executor and no default is chosen)."""
    if workers is not None and int(workers) < 1:
        raise InvalidArgument(f"workers must be positive, got {workers}", parameter="workers")
    if executor is not None and executor != "local" and workers is not None:
        raise InvalidArgument(f"workers is only valid with the local executor (got executor {executor!r})",
                              parameter="workers")
    if executor != "local":
        return workers
    if workers is not None:
        return int(workers)
    if device != "cpu":
        return 1  # one process drives the GPU unless asked otherwise
    from archrank.execution.local import default_workers

    return max(1, default_workers() // max(1, int(threads)))


def check_store_location(store: Any) -> None:
    """A store, or a location whose backend is registered (an unknown ``scheme://`` is an error)."""
    from archrank.store import Store, split_location

    if not isinstance(store, Store):
        split_location(store)


def prepare_scoring(
    setting: ScoreSetting,
    *,
    archs: str | Sequence[Any],
    heuristics: str | Sequence[str],
    store: Any = None,
    space: Any = None,
    batch: tuple[Any, Any] | None = None,
    num_classes: int | None = None,
    supernet: str | os.PathLike | None = None,
    executor: str | None = None,
    workers: int | None = None,
) -> PreparedScoring:
    """Check every argument of a scoring run (see the module docstring) and return it prepared.

    ``space`` is a space object that is not registered (a :class:`~archrank.spaces.own.ModelSet`); by
    default the setting's space is looked up by name.  ``executor`` names the executor when the caller
    builds it from the returned ``workers`` (the CLI); ``store`` (a Store or a location), when given, is
    checked but not opened."""
    from archrank.execution.device import resolve_device
    from archrank.heuristics import HEURISTICS
    from archrank.spaces import get_space

    device = resolve_device(setting.device)
    plugins = load_plugins()
    if int(setting.seed) < 0:
        raise InvalidArgument(f"seed must be a non-negative integer, got {setting.seed}", parameter="seed")
    sp = get_space(setting.space) if space is None else space
    names = heuristic_names(heuristics)
    hs = tuple(HEURISTICS.get(n) for n in names)
    extras = resource_extras(names, supernet=None if supernet is None else str(supernet))
    n_workers = worker_count(executor, workers, setting.threads, device)
    if store is not None:
        check_store_location(store)
    selection = select_archs(sp, archs, setting.seed)
    if num_classes is None:
        from archrank.data import num_classes_of

        num_classes = num_classes_of(setting.dataset)
    if batch is None and needs_batch(hs):
        batch = load_task_batch(setting, sp)
    return PreparedScoring(setting=setting, space=sp, names=tuple(names), heuristics=hs, selection=selection,
                           archs_spec=archs, batch=batch, num_classes=int(num_classes), plugins=plugins,
                           device=device, extras=extras, workers=n_workers)


__all__ = ["PreparedScoring", "check_store_location", "heuristic_names", "prepare_scoring", "worker_count"]
