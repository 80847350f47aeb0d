"""Helpers shared by the built-in heuristics: which layers count, input checks, BN removal."""

from __future__ import annotations

import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.heuristics.base import ScoreContext

# Layers whose weights carry a saliency: convolutions and fully connected layers (as in the zero-cost
# proxy literature); batch-norm affine parameters and biases are not counted.
WEIGHT_LAYERS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)
_BN = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


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


def train_model(ctx: ScoreContext) -> nn.Module:
    """A fresh model of ``ctx`` in training mode (batch norm uses the statistics of the batch)."""
    return ctx.build().train()


def channels_last(model: nn.Module, x: torch.Tensor) -> tuple[nn.Module, torch.Tensor]:
    """``model`` and image batch ``x`` in channels-last layout (much faster pooling and convolutions on CPU);
    other inputs are returned unchanged.  Results equal the default layout's up to rounding."""
    if x.dim() != 4:
        return model, x
    return model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
