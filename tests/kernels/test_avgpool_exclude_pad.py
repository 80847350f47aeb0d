"""Average pooling that excludes padding is linear: its NNGP equals the kernel of the pooled images."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from archrank.kernels import analytic as ak


def _pooled_linear_kernel(x: np.ndarray, window: int, include_pad: bool) -> np.ndarray:
    t = torch.from_numpy(x).permute(0, 3, 1, 2)  # NHWC -> NCHW
    p = F.avg_pool2d(t, window, stride=1, padding=window // 2, count_include_pad=include_pad)
    flat = p.permute(0, 2, 3, 1).reshape(len(x), -1, x.shape[-1])  # (N, pixels, channels)
    # input kernel = channel inner product / channels; flatten averages over pixels
    return np.einsum("apc,bpc->ab", flat.numpy(), flat.numpy()) / (x.shape[-1] * flat.shape[1])


def test_avgpool_same_padding_matches_pytorch_both_ways():
    x = np.random.default_rng(0).normal(size=(4, 6, 6, 3))
    for include in (True, False):
        net = ak.serial(ak.AvgPool(3, strides=1, padding="SAME", count_include_pad=include), ak.Flatten())
        got = net(x).nngp
        np.testing.assert_allclose(got, _pooled_linear_kernel(x, 3, include), rtol=1e-10)
