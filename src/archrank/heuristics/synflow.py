"""Synaptic flow (Tanaka et al. 2020) as a zero-cost proxy (Abdelfattah et al. 2021).

On a copy of the fresh network in double precision, with every parameter replaced by its absolute value and
every batch-norm layer removed (so that no batch statistics enter), the input is a single all-ones image and
R = sum of the outputs.  The score is the sum over conv/linear weights of |W * dR/dW|.  Data are not needed
(only the input shape); labels are not used.

On a sequence (language) model the all-ones input is taken after the embedding: one sequence of all-ones
embedding vectors (1, T, emsize) goes through the |W| network with dropout off, T the length of the
context's token batch (else the data set's window, 70 tokens for the NAS-Bench-NLP corpora), and R is the
sum of the logits.  The tied embedding / decoder matrix counts once, through the decoder.
"""

from __future__ import annotations

import torch

from archrank.heuristics._util import input_shape, is_sequence, logits_of, remove_batchnorm, weight_layers
from archrank.heuristics.base import ScoreContext, register_heuristic


@register_heuristic("synflow", needs=("gradients",),
                    reference="Tanaka et al., NeurIPS 2020; as a NAS proxy Abdelfattah et al., ICLR 2021")
def synflow(ctx: ScoreContext) -> float:
    """Sum of |W * dR/dW| for R the output sum of the |W| network (double precision, no batch norm) on ones."""
    if not is_sequence(ctx):  # the pass shared with logsynflow
        from archrank.heuristics.logsynflow import synflow_abs

        ws, gs = synflow_abs(ctx, "synflow")
        return float(sum((w * g).abs().sum() for w, g in zip(ws, gs)))
    model = remove_batchnorm(ctx.build()).double().train()
    with torch.no_grad():
        for p in model.state_dict().values():
            if p.is_floating_point():
                p.abs_()
    ws = [m.weight for m in weight_layers(model)]
    model.eval()
    steps = int(ctx.inputs.shape[1]) if ctx.inputs is not None else input_shape(ctx, "synflow")[0]
    emb = torch.ones((1, steps, model.emsize), dtype=torch.float64, device=next(model.parameters()).device)
    with torch.enable_grad():
        r = logits_of(model.forward_embedded(emb)).sum()
        gs = torch.autograd.grad(r, ws, allow_unused=True)
    return float(sum((w.detach() * g).abs().sum() for w, g in zip(ws, gs) if g is not None))
