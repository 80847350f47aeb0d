"""A heuristic's :class:`~archrank.heuristics.ScoreContext`, built from a :class:`ScoreSetting`.

Every path that scores an architecture (a scoring run's workers, search's live scorer, the benchmark
scripts) builds its context here, so a score computed anywhere equals the stored one of the same setting.
:class:`Scorer` adds the batch, loaded once on first need.

A heuristic that scores with a resource file (``weight_sharing`` and its supernet) is stored under a name
that carries the file's content hash (:func:`stored_heuristic`): scores of two supernets are two stored
heuristics, and the same supernet file finds its scores again wherever it lies.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any

from archrank.errors import InvalidArgument
from archrank.run.setting import ScoreSetting

#: The ``needs`` of a heuristic that call for the scoring batch.
DATA_NEEDS = frozenset({"data", "labels", "gradients"})

#: Length of the token sequences of a sequence space's scoring batch (the batch size gives their number).
DEFAULT_SEQ_LEN = 35

#: Heuristics that need a resource passed to the run, and the parameter that passes it.
RESOURCES: dict[str, str] = {"weight_sharing": "supernet"}

#: Hex digits of a resource file's SHA-256 in the stored name of a heuristic that scores with it.
DIGEST_CHARS = 12


def needs_batch(heuristics: Iterable[Any]) -> bool:
    """Whether any of ``heuristics`` (registered Heuristic objects) needs the scoring batch."""
    return any(h.needs & DATA_NEEDS for h in heuristics)


def load_task_batch(setting: ScoreSetting, space: Any = None) -> tuple[Any, Any]:
    """The batch every heuristic of a run with ``setting`` sees: :func:`archrank.data.one_batch` for image
    spaces; for a space of domain ``"sequence"``, ``batch_size`` token sequences of ``DEFAULT_SEQ_LEN``
    tokens and their next tokens (:func:`archrank.data.one_token_batch`).  ``space`` is the run's space
    object when it is not registered (default: the setting's space, looked up by name)."""
    from archrank.data import one_batch, one_token_batch
    from archrank.spaces import get_space

    sp = get_space(setting.space) if space is None else space
    if getattr(sp, "domain", "image") == "sequence":
        return one_token_batch(setting.dataset, setting.batch_size, DEFAULT_SEQ_LEN, setting.seed, setting.data_dir)
    return one_batch(setting.dataset, setting.batch_size, setting.seed, setting.data_dir)


def file_digest(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's content (hex): what identifies a resource file, wherever it lies."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def resource_extras(names: Iterable[str], *, supernet: str | os.PathLike | None = None) -> dict[str, Any]:
    """``ScoreContext.extras`` for the resources the heuristics ``names`` need: ``<param>_path`` and
    ``<param>_sha256`` (the file's content hash, :func:`file_digest`).  A missing resource, or a file that is
    not there, is an error naming its parameter."""
    given = {"supernet": supernet}
    extras: dict[str, Any] = {}
    for n in names:
        param = RESOURCES.get(n)
        if param is None or f"{param}_path" in extras:
            continue
        if given[param] is None:
            raise InvalidArgument(f"heuristic {n!r} needs a trained supernet: pass {param}=<checkpoint written "
                                  "by archrank.train.supernet.save_supernet>", parameter=param)
        path = Path(given[param]).expanduser()
        if not path.is_file():
            raise InvalidArgument(f"{param} file {str(given[param])!r} not found"
                                  + (" (it is a folder)" if path.is_dir() else ""), parameter=param)
        extras[f"{param}_path"] = str(given[param])
        extras[f"{param}_sha256"] = file_digest(path)
    return extras


def stored_heuristic(name: str, extras: Mapping[str, Any]) -> str:
    """The name heuristic ``name``'s scores are stored under: the name itself, or for a heuristic that scores
    with a resource file (:data:`RESOURCES`) the name followed by ``@`` and the first
    :data:`DIGEST_CHARS` hex digits of that file's content hash (``weight_sharing@3f2a...``), so that two
    supernets never share stored scores and the same file, wherever it lies, finds its own."""
    param = RESOURCES.get(name)
    if param is None:
        return name
    digest = extras.get(f"{param}_sha256")
    if not digest:
        raise InvalidArgument(f"heuristic {name!r} is stored under its {param}'s content hash; pass {param}",
                              parameter=param)
    return f"{name}@{digest[:DIGEST_CHARS]}"


def score_context(setting: ScoreSetting, arch: Hashable, *, space: Any = None, inputs: Any = None,
                  targets: Any = None, num_classes: int | None = None,
                  extras: Mapping[str, Any] | None = None):
    """The context a heuristic scores ``arch`` in under ``setting``.

    ``space`` defaults to the setting's space (looked up by name); ``num_classes`` to the data set's;
    ``extras`` are copied over the space's ``heuristic_options()`` and get ``data_dir`` from the setting (for heuristics that load more data); the
    batch goes to the setting's device (resolved here: CUDA asked for without CUDA is an error).
    """
    from archrank.data import num_classes_of
    from archrank.execution.device import resolve_device
    from archrank.heuristics import ScoreContext
    from archrank.spaces import get_space

    sp = get_space(setting.space) if space is None else space
    options = getattr(sp, "heuristic_options", None)
    ex = {**(options() if callable(options) else {}), **dict(extras or {})}
    if setting.data_dir is not None:
        ex.setdefault("data_dir", setting.data_dir)
    device = resolve_device(setting.device)
    if device != "cpu":
        inputs = None if inputs is None else inputs.to(device)
        targets = None if targets is None else targets.to(device)
    return ScoreContext(arch=arch, space=sp, inputs=inputs, targets=targets,
                        num_classes=num_classes_of(setting.dataset) if num_classes is None else num_classes,
                        seed=setting.seed, dataset=setting.dataset, extras=ex, device=device)


class Scorer:
    """Score architectures of one setting with one heuristic: ``scorer(arch) -> (value, seconds)``.

    The batch is loaded on first use (only when the heuristic needs data) unless ``batch`` is given;
    ``scorer.result(arch)`` returns the full :class:`~archrank.heuristics.base.ScoreResult`.  Runs with
    ``setting.threads`` torch threads, restored afterwards.
    """

    def __init__(self, setting: ScoreSetting, heuristic: str, *, space: Any = None,
                 batch: tuple[Any, Any] | None = None, num_classes: int | None = None,
                 extras: Mapping[str, Any] | None = None, supernet: str | None = None):
        from archrank.heuristics import HEURISTICS
        from archrank.spaces import get_space

        self.setting = setting
        self.heuristic = HEURISTICS.get(heuristic)
        self.space = get_space(setting.space) if space is None else space
        self.extras = {**resource_extras([heuristic], supernet=supernet), **dict(extras or {})}
        #: The name this heuristic's scores are stored under (:func:`stored_heuristic`).
        self.stored_name = stored_heuristic(heuristic, self.extras)
        self._batch = batch
        self._num_classes = num_classes

    def check_inputs(self, *, required: bool = True) -> None:
        """Load the batch now, so that missing, corrupt or unsafe data fail before anything is written.

        With ``required=False`` a data set whose files are not found is left for the first score (a store
        may hold every score a search asks for); files that are found are read now."""
        if self._batch is not None or not needs_batch([self.heuristic]):
            return
        if not required:
            from archrank.data.catalog import locate
            from archrank.errors import UnknownName

            try:
                absent = locate(self.setting.dataset, self.setting.data_dir) is None
            except UnknownName:  # a data set without files (synthetic), or a name loading will reject
                absent = False
            if absent:
                return
        self._inputs()

    def _inputs(self) -> tuple[Any, Any]:
        if self._batch is None:
            self._batch = load_task_batch(self.setting, self.space) if needs_batch([self.heuristic]) else (None, None)
        return self._batch

    def context(self, arch: Hashable):
        inputs, targets = self._inputs()
        return score_context(self.setting, arch, space=self.space, inputs=inputs, targets=targets,
                             num_classes=self._num_classes, extras=self.extras)

    def result(self, arch: Hashable):
        import torch

        from archrank.heuristics import evaluate

        ctx = self.context(arch)
        previous = torch.get_num_threads()
        torch.set_num_threads(self.setting.threads)
        try:
            return evaluate(self.heuristic, ctx)
        finally:
            torch.set_num_threads(previous)

    def __call__(self, arch: Hashable) -> tuple[float, float]:
        r = self.result(arch)
        return r.value, r.seconds
