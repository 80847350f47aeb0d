"""Score a user's own networks: ``score_model`` (one network) and ``score_models`` (a population).

Both go through the run layer like every scoring run (one preparation step, then select, skip what the
store holds, execute, record): the networks become a :class:`~archrank.spaces.own.ModelSet` whose
architectures are their names, built by :mod:`archrank.models.own` (a module is deep-copied and
re-initialised from ``seed``, a factory is called under ``seed``; the user's module is never changed).

The batch is ``(inputs, targets)`` (or an inputs tensor alone, for heuristics that need no labels) or any
iterable of batches such as a ``DataLoader``, of which the first batch is drawn under ``seed`` (a shuffling
loader then gives the same batch for the same seed).  Integer inputs are token sequences: the networks are
sequence models as in the NB-NLP spaces (``model(tokens) -> (logits (B, T, V), hidden)``, targets the next
tokens (B, T)); 4-D float inputs are images; others are vectors (``domain`` overrides the guess).

The store key of these scores is the set's ``name`` (the space), the networks' names, the ``dataset`` label
(default ``batch:<first 12 hex digits of the batch's SHA-256>``, so another batch never finds these
scores), the batch size and the seed: a name identifies a network in a store, so give a changed network a
new name (or use another store).

``swap_reg``'s parameter prior is taken over the networks given (its ``swap_mu`` the largest, its
``swap_sigma`` the mean parameter count, in thousands), unless ``options`` give both.

Population-only heuristics: the combinations of :data:`archrank.heuristics.combinations.COMBINATIONS`
(``ranker``, ``az_nas_rank``, ``te_nas``, ``vote``) and ``az_nas`` (an alias of ``az_nas_rank`` here: the
paper's form, ranked over the scored networks) rank networks against each other, so ``score_models``
computes their members and then the combination over the networks given; one network alone is an error
that says so.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from archrank.errors import ArchrankError, InvalidArgument
from archrank.run.setting import ScoreSetting

#: Heuristic names that stand, on a set of user networks, for a combination over the population.
POPULATION_ALIASES = {"az_nas": "az_nas_rank"}

#: Label of the scoring batch in the store: ``batch:`` and this many hex digits of its SHA-256.
BATCH_DIGEST_CHARS = 12


@dataclass
class ModelScores:
    """What :func:`score_models` returns: ``values[model][heuristic]`` (NaN where it failed, the reason in
    ``errors[model][heuristic]``), in the order the models and heuristics were given; ``summary`` is the
    run's :class:`~archrank.run.scoring.ScoringSummary`."""

    values: dict[str, dict[str, float]]
    errors: dict[str, dict[str, str]] = field(default_factory=dict)
    summary: Any = None

    def rows(self) -> list[dict[str, Any]]:
        """One row per model: ``{"model": name, heuristic: value, ...}``."""
        return [{"model": m, **v} for m, v in self.values.items()]

    def __getitem__(self, model: str) -> dict[str, float]:
        return self.values[model]


def _tensor_pair(item: Any, where: str) -> tuple[Any, Any]:
    import torch

    if isinstance(item, torch.Tensor):
        return item, None
    if isinstance(item, Mapping):
        item = list(item.values())
    if isinstance(item, (tuple, list)) and item and isinstance(item[0], torch.Tensor):
        targets = item[1] if len(item) > 1 else None
        if targets is not None and not isinstance(targets, torch.Tensor):
            raise InvalidArgument(f"{where}: the targets are a {type(targets).__name__}, not a tensor", parameter="batch")
        if targets is not None and targets.shape[:1] != item[0].shape[:1]:
            raise InvalidArgument(f"{where}: {item[0].shape[0]} inputs but {targets.shape[0]} targets", parameter="batch")
        return item[0], targets
    raise InvalidArgument(f"{where} must be (inputs, targets) tensors, an inputs tensor, or a DataLoader of them; "
                          f"got {type(item).__name__}", parameter="batch")


def model_batch(batch: Any, seed: int = 0, *, batch_size: int | None = None,
                data_dir: str | os.PathLike | None = None) -> tuple[Any, Any]:
    """``(inputs, targets)`` from a batch, the first batch of a loader drawn under ``seed``, or (a data-set
    name such as ``"cifar10"``) archrank's class-balanced batch of ``batch_size`` images of it
    (:func:`archrank.data.one_batch`, the batch ``archrank score`` uses)."""
    import torch

    if isinstance(batch, str):
        from archrank.data import one_batch
        from archrank.run.setting import DEFAULT_BATCH_SIZE

        return one_batch(batch, int(batch_size or DEFAULT_BATCH_SIZE), seed, data_dir)
    if isinstance(batch, (torch.Tensor, tuple, list, Mapping)):
        return _tensor_pair(batch, "batch")
    if isinstance(batch, Iterable):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            try:
                first = next(iter(batch))
            except StopIteration:
                raise InvalidArgument("batch: the loader gave no batch", parameter="batch") from None
        return _tensor_pair(first, "the loader's first batch")
    return _tensor_pair(batch, "batch")


