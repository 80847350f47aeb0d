"""The PyTorch network of the generic MLP space (:mod:`archrank.spaces.generic_mlp`).

:class:`MLPNetwork` (vectors ``(N, D)``; other shapes are flattened): dense layers with their activations,
then a linear head.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from archrank.errors import InvalidArgument, UnknownName
from archrank.models.activations import activation
from archrank.models.registry import register_builder, reject_unknown_options
from archrank.spaces.generic_mlp import MLP_ACTIVATIONS, GenericMLPArch


class MLPNetwork(nn.Module):
    """Dense layers of a :class:`~archrank.spaces.generic_mlp.GenericMLPArch`, then a linear head.

    Without ``in_features`` the layers are ``LazyLinear``, initialised on the first call.  So that the
    weights still follow the random state at construction (``build_model(..., seed=...)``), a seed is drawn
    then and the first call initialises them under it, in a forked RNG.
    """

    def __init__(self, arch: GenericMLPArch, num_classes: int = 10, *, in_features: int | None = None):
        super().__init__()
        if num_classes < 1 or (in_features is not None and in_features < 1):
            raise InvalidArgument(
                f"num_classes and in_features must be >= 1, got {num_classes}, {in_features}"
            )
        self.arch = arch
        layers: list[nn.Module] = [nn.Flatten()]
        prev = in_features
        for layer in arch.layers:
            if layer.activation not in MLP_ACTIVATIONS:
                raise UnknownName("activation", layer.activation, MLP_ACTIVATIONS)
            layers.append(nn.Linear(prev, layer.width) if prev is not None else nn.LazyLinear(layer.width))
            layers.append(activation(layer.activation))
            prev = layer.width
        layers.append(nn.Linear(prev, num_classes) if prev is not None else nn.LazyLinear(num_classes))
        self.net = nn.Sequential(*layers)
        self._lazy_seed = int(torch.randint(0, 2**62, ()).item()) if in_features is None else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._lazy_seed is None:
            return self.net(x)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self._lazy_seed)
            out = self.net(x)
        self._lazy_seed = None
        return out


@register_builder("generic_mlp")
def build(arch: GenericMLPArch, num_classes: int = 10, *, in_features: int | None = None,
          **unknown: Any) -> MLPNetwork:
    """The builder of space ``generic_mlp`` (the space passes its ``in_features``)."""
    reject_unknown_options("generic_mlp", unknown, ("in_features",))
    return MLPNetwork(arch, num_classes, in_features=in_features)


__all__ = ["MLPNetwork", "build"]
