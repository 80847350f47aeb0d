"""ZiCo (Li et al., ICLR 2023, "ZiCo: Zero-shot NAS via inverse Coefficient of Variation on Gradients").

For every convolution and linear layer l with weights theta_l and B batches of data, let g_b = dL_b/dtheta_l
be the gradient of the cross-entropy loss of batch b.  Per weight, mean|g| and std(g) are taken across
the B batches (population std, ddof 0); the score is

    ZiCo = sum_l log( sum_{w in l, std_w > 0} mean_b |g_b[w]| / std_b(g_b[w]) )

Weights whose gradient does not vary across batches (std 0, e.g. weights of a dead edge) are left out, and a
layer whose sum is 0 contributes nothing, as in the authors' code.

Batches: the authors draw B = 2 batches of 64 from the training loader.  A heuristic here is a function of
one batch, so the batch of the context is split into ``batches`` (default 2) equal consecutive parts, each
giving one gradient (with 64 images: two batches of 32).  Batch norm uses batch statistics (train mode),
as in the authors' code; the network keeps the package's default initialisation.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.heuristics._util import (
    batch_loss,
    channels_last,
    require_inputs,
    require_targets,
    train_model,
    weight_layers,
)
from archrank.heuristics.base import ScoreContext, register_heuristic

DEFAULT_BATCHES = 2


def split_batches(x: torch.Tensor, y: torch.Tensor, batches: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """``batches`` consecutive, equal parts of (x, y) (a remainder of n % batches samples is dropped)."""
    n = x.shape[0] // batches
    if batches < 2 or n < 1:
        raise InvalidArgument(f"zico needs at least 2 batches of at least one sample; got batches={batches} "
                              f"for a batch of {x.shape[0]}")
    return [(x[i * n:(i + 1) * n], y[i * n:(i + 1) * n]) for i in range(batches)]


def loss_gradients(model: nn.Module, batches: list[tuple[torch.Tensor, torch.Tensor]]) -> list[np.ndarray]:
    """Per conv/linear layer (module order), the (batches x weights) matrix of cross-entropy gradients (for a
    language model: of the mean next-token loss of the batch's sequences)."""
    layers = weight_layers(model)
    grads: list[list[np.ndarray]] = [[] for _ in layers]
    with torch.enable_grad():
        for x, y in batches:
            model.zero_grad(set_to_none=True)
            loss = batch_loss(model, x, y, "zico")
            if loss.requires_grad:
                loss.backward()
            for i, m in enumerate(layers):
                g = m.weight.grad
                grads[i].append(np.zeros(m.weight.numel()) if g is None
                                else g.detach().reshape(-1).double().numpy().copy())
    return [np.stack(g) for g in grads]


def zico_from_gradients(grads: list[np.ndarray]) -> float:
    """The ZiCo score of per-layer (batches x weights) gradient matrices."""
    total = 0.0
    for g in grads:
        std = g.std(axis=0)
        nz = std > 0
        s = float(np.sum(np.abs(g[:, nz]).mean(axis=0) / std[nz]))
        if s > 0:
            total += float(np.log(s))
    return total


def zico_score(ctx: ScoreContext, batches: int = DEFAULT_BATCHES) -> float:
    x = require_inputs(ctx, "zico")
    y = require_targets(ctx, "zico")
    model, x = channels_last(train_model(ctx), x)  # a sequence model in eval mode: no dropout masks
    return zico_from_gradients(loss_gradients(model, split_batches(x, y, batches)))


@register_heuristic("zico", domains=("image", "vector", "sequence"), needs=("data", "labels", "gradients"), reference="Li et al., ICLR 2023")
def zico(ctx: ScoreContext) -> float:
    """Sum over layers of log(sum over weights of mean|grad| / std(grad) across 2 half-batches)."""
    return zico_score(ctx, int(ctx.extras.get("zico_batches", DEFAULT_BATCHES)))
