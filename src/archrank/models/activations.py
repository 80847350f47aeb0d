"""Activation modules by name, shared by the generic networks (:mod:`archrank.models.generic`,
:mod:`archrank.models.generic_mlp`)."""

from __future__ import annotations

import torch
from torch import nn

from archrank.errors import UnknownName


class Erf(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.erf(x)


def activation(name: str) -> nn.Module:
    """A fresh module of activation ``name``; UnknownName lists the valid ones."""
    table = {
        "relu": nn.ReLU,
        "gelu": nn.GELU,
        "tanh": nn.Tanh,
        "sigmoid": nn.Sigmoid,
        "identity": nn.Identity,
        "erf": Erf,
    }
    if name not in table:
        raise UnknownName("activation", name, sorted(table))
    return table[name]()


__all__ = ["Erf", "activation"]
