"""Operations of the DARTS-family cells (DARTS, NDS, NAS-Bench-301), as in the DARTS evaluation networks.

Every operation maps ``C`` channels to ``C`` channels at stride 1 or 2 (stride 2 on the edges that read a
cell input in a reduction cell), and keeps "same" padding so a stride-2 op gives ``ceil(H / 2)``:

* ``sep_conv_kxk``: two stacked (ReLU, depthwise k x k conv, pointwise 1x1 conv, BN) blocks, only the first
  strided; ``dil_sep_conv_3x3`` is the same with dilation 2;
* ``dil_conv_kxk``: one (ReLU, depthwise k x k conv with dilation 2, pointwise 1x1 conv, BN) block;
* ``conv_1x1``, ``conv_3x3``: ReLU, conv, BN; ``conv_3x1_1x3``, ``conv_7x1_1x7``: ReLU, 1xk conv, kx1 conv, BN;
* ``avg_pool_kxk`` (padding not counted), ``max_pool_kxk``: plain pooling, no BatchNorm (DARTS adds a BN
  after pooling only inside its search supernet, not in the networks it trains); with ``pool_bn=True`` a
  non-affine BatchNorm follows the pooling (:class:`PoolBN`: DARTS's supernet and NASLib's NB301 network);
* ``skip_connect``: identity, or :class:`FactorizedReduce` at stride 2;
* ``none``: zeros of the output shape.

Convolutions have no bias; BatchNorm is affine unless ``affine=False`` (NASLib's DARTS-space models use
non-affine BatchNorm inside the operations; the cell preprocessing is always affine).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from archrank.errors import UnknownName
from archrank.models.pooling import ExcludePadAvgPool2d


class ReLUConvBN(nn.Sequential):
    """ReLU, convolution without bias (kernel may be rectangular), BatchNorm."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int = 0, affine: bool = True):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )


def _dw_pw(c: int, kernel: int, stride: int, dilation: int, affine: bool) -> list[nn.Module]:
    pad = dilation * (kernel - 1) // 2
    return [
        nn.ReLU(inplace=False),
        nn.Conv2d(c, c, kernel, stride=stride, padding=pad, dilation=dilation, groups=c, bias=False),
        nn.Conv2d(c, c, 1, bias=False),
        nn.BatchNorm2d(c, affine=affine),
    ]


class SepConv(nn.Sequential):
    """Two (ReLU, depthwise conv, pointwise conv, BN) blocks; the first carries the stride."""

    def __init__(self, c: int, kernel: int, stride: int, dilation: int = 1, affine: bool = True):
        super().__init__(*_dw_pw(c, kernel, stride, dilation, affine), *_dw_pw(c, kernel, 1, dilation, affine))


class DilConv(nn.Sequential):
    """One (ReLU, dilated depthwise conv, pointwise conv, BN) block."""

    def __init__(self, c: int, kernel: int, stride: int, dilation: int = 2, affine: bool = True):
        super().__init__(*_dw_pw(c, kernel, stride, dilation, affine))


class FactorizedConv(nn.Sequential):
    """ReLU, a 1 x k conv (strided along the width), a k x 1 conv (strided along the height), BN."""

    def __init__(self, c: int, kernel: int, stride: int, affine: bool = True):
        p = kernel // 2
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c, c, (1, kernel), stride=(1, stride), padding=(0, p), bias=False),
            nn.Conv2d(c, c, (kernel, 1), stride=(stride, 1), padding=(p, 0), bias=False),
            nn.BatchNorm2d(c, affine=affine),
        )


class FactorizedReduce(nn.Module):
    """Halve the resolution without losing pixels: ReLU, two 1x1 stride-2 convs (the second on the input
    shifted by one pixel) producing half the channels each, concatenated, BN."""

    def __init__(self, c_in: int, c_out: int, affine: bool = True):
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv_a = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_b = nn.Conv2d(c_in, c_out - c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        shifted = nn.functional.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.conv_a(x), self.conv_b(shifted)], dim=1))


class Identity(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class Zero(nn.Module):
    """The ``none`` operation: zeros, subsampled at stride 2."""

    def __init__(self, stride: int):
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)


def _pool(kind: str, k: int) -> Callable[[int, int, bool], nn.Module]:
    if kind == "avg":
        return lambda c, s, a: ExcludePadAvgPool2d(k, stride=s, padding=k // 2, count_include_pad=False)
    return lambda c, s, a: nn.MaxPool2d(k, stride=s, padding=k // 2)


#: name -> constructor ``(channels, stride, affine) -> nn.Module``
DARTS_OPS: dict[str, Callable[[int, int, bool], nn.Module]] = {
    "none": lambda c, s, a: Zero(s),
    "skip_connect": lambda c, s, a: Identity() if s == 1 else FactorizedReduce(c, c, affine=a),
    "avg_pool_3x3": _pool("avg", 3),
    "max_pool_3x3": _pool("max", 3),
    "max_pool_5x5": _pool("max", 5),
    "max_pool_7x7": _pool("max", 7),
    "conv_1x1": lambda c, s, a: ReLUConvBN(c, c, 1, s, 0, affine=a),
    "conv_3x3": lambda c, s, a: ReLUConvBN(c, c, 3, s, 1, affine=a),
    "conv_3x1_1x3": lambda c, s, a: FactorizedConv(c, 3, s, affine=a),
    "conv_7x1_1x7": lambda c, s, a: FactorizedConv(c, 7, s, affine=a),
    "sep_conv_3x3": lambda c, s, a: SepConv(c, 3, s, affine=a),
    "sep_conv_5x5": lambda c, s, a: SepConv(c, 5, s, affine=a),
    "sep_conv_7x7": lambda c, s, a: SepConv(c, 7, s, affine=a),
    "dil_sep_conv_3x3": lambda c, s, a: SepConv(c, 3, s, dilation=2, affine=a),
    "dil_conv_3x3": lambda c, s, a: DilConv(c, 3, s, affine=a),
    "dil_conv_5x5": lambda c, s, a: DilConv(c, 5, s, affine=a),
}


class PoolBN(nn.Sequential):
    """A pooling operation followed by a non-affine BatchNorm (the pooling edges of DARTS's search supernet
    and of NASLib's NB301 network; the BatchNorm is non-affine whatever the other operations use)."""

    def __init__(self, pool: nn.Module, c: int):
        super().__init__(pool, nn.BatchNorm2d(c, affine=False))


def make_darts_op(name: str, channels: int, stride: int, affine: bool = True, pool_bn: bool = False) -> nn.Module:
    """The operation ``name`` on ``channels`` channels at ``stride`` (``affine``: BatchNorm scale and shift;
    ``pool_bn``: a non-affine BatchNorm after the pooling operations); UnknownName lists the valid names."""
    if name not in DARTS_OPS:
        raise UnknownName("DARTS-family operation", name, sorted(DARTS_OPS))
    op = DARTS_OPS[name](channels, stride, affine)
    return PoolBN(op, channels) if pool_bn and "_pool_" in name else op


__all__ = [
    "DARTS_OPS", "DilConv", "FactorizedConv", "FactorizedReduce", "Identity", "PoolBN", "ReLUConvBN", "SepConv",
    "Zero", "make_darts_op",
]