def guess_domain(inputs: Any) -> str:
    """``sequence`` for integer inputs (token ids), ``image`` for 4-D inputs, ``vector`` otherwise."""
    if not inputs.is_floating_point():
        return "sequence"
    return "image" if inputs.dim() == 4 else "vector"


def batch_label(inputs: Any, targets: Any) -> str:
    """``batch:<hex>``: the store's data-set label of a user batch (its content hash)."""
    h = hashlib.sha256()
    for t in (inputs, targets):
        if t is not None:
            c = t.detach().cpu().contiguous()
            h.update(f"{c.dtype}{tuple(c.shape)}".encode())
            h.update(c.numpy().tobytes())
    return f"batch:{h.hexdigest()[:BATCH_DIGEST_CHARS]}"


def split_names(heuristics: str | Sequence[str]) -> tuple[list[str], list[str]]:
    """(registered heuristics to compute, combinations over the population) of a list of names; the
    members of each combination are added to the heuristics."""
    from archrank.heuristics.combinations import COMBINATIONS
    from archrank.registry import name_list
    from archrank.run.prepare import heuristic_names

    asked = name_list(heuristics, what="heuristic", parameter="heuristics")
    combos = [POPULATION_ALIASES.get(n, n) for n in asked if POPULATION_ALIASES.get(n, n) in COMBINATIONS]
    plain = [n for n in asked if POPULATION_ALIASES.get(n, n) not in COMBINATIONS]
    members = [m for c in combos for m in COMBINATIONS.get(c).members]
    names = heuristic_names(list(dict.fromkeys(plain + members))) if plain or members else heuristic_names(plain)
    return names, list(dict.fromkeys(combos))


def population_param_prior(models: Mapping[str, Any]) -> dict[str, float]:
    """SWAP's regulariser over a set of networks: ``swap_mu`` the largest and ``swap_sigma`` the mean parameter
    count (thousands) of the networks given, as the public ports set them over a space's networks."""
    import torch
    from torch import nn

    counts = []
    for key, source in models.items():
        if isinstance(source, nn.Module):
            model = source
        else:
            with torch.random.fork_rng(devices=[]):
                model = source() if callable(source) else None
        if not isinstance(model, nn.Module):
            raise InvalidArgument(f"model {key!r}: the factory returned {type(model).__name__}, not a torch.nn.Module",
                                  parameter="models")
        counts.append(sum(p.numel() for p in model.parameters()) / 1e3)
    return {"swap_mu": max(counts), "swap_sigma": sum(counts) / len(counts)}


def population_error(name: str) -> InvalidArgument:
    return InvalidArgument(f"heuristic {name!r} ranks networks against each other and one network alone has no "
                           f"population: use archrank.score_models({{name: model, ...}}, ...) with several",
                           parameter="heuristics")


