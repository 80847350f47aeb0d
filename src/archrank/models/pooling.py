"""Average pooling that leaves padding out of the mean, computed as a depthwise convolution.

``nn.AvgPool2d(..., count_include_pad=False)`` is slow on CPU: on a batch of 64 NB201 feature maps
(64 x 16 x 32 x 32, one thread) its forward pass takes about 10x and its backward pass about 3x the time
of the same pooling written as a depthwise convolution with an all-ones kernel followed by division by the
number of input pixels each window covers.  The two are the same function (sums of the same terms, one
division), equal to float rounding; :class:`ExcludePadAvgPool2d` is a drop-in subclass of
``nn.AvgPool2d`` (same arguments, no parameters or buffers, so state dicts and parameter counts do not
change) that takes the convolution route whenever it applies and falls back to the parent otherwise
(``ceil_mode``, ``divisor_override``, padding counted).  The convolution is functional (no ``nn.Conv2d``
child), so FLOP counters, which leave pooling out, see no new layer.
"""

from __future__ import annotations

from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import nn


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


# The cached constants are made outside inference mode (``torch.inference_mode(False)``): a tensor created
# inside it (a first call under naswot's inference-mode forward) could not be saved for a later backward.
@lru_cache(maxsize=256)
def _ones(channels: int, kernel: tuple[int, int], dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    with torch.inference_mode(False), torch.no_grad():
        return torch.ones(channels, 1, *kernel, dtype=dtype, device=device)


@lru_cache(maxsize=256)
def _counts(size: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int],
            dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """Per output pixel, how many input pixels its window covers (shape 1 x 1 x H_out x W_out)."""
    with torch.inference_mode(False), torch.no_grad():
        ones = torch.ones(1, 1, *size, dtype=dtype, device=device)
        return F.conv2d(ones, _ones(1, kernel, dtype, device), stride=stride, padding=padding)


class ExcludePadAvgPool2d(nn.AvgPool2d):
    """``nn.AvgPool2d`` whose ``count_include_pad=False`` case runs as a depthwise convolution."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = False, divisor_override=None):
        super().__init__(kernel_size, stride=stride, padding=padding, ceil_mode=ceil_mode,
                         count_include_pad=count_include_pad, divisor_override=divisor_override)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.count_include_pad or self.ceil_mode or self.divisor_override is not None or x.dim() != 4:
            return super().forward(x)
        k, s, p = _pair(self.kernel_size), _pair(self.stride), _pair(self.padding)
        summed = F.conv2d(x, _ones(x.shape[1], k, x.dtype, x.device), stride=s, padding=p, groups=x.shape[1])
        return summed / _counts((x.shape[2], x.shape[3]), k, s, p, x.dtype, x.device)


__all__ = ["ExcludePadAvgPool2d"]
