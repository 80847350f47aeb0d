"""benchmarks/bench_nb101_l2_init.py: the fan-out redraw makes a convolution's norm follow its input channels."""

from __future__ import annotations

import math

import torch


def test_fan_out_redraw_follows_input_channels(bench_script):
    mod = bench_script("bench_nb101_l2_init")
    torch.manual_seed(0)
    wide_in, wide_out = torch.nn.Conv2d(256, 8, 3, bias=False), torch.nn.Conv2d(8, 256, 3, bias=False)
    a_in, b_in = mod.norms(torch.nn.Sequential(wide_in))
    a_out, b_out = mod.norms(torch.nn.Sequential(wide_out))
    # PyTorch's default: ||W||^2 about C_out / 3; the fan-out redraw: about 2 C_in
    assert math.isclose(a_in**2, 8 / 3, rel_tol=0.1) and math.isclose(a_out**2, 256 / 3, rel_tol=0.1)
    assert math.isclose(b_in**2, 2 * 256, rel_tol=0.1) and math.isclose(b_out**2, 2 * 8, rel_tol=0.1)
