"""Turning what a loader returns into ``(images, labels)`` tensors."""

from __future__ import annotations

from typing import Any

import torch

from archrank.errors import DataError


def as_tensors(obj: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """(images, labels) from a loader's return value: a tuple, an object with images/labels, or a Dataset.

    Integer images are scaled to [0, 1]; labels become int64.
    """
    if isinstance(obj, (tuple, list)) and len(obj) == 2:
        x, y = obj
    else:
        for xa, ya in (("images", "labels"), ("x", "y"), ("inputs", "targets"), ("data", "targets")):
            if hasattr(obj, xa) and hasattr(obj, ya):
                x, y = getattr(obj, xa), getattr(obj, ya)
                break
        else:
            try:
                items = [obj[i] for i in range(len(obj))]
            except Exception as e:
                raise DataError(f"cannot read images and labels from {type(obj).__name__}") from e
            x = torch.stack([torch.as_tensor(a) for a, _ in items])
            y = torch.as_tensor([int(b) for _, b in items])
    x = torch.as_tensor(x)
    y = torch.as_tensor(y).long()
    if not x.is_floating_point():
        x = x.float() / 255.0
    return x, y