def score_models(models: Mapping[str, Any], batch: Any, heuristics: str | Sequence[str], *,
                 store: Any = None, seed: int = 0, device: str = "cpu", name: str = "models",
                 domain: str | None = None, dataset: str | None = None, reinit: bool = True,
                 threads: int = 1, executor: Any = None, retry_failed: bool = False,
                 progress: bool = False, options: Mapping[str, Any] | None = None,
                 batch_size: int | None = None, data_dir: str | os.PathLike | None = None) -> ModelScores:
    """Score every network of ``models`` (``{name: nn.Module or zero-argument factory}``) with
    ``heuristics`` on one batch; combinations (``ranker``, ``az_nas``, ``te_nas``, ``vote``) are ranked over
    these networks.  ``store`` (a Store or a location; default a private in-memory store) keeps every
    value, so the same call resumes and computes only what is missing.  ``options`` are heuristic options
    (``ScoreContext.extras``: ``lr_patches``, ``az_reference_size``, ...) for every network; values computed
    with other options are stored under the same key, so use another store for them.  See the module
    docstring."""
    from archrank.heuristics import HEURISTICS
    from archrank.heuristics.combinations import COMBINATIONS
    from archrank.run.prepare import prepare_scoring
    from archrank.run.scoring import run_prepared
    from archrank.spaces import SPACES
    from archrank.spaces.own import ModelSet
    from archrank.store import Store, open_store

    names, combos = split_names(heuristics)
    if combos and isinstance(models, Mapping) and len(models) < 2:
        raise population_error(combos[0])
    inputs, targets = model_batch(batch, seed, batch_size=batch_size, data_dir=data_dir)
    if isinstance(batch, str) and dataset is None:
        dataset = batch  # archrank's batch of a data set: stored under the data set's name, as every score
    if isinstance(name, str) and name in SPACES:
        raise InvalidArgument(f"name {name!r} is a registered space; give the set of models another name",
                              parameter="name")
    models_set = ModelSet(models, name=name, domain=domain or guess_domain(inputs), reinit=reinit,
                          input_shape=tuple(inputs.shape[1:]), options=options)
    if "swap_reg" in names and not {"swap_mu", "swap_sigma"} <= set(models_set.options):
        models_set.options.update(population_param_prior(models))
    setting = ScoreSetting(name, dataset=dataset or batch_label(inputs, targets), batch_size=int(inputs.shape[0]),
                           seed=seed, threads=threads, device=device)
    num_classes = int(targets.max()) + 1 if targets is not None and not targets.is_floating_point() else 10
    # One preparation step checks everything before the store is opened.
    prepared = prepare_scoring(setting, archs=models_set.names, heuristics=names, store=store, space=models_set,
                               batch=(inputs, targets), num_classes=num_classes)
    opened = open_store("memory://") if store is None else store if isinstance(store, Store) else open_store(store)
    try:
        summary = run_prepared(prepared, store=opened, executor=executor, retry_failed=retry_failed,
                               progress=progress)
        records = list(opened.scores(**setting.key))
    finally:
        if opened is not store:
            opened.close()
    values: dict[str, dict[str, float]] = {m: {} for m in models_set.names}
    errors: dict[str, dict[str, str]] = {}
    for rec in records:
        if rec.arch in values and rec.heuristic in names:
            values[rec.arch][rec.heuristic] = math.nan if rec.error is not None or rec.value is None else float(rec.value)
            if rec.error is not None:
                errors.setdefault(rec.arch, {})[rec.heuristic] = rec.error
    for c in combos:
        comb = COMBINATIONS.get(c)
        members = {m: {k: v[m] for k, v in values.items()} for m in comb.members}
        directions = {m: HEURISTICS.get(m).higher_is_better for m in comb.members}
        ranked = comb.scores(members, directions)
        for k, row in values.items():
            row[c] = float(ranked.get(k, math.nan))
    order = [*names, *combos]
    return ModelScores({m: {h: v[h] for h in order if h in v} for m, v in values.items()}, errors, summary)


def score_model(model: Any, batch: Any, heuristics: str | Sequence[str], *, seed: int = 0, device: str = "cpu",
                domain: str | None = None, reinit: bool = True, threads: int = 1, errors: str = "raise",
                batch_size: int | None = None, data_dir: str | os.PathLike | None = None) -> dict[str, float]:
    """``{heuristic: value}`` of one network (an ``nn.Module``, never changed, or a zero-argument factory) on
    ``batch`` (see the module docstring).  Two calls with the same arguments give identical values.  A
    heuristic that fails raises an error naming it and its reason (``errors="nan"``: NaN instead); a
    population-only heuristic (``ranker``, ``az_nas``, ``te_nas``, ``vote``) is an error saying so."""
    from archrank.heuristics.combinations import COMBINATIONS

    if errors not in ("raise", "nan"):
        raise InvalidArgument(f"errors must be 'raise' or 'nan', got {errors!r}", parameter="errors")
    from archrank.registry import name_list

    asked = name_list(heuristics, what="heuristic", parameter="heuristics")
    for n in asked:
        if POPULATION_ALIASES.get(n, n) in COMBINATIONS:
            raise population_error(n)
    out = score_models({"model": model}, batch, asked, seed=seed, device=device, domain=domain, reinit=reinit,
                       threads=threads, batch_size=batch_size, data_dir=data_dir)
    failed = out.errors.get("model", {})
    if failed and errors == "raise":
        h, reason = next(iter(failed.items()))
        raise ArchrankError(f"heuristic {h!r} failed on the model: {reason}")
    return dict(out["model"])


__all__ = ["ModelScores", "batch_label", "guess_domain", "model_batch", "score_model", "score_models"]

