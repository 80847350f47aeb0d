"""Multiply-accumulate counts in the convention NATS-Bench / NAS-Bench-201 report as ``flop``.

One forward pass on a zero input with hooks on the convolutions and linear layers:

* ``Conv2d``: output positions x output channels x (input channels / groups) x kernel area, plus one per
  output element for a bias;
* ``Linear``: input features x output features, plus output features for a bias;
* nothing else: pooling (the ``avg_pool_3x3`` cell operation, the shortcut's 2x2 pooling, global pooling),
  BatchNorm, activations and additions are not counted in the published figures (checked against the
  NATS-Bench records: counting the 3x3 pooling would overstate cell 0 by 8%).

Every operation of the model is counted, including those on edges that cannot change the output (the
benchmark's figures count them): modules with a ``skip_dead`` switch are counted with it off.  Figures are
plain counts; divide by 1e6 for the benchmark's units.
"""

from __future__ import annotations

import torch
from torch import nn


def _conv_macs(m: nn.Conv2d, out: torch.Tensor) -> int:
    per_out = (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
    n = out.numel() * per_out
    if m.bias is not None:
        n += out.numel()
    return n


def _linear_macs(m: nn.Linear, out: torch.Tensor) -> int:
    rows = out.numel() // m.out_features
    n = rows * m.in_features * m.out_features
    if m.bias is not None:
        n += out.numel()
    return n


def count_flops(model: nn.Module, input_shape: tuple[int, ...] = (1, 3, 32, 32)) -> int:
    """Multiply-accumulates of one forward pass on ``input_shape`` (batch included; use batch 1).

    Models built with dead-edge skipping are switched to the straightforward forward pass for the count
    (and restored afterwards), so operations on dead edges are counted as the benchmark counts them.
    """
    total = 0

    def hook(m: nn.Module, _inp, out) -> None:
        nonlocal total
        if isinstance(m, nn.Conv2d):
            total += _conv_macs(m, out)
        elif isinstance(m, nn.Linear):
            total += _linear_macs(m, out)

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    skippers = [m for m in model.modules() if getattr(m, "skip_dead", None) is True]
    for m in skippers:
        m.skip_dead = False
    was_training = model.training
    try:
        model.eval()
        ref = next(model.parameters(), None)
        x = torch.zeros(input_shape) if ref is None else torch.zeros(input_shape, dtype=ref.dtype, device=ref.device)
        with torch.no_grad():
            model(x)
    finally:
        for h in handles:
            h.remove()
        for m in skippers:
            m.skip_dead = True
        model.train(was_training)
    return total
