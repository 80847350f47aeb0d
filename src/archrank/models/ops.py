"""Cell operations of the NAS-Bench-201 family (topology and size spaces).

Each operation maps ``C_in`` channels to ``C_out`` channels at a given stride.  Convolutions are
ReLU -> Conv (no bias) -> BatchNorm; pooling is 3x3 average pooling that does not count padding (preceded by
a 1x1 ReLU-Conv-BN when the channel count changes); ``skip_connect`` is the identity, or a 1x1 Conv-BN
(a factorized reduction at stride 2) when shapes differ; ``none`` is the zero function.  The residual block
joins stages and halves the resolution.  Parameter shapes follow the benchmark so that parameter counts
equal the published figures.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from archrank.errors import UnknownName
from archrank.models.pooling import ExcludePadAvgPool2d
from archrank.spaces.nb201 import OPS


class ReLUConvBN(nn.Module):
    """ReLU, convolution without bias, batch normalisation (children ``relu``, ``conv``, ``bn``)."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, padding: int, dilation: int = 1):
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, dilation=dilation, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(self.relu(x)))


class AvgPool3x3(nn.Module):
    """3x3 average pooling (padding excluded from the mean), with a 1x1 projection if channels change."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.preprocess = None if c_in == c_out else ReLUConvBN(c_in, c_out, 1, 1, 0)
        self.pool = ExcludePadAvgPool2d(3, stride=stride, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.preprocess is not None:
            x = self.preprocess(x)
        return self.pool(x)


class Identity(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class Zero(nn.Module):
    """The ``none`` operation: zeros of the output shape."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.c_out, self.stride = c_out, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        if self.stride != 1:
            h, w = (h + self.stride - 1) // self.stride, (w + self.stride - 1) // self.stride
        return x.new_zeros(b, self.c_out, h, w)


class FactorizedReduce(nn.Module):
    """Skip connection between different shapes: 1x1 Conv-BN at stride 1; two offset 1x1 convs at stride 2."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.stride = stride
        if stride == 1:
            self.conv = nn.Conv2d(c_in, c_out, 1, bias=False)
        elif stride == 2:
            half = c_out // 2
            self.convs = nn.ModuleList(
                [nn.Conv2d(c_in, half, 1, stride=2, bias=False), nn.Conv2d(c_in, c_out - half, 1, stride=2, bias=False)]
            )
        else:
            raise ValueError(f"FactorizedReduce supports stride 1 or 2, got {stride}")
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 1:
            return self.bn(self.conv(x))
        x = torch.relu(x)
        shifted = nn.functional.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.convs[0](x), self.convs[1](shifted)], dim=1))


def _skip(c_in: int, c_out: int, stride: int) -> nn.Module:
    return Identity() if stride == 1 and c_in == c_out else FactorizedReduce(c_in, c_out, stride)


_FACTORIES: dict[str, Callable[[int, int, int], nn.Module]] = {
    "none": Zero,
    "skip_connect": _skip,
    "nor_conv_1x1": lambda c_in, c_out, stride: ReLUConvBN(c_in, c_out, 1, stride, 0),
    "nor_conv_3x3": lambda c_in, c_out, stride: ReLUConvBN(c_in, c_out, 3, stride, 1),
    "avg_pool_3x3": AvgPool3x3,
}


def make_op(name: str, c_in: int, c_out: int, stride: int = 1) -> nn.Module:
    """The module of operation ``name``; raises UnknownName listing the valid operations."""
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise UnknownName("operation", name, OPS) from None
    return factory(c_in, c_out, stride)


class ResidualReduction(nn.Module):
    """Residual block between stages: two 3x3 ReLU-Conv-BN (the first strided) plus a shortcut.

    At stride 2 the shortcut is 2x2 average pooling followed by a 1x1 convolution without bias.
    """

    def __init__(self, c_in: int, c_out: int, stride: int = 2):
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, stride, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        if stride == 2:
            self.downsample: nn.Module | None = nn.Sequential(
                nn.AvgPool2d(kernel_size=2, stride=2, padding=0), nn.Conv2d(c_in, c_out, 1, bias=False)
            )
        elif c_in != c_out:
            self.downsample = ReLUConvBN(c_in, c_out, 1, 1, 0)
        else:
            self.downsample = None
        self.out_dim = c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv_b(self.conv_a(x))
        shortcut = x if self.downsample is None else self.downsample(x)
        return shortcut + y
