"""Helpers shared by the built-in heuristics: which layers count, input checks, BN removal, the task loss.

Sequence models (a space with ``domain == "sequence"``, e.g. NAS-Bench-NLP language models) take token ids
(B, T) and return ``(logits (B, T, V), hidden)``; their targets are the next tokens (B, T).
:func:`logits_of` and :func:`task_loss` hide that difference: the loss is the mean cross-entropy over the
B x T predicted tokens (the language-modelling loss), or over the B images.
"""

from __future__ import annotations

import weakref

import torch
import torch.nn.functional as F
from torch import nn

from archrank.errors import InvalidArgument
from archrank.heuristics.base import ScoreContext

# Layers whose weights carry a saliency: convolutions and fully connected layers (as in the zero-cost
# proxy literature); batch-norm affine parameters and biases are not counted.
WEIGHT_LAYERS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)
_BN = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


#: Activation modules whose output has the sign of their input (or is zero where the input is not positive):
#: the unit's *code* (1 where its pre-activation is positive) is then defined for each of them as for ReLU.
#: NASWOT, TE-NAS's linear regions and SWAP define codes on ReLU networks; on GELU, SiLU, ReLU6, ELU, ...
#: networks archrank reads the sign of the pre-activation, the region of the input space where the unit
#: is "on" (the gate of a gated activation x * g(x) is above one half exactly where x > 0).  Gates
#: (sigmoid), saturating maps (tanh) and always-positive maps (softplus) are not codes.
CODE_ACTIVATIONS: tuple[type[nn.Module], ...] = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.CELU, nn.SELU, nn.GELU, nn.SiLU, nn.Mish,
    nn.Hardswish,
)


def weight_layers(model: nn.Module) -> list[nn.Module]:
    """Convolution and linear layers of ``model`` in module order."""
    return [m for m in model.modules() if isinstance(m, WEIGHT_LAYERS) and m.weight is not None]


def require_inputs(ctx: ScoreContext, name: str) -> torch.Tensor:
    if ctx.inputs is None:
        raise InvalidArgument(f"heuristic {name!r} needs a batch of inputs (ScoreContext.inputs is None)")
    return ctx.inputs


def require_targets(ctx: ScoreContext, name: str) -> torch.Tensor:
    if ctx.targets is None:
        raise InvalidArgument(f"heuristic {name!r} needs labels (ScoreContext.targets is None)")
    return ctx.targets


def input_shape(ctx: ScoreContext, name: str) -> tuple[int, ...]:
    """Shape of one input (without the batch dimension): from the batch, ``extras['input_shape']``, the
    space, or else the data set's catalogue entry (so ``flops`` needs no batch of data)."""
    if ctx.inputs is not None:
        return tuple(ctx.inputs.shape[1:])
    shape = ctx.extras.get("input_shape") or getattr(ctx.space, "input_shape", None)
    if shape is None and ctx.dataset:
        from archrank.data.catalog import dataset_info
        from archrank.errors import UnknownName

        try:
            shape = dataset_info(ctx.dataset).input_shape
        except UnknownName:
            shape = None
    if shape is None:
        raise InvalidArgument(
            f"heuristic {name!r} needs the input shape: give a batch of inputs or extras['input_shape']"
        )
    return tuple(int(s) for s in shape)


def remove_batchnorm(model: nn.Module) -> nn.Module:
    """Replace every batch-norm layer of ``model`` (in place) by the identity; returns ``model``."""
    for parent in list(model.modules()):
        for cname, child in list(parent.named_children()):
            if isinstance(child, _BN):
                setattr(parent, cname, nn.Identity())
    return model


def is_sequence(ctx: ScoreContext) -> bool:
    """Whether ``ctx``'s space builds sequence (language) models."""
    return getattr(ctx.space, "domain", "image") == "sequence"


def train_model(ctx: ScoreContext) -> nn.Module:
    """A fresh model of ``ctx`` in training mode (batch norm uses the statistics of the batch).

    Sequence models have no batch norm but dropouts: they are returned in eval mode, so that the score is
    that of the deterministic network and no random mask touches the global RNG."""
    model = ctx.build()
    return model.eval() if is_sequence(ctx) else model.train()


def logits_of(out) -> torch.Tensor:
    """The logits of a model's output: the output itself, or the first item of a ``(logits, hidden)`` pair."""
    return out[0] if isinstance(out, (tuple, list)) else out


def task_loss(model: nn.Module, ctx: ScoreContext, name: str) -> torch.Tensor:
    """Mean cross-entropy of ``model`` on ``ctx``'s batch: over images (N, C) with labels (N,), or over the
    tokens of (B, T, V) logits with next-token targets (B, T)."""
    return batch_loss(model, require_inputs(ctx, name), require_targets(ctx, name), name)


def batch_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, name: str) -> torch.Tensor:
    """:func:`task_loss` of the batch ``(x, y)`` (for heuristics that split the scoring batch)."""
    logits = logits_of(model(x))
    if logits.dim() == 3:
        if tuple(y.shape) != tuple(logits.shape[:2]):
            raise InvalidArgument(f"heuristic {name!r}: targets of shape {tuple(y.shape)} do not match the "
                                  f"(batch, time) = {tuple(logits.shape[:2])} of the sequence model's output")
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    return F.cross_entropy(logits, y)


def channels_last(model: nn.Module, x: torch.Tensor) -> tuple[nn.Module, torch.Tensor]:
    """``model`` and image batch ``x`` in channels-last layout (much faster pooling and convolutions on CPU);
    other inputs are returned unchanged.  Results equal the default layout's up to rounding."""
    if x.dim() != 4:
        return model, x
    return model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)


class PerSpace:
    """Values cached per search-space object, held weakly: entries go with their space, and a new space never
    reads an entry of an earlier one (not even one that was given the same address, or the same name)."""

    def __init__(self) -> None:
        self._by_space: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def of(self, space) -> dict:
        """The cache dictionary of ``space`` (an empty one, not kept, where the space cannot be held weakly)."""
        try:
            return self._by_space.setdefault(space, {})
        except TypeError:  # unhashable or not weak-referenceable: nothing is cached for it
            return {}

    def __len__(self) -> int:
        return len(self._by_space)


_SAMPLE_MODELS = PerSpace()


def sample_model(space) -> nn.Module | None:
    """A model of one seeded sample architecture of ``space`` (cached per space object), for space checks that
    look at a network's structure; None when the space cannot sample or build."""
    import numpy as np

    from archrank.models.registry import build_model

    cache = _SAMPLE_MODELS.of(space)
    if "model" not in cache:
        try:
            cache["model"] = build_model(space, space.sample(np.random.default_rng(0)), 10, seed=0)
        except Exception:  # noqa: BLE001 - a space without a builder has no network to look at
            cache["model"] = None
    return cache["model"]

