"""Synaptic flow (Tanaka et al. 2020) as a zero-cost proxy (Abdelfattah et al. 2021).

On a copy of the fresh network in double precision, with every parameter replaced by its absolute value and
every batch-norm layer removed (so that no batch statistics enter), the input is a single all-ones image and
R = sum of the outputs.  The score is the sum over conv/linear weights of |W * dR/dW|.  Data are not needed
(only the input shape); labels are not used.
"""

from __future__ import annotations

import torch

from archrank.heuristics._util import input_shape, remove_batchnorm, weight_layers
from archrank.heuristics.base import ScoreContext, register_heuristic


@register_heuristic("synflow", needs=("gradients",),
                    reference="Tanaka et al., NeurIPS 2020; as a NAS proxy Abdelfattah et al., ICLR 2021")
def synflow(ctx: ScoreContext) -> float:
    """Sum of |W * dR/dW| for R the output sum of the |W| network (double precision, no batch norm) on ones."""
    model = remove_batchnorm(ctx.build()).double().train()
    with torch.no_grad():
        for p in model.state_dict().values():
            if p.is_floating_point():
                p.abs_()
    ws = [m.weight for m in weight_layers(model)]
    x = torch.ones((1, *input_shape(ctx, "synflow")), dtype=torch.float64)
    with torch.enable_grad():
        r = model(x).sum()
        gs = torch.autograd.grad(r, ws, allow_unused=True)
    return float(sum((w.detach() * g).abs().sum() for w, g in zip(ws, gs) if g is not None))
