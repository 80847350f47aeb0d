"""Baselines every proxy must beat: the number of parameters and the number of FLOPs of the network."""

from __future__ import annotations

import torch
from torch import nn

from archrank.heuristics._util import input_shape
from archrank.heuristics.base import ScoreContext, register_heuristic


@register_heuristic("params", needs=(), canonical_invariant=False,
                    reference="baseline of Abdelfattah et al., ICLR 2021")
def params(ctx: ScoreContext) -> float:
    """Number of trainable parameters of the network."""
    model = ctx.init_model()
    return float(sum(p.numel() for p in model.parameters() if p.requires_grad))


def _count_macs(model: nn.Module, shape: tuple[int, ...]) -> float:
    """Multiply-accumulate operations of convolutions and linear layers for one input of ``shape``."""
    total = 0.0

    def conv(m: nn.Module, _inp, out: torch.Tensor) -> None:
        nonlocal total
        k = m.weight[0].numel()  # in_channels / groups * kernel elements
        total += float(out[0].numel()) * k

    def linear(m: nn.Module, _inp, out: torch.Tensor) -> None:
        nonlocal total
        total += float(out[0].numel()) * m.in_features

    handles = []
    for m in model.modules():
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            handles.append(m.register_forward_hook(conv))
        elif isinstance(m, nn.Linear):
            handles.append(m.register_forward_hook(linear))
    try:
        with torch.inference_mode():
            model.eval()(torch.zeros((1, *shape), device=next(model.parameters(), torch.empty(0)).device))
    finally:
        for h in handles:
            h.remove()
    return total


def count_model_flops(model: nn.Module, shape: tuple[int, ...]) -> float:
    """FLOPs of one forward pass for one input of ``shape`` (the package counter where it exists)."""
    try:
        from archrank.models.flops import count_flops
    except ImportError:
        return _count_macs(model, shape)
    return float(count_flops(model, (1, *shape)))


@register_heuristic("flops", domains=("image",), needs=(), canonical_invariant=False,
                    reference="baseline of Abdelfattah et al., ICLR 2021")
def flops(ctx: ScoreContext) -> float:
    """Forward FLOPs for one input (multiply-accumulates of conv/linear layers, as the benchmarks count them)."""
    model = ctx.init_model()
    return count_model_flops(model, input_shape(ctx, "flops"))
