"""Standard training augmentation as batched tensor operations: random crop with padding, horizontal flip.

Every random draw comes from the ``torch.Generator`` passed in, so a trainer that seeds its generator gets
the same augmented batches on every run.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from archrank.errors import InvalidArgument


def _fill_tensor(fill: float | Sequence[float] | torch.Tensor, channels: int, like: torch.Tensor) -> torch.Tensor:
    f = torch.as_tensor(fill, dtype=like.dtype, device=like.device).reshape(-1)
    if f.numel() == 1:
        f = f.expand(channels)
    if f.numel() != channels:
        raise InvalidArgument(f"fill has {f.numel()} values for {channels} channels")
    return f.view(1, channels, 1, 1)


def random_crop(x: torch.Tensor, generator: torch.Generator, *, padding: int = 4,
                fill: float | Sequence[float] | torch.Tensor = 0.0) -> torch.Tensor:
    """Pad each image of the NCHW batch ``x`` by ``padding`` pixels of ``fill`` (a value or one per channel)
    and crop it back to its size at an offset drawn uniformly from ``generator`` (one per image)."""
    if x.ndim != 4:
        raise InvalidArgument(f"expected an NCHW batch, found shape {tuple(x.shape)}")
    if padding < 0:
        raise InvalidArgument(f"padding must be >= 0, got {padding}")
    if padding == 0 or x.shape[0] == 0:
        return x.clone()
    n, c, h, w = x.shape
    padded = _fill_tensor(fill, c, x).expand(n, c, h + 2 * padding, w + 2 * padding).clone()
    padded[:, :, padding:padding + h, padding:padding + w] = x
    dy = torch.randint(0, 2 * padding + 1, (n,), generator=generator).to(x.device)
    dx = torch.randint(0, 2 * padding + 1, (n,), generator=generator).to(x.device)
    rows = (dy[:, None] + torch.arange(h, device=x.device)[None, :])[:, :, None]  # n, h, 1
    cols = (dx[:, None] + torch.arange(w, device=x.device)[None, :])[:, None, :]  # n, 1, w
    batch = torch.arange(n, device=x.device)[:, None, None]
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2).contiguous()


def random_hflip(x: torch.Tensor, generator: torch.Generator, *, p: float = 0.5) -> torch.Tensor:
    """Flip each image of the NCHW batch left-right with probability ``p`` (draws from ``generator``)."""
    flip = (torch.rand(x.shape[0], generator=generator) < p).to(x.device)
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def random_crop_flip(x: torch.Tensor, generator: torch.Generator, *, padding: int = 4,
                     fill: float | Sequence[float] | torch.Tensor = 0.0) -> torch.Tensor:
    """The standard CIFAR training augmentation: :func:`random_crop` then :func:`random_hflip`.

    For normalised images, pass ``fill=black_fill(info)`` to pad with black pixels as image libraries do
    before normalisation; the default 0 pads with the mean colour.
    """
    return random_hflip(random_crop(x, generator, padding=padding, fill=fill), generator)


def black_fill(mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    """The normalised value of a black pixel, per channel: ``-mean / std``."""
    return -torch.as_tensor(mean, dtype=torch.float32) / torch.as_tensor(std, dtype=torch.float32)
