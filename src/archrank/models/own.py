"""A user's own networks as archrank models: re-initialised from a seed, never changed, first tensor out.

:func:`fresh_model` turns what a user hands over (an ``nn.Module`` or a zero-argument callable returning
one) into the model a heuristic works on:

* a **callable** is called (inside :func:`~archrank.models.build_model`'s seeded, forked RNG), so the
  user's own initialisation is kept and follows the seed;
* a **module** is deep-copied (the user's module is never changed: not its weights, not its
  ``requires_grad`` flags, not its train/eval mode) and, with ``reinit`` (default), every submodule that
  defines ``reset_parameters()`` re-draws its parameters (PyTorch's default initialisation of that layer,
  e.g. Kaiming-uniform for convolutions and linear layers, ones/zeros for norms, running statistics reset),
  in module order from the seeded RNG; parameters no such submodule owns (a class token, learned position
  embeddings) are re-drawn from a normal distribution of standard deviation 0.02 truncated at two standard
  deviations (the ViT convention).  ``reinit=False`` keeps the module's weights as they are (the seed then
  reaches only the heuristics' own re-initialisations and random inputs).

Dropout is off (rates set to 0, :func:`without_dropout`): heuristics run models in train mode (batch
statistics), where dropout would draw random masks; archrank scores the deterministic network, as it does
its own sequence models.  Dropout applied as a function in ``forward`` (``F.dropout(x, p, self.training)``)
cannot be reached: such a network gives values that differ from one scoring to the next.

A model whose ``forward`` returns a tuple, a list or a dict is wrapped (:class:`FirstTensor`) so that the
heuristics see its first tensor (the first item, depth first; for a dict, its first value): by the habit of
detection and distillation networks, that is the logits.  Sequence models keep their ``(logits, hidden)``
pair, which the heuristics already read.  A model may name the blocks whose outputs are its features
(``feature_blocks()``, read by zen and AZ-NAS); the wrapper passes that method through.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.models.registry import register_builder

#: The builder name of user models (a space of user models names it in ``builder``).
OWN_BUILDER = "own_models"

#: Standard deviation of the truncated normal that re-draws parameters no layer's ``reset_parameters`` owns.
LOOSE_PARAMETER_STD = 0.02

ModelSource = nn.Module | Callable[[], nn.Module]


def first_tensor(out: Any) -> torch.Tensor:
    """The first tensor of a model's output: the output itself, or depth first the first tensor of a
    tuple, list or dict (values in order)."""
    if isinstance(out, torch.Tensor):
        return out
    items = out.values() if isinstance(out, Mapping) else out if isinstance(out, (tuple, list)) else ()
    for item in items:
        try:
            return first_tensor(item)
        except InvalidArgument:
            continue
    raise InvalidArgument(f"the model's output holds no tensor (got {type(out).__name__})")


class FirstTensor(nn.Module):
    """Wraps a model so that ``forward`` returns :func:`first_tensor` of its output."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        return first_tensor(self.model(*args, **kwargs))

    @property
    def feature_blocks(self) -> Callable[[], list[nn.Module]]:
        """The wrapped model's ``feature_blocks`` (AttributeError when it has none)."""
        inner = self.model
        if not hasattr(type(inner), "feature_blocks") and "feature_blocks" not in vars(inner):
            raise AttributeError("feature_blocks")
        return inner.feature_blocks


@torch.no_grad()
def reinitialise(model: nn.Module) -> nn.Module:
    """Re-draw every parameter of ``model`` (in place) from the current torch RNG: ``reset_parameters()`` of
    each submodule that has it, a truncated normal (std :data:`LOOSE_PARAMETER_STD`) for the rest."""
    covered: set[int] = set()
    for m in model.modules():
        reset = getattr(m, "reset_parameters", None) or getattr(m, "_reset_parameters", None)
        if callable(reset):
            reset()
            covered.update(id(p) for p in m.parameters())
    for p in model.parameters():
        if id(p) not in covered:
            nn.init.trunc_normal_(p, std=LOOSE_PARAMETER_STD, a=-2 * LOOSE_PARAMETER_STD, b=2 * LOOSE_PARAMETER_STD)
    return model


def fresh_model(source: ModelSource, *, reinit: bool = True, wrap: bool = True, name: str = "model") -> nn.Module:
    """The model a heuristic scores for ``source`` (see the module docstring); the caller seeds the RNG."""
    if isinstance(source, nn.Module):
        model = copy.deepcopy(source)
        if reinit:
            reinitialise(model)
        model.requires_grad_(True)
    elif callable(source):
        model = source()
        if not isinstance(model, nn.Module):
            raise InvalidArgument(f"model {name!r}: the factory returned {type(model).__name__}, not a torch.nn.Module")
    else:
        raise InvalidArgument(f"model {name!r} is a {type(source).__name__}: give a torch.nn.Module or a "
                              "zero-argument callable returning one")
    return FirstTensor(without_dropout(model)) if wrap else without_dropout(model)


def without_dropout(model: nn.Module) -> nn.Module:
    """``model`` (a fresh copy or a factory's product, changed in place) with every dropout module's rate and
    every ``nn.MultiheadAttention``'s dropout set to 0: heuristics put models in train mode, where dropout
    would draw random masks and two scorings would differ; archrank scores the deterministic network."""
    for m in model.modules():
        if isinstance(m, nn.modules.dropout._DropoutNd):
            m.p = 0.0
        elif isinstance(m, nn.MultiheadAttention):
            m.dropout = 0.0
    return model


@register_builder("own_models")  # OWN_BUILDER, written out: the registry finds builders in the source
def build(arch: str, num_classes: int = 10, *, models: Mapping[str, ModelSource], reinit: bool = True,
          wrap: bool = True) -> nn.Module:
    """The builder of a set of user models: ``arch`` is a model's name in ``models``."""
    if arch not in models:
        raise InvalidArgument(f"unknown model {arch!r}; valid: {', '.join(models)}")
    return fresh_model(models[arch], reinit=reinit, wrap=wrap, name=arch)


__all__ = ["OWN_BUILDER", "FirstTensor", "ModelSource", "first_tensor", "fresh_model", "reinitialise",
           "without_dropout"]
