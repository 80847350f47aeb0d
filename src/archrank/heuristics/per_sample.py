"""Per-sample loss gradients of a network at initialisation: the pass quantity behind ``gradsign`` and ``knas``.

For a batch (x_i, y_i), i = 1..N, the per-sample gradient g_i is the gradient of the cross-entropy loss of
sample i *alone* with respect to the convolution and linear weights (batch norm, in training mode, then
normalises each image by its own statistics, as when the network is run on a batch of one image).

Two routes give the same ``(N, P)`` matrix:

* :func:`per_sample_grads` (fast): one vectorised pass with :mod:`torch.func` (``vmap`` over
  ``grad`` of a ``functional_call``), batch norm on a copy that keeps no running statistics;
* :func:`per_sample_grads_loop` (reference): one forward and one ``backward()`` per image.

:func:`summed_sample_grad` is the gradient of the sum of the per-sample losses (= the sum of the rows of the
matrix) computed without forming the matrix: a vectorised forward and one backward pass.

:func:`per_sample_grad_stats` (the pass gradsign and knas read) keeps, per weight, the sum over samples of
the gradients' signs (gradsign) and of the gradients (knas).  Where the batch's ``(N, P)`` rows fit in 1.5 GiB
(every NB201, NB301 and NDS network at batch 64) it runs the vectorised pass on the whole batch, as before;
beyond, on chunks of a power-of-two number of samples, and never holds more than a chunk's rows.  The sign
sums are integers, so gradsign is exactly the value of the chunk's rows; knas's column sums are added chunk
by chunk.  The matrix alone is 64 x 49.1M x 4 bytes = 12.6 GB on NB101's largest cell, and the joined copy
the pass used to make doubled it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, grad, vmap

from archrank.heuristics._util import weight_layers

_BN = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


_DROPOUT = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout)


def weight_names(model: nn.Module) -> list[str]:
    """Names (as in ``named_parameters``) of the conv/linear weights of ``model``, in module order."""
    ids = {id(m.weight) for m in weight_layers(model)}
    return [n for n, p in model.named_parameters() if id(p) in ids]


def _without_running_stats(model: nn.Module, copy_model: bool = True) -> nn.Module:
    """A copy of ``model`` (``model`` itself when ``copy_model`` is false) whose batch-norm layers use batch
    statistics and change no buffer and whose dropout layers are off (so that the model can run under
    ``vmap``, which draws no random masks: the per-sample gradient is that of the deterministic network);
    ``model`` itself when it has neither."""
    if not any(isinstance(m, (*_BN, *_DROPOUT)) for m in model.modules()):
        return model
    if copy_model:
        model = copy.deepcopy(model)
    for m in model.modules():
        if isinstance(m, _BN) and m.training:
            m.track_running_stats = False
            m.running_mean = m.running_var = m.num_batches_tracked = None
        if isinstance(m, _DROPOUT):
            m.eval()
    return model


def _sample_loss_fn(model: nn.Module, names: list[str], copy_model: bool = True):
    model = _without_running_stats(model, copy_model)
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def loss(weights: dict[str, torch.Tensor], xi: torch.Tensor, yi: torch.Tensor) -> torch.Tensor:
        out = functional_call(model, ({**weights, **buffers},), (xi.unsqueeze(0),), strict=False)
        return F.cross_entropy(out, yi.unsqueeze(0))

    return loss


def _weights(model: nn.Module, names: list[str]) -> dict[str, torch.Tensor]:
    params = dict(model.named_parameters())
    return {n: params[n].detach() for n in names}


def per_sample_grads(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *,
                     chunk_size: int | None = None, copy_model: bool = True) -> torch.Tensor:
    """``(N, P)``: row i is the loss gradient of sample i alone w.r.t. the conv/linear weights (flattened in
    module order).  ``chunk_size`` bounds how many samples are differentiated at once (memory).
    ``copy_model=False`` lets the function change ``model``'s batch-norm settings instead of copying it
    (for a model built for this call alone: the copy costs more than a fresh build)."""
    names = weight_names(model)
    loss = _sample_loss_fn(model, names, copy_model)
    w = _weights(model, names)
    with torch.enable_grad():
        g = vmap(grad(loss), in_dims=(None, 0, 0), chunk_size=chunk_size)(w, x, y)
    return torch.cat([g[n].detach().reshape(x.shape[0], -1) for n in names], dim=1)


#: bytes of per-sample gradients :func:`per_sample_grad_stats` holds at once: the whole batch where its
#: ``(N, P)`` rows fit (every network of the NB201, NB301 and NDS tables at batch 64: NDS's largest, 5.95M
#: weights with the 1000-way head, is 1.42 GiB), else chunks of a power-of-two number of samples that do
STATS_BYTES = 3 * 2**29  # 1.5 GiB


@dataclass(frozen=True)
class SampleGradStats:
    """Reductions over samples of the per-sample gradients: ``sign_sums[k]`` is sum_i sign(g_i) over the k-th
    conv/linear weight (flattened, float32: exact integers), ``column_sums`` is sum_i g_i over all the
    weights (P,), ``n`` the number of samples."""

    sign_sums: tuple[torch.Tensor, ...]
    column_sums: torch.Tensor
    n: int


def _default_chunk(n: int, row_bytes: int) -> int:
    """The whole batch if its rows fit in :data:`STATS_BYTES`, else the largest power of two of samples that
    does (at least one).  The chunk is part of the values: the rows of a chunk of 16 or 64 samples are bit for
    bit those of the whole batch on the networks checked, those of a chunk of 25 were not."""
    if n * row_bytes <= STATS_BYTES:
        return n
    step = 1
    while 2 * step * row_bytes <= STATS_BYTES and 2 * step < n:
        step *= 2
    return step


def per_sample_grad_stats(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, chunk_size: int | None = None,
                          copy_model: bool = True) -> SampleGradStats:
    """The sign sums and column sums of the ``(N, P)`` per-sample gradient matrix, accumulated over chunks of
    ``chunk_size`` samples (default :func:`_default_chunk`: the whole batch up to :data:`STATS_BYTES` of rows)
    so that only a chunk's rows are ever in memory."""
    names = weight_names(model)
    loss = _sample_loss_fn(model, names, copy_model)
    w = _weights(model, names)
    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))
    n_samples = int(x.shape[0])
    step = chunk_size or _default_chunk(n_samples, 4 * sum(t.numel() for t in w.values()))
    signs: list[torch.Tensor] | None = None
    sums: torch.Tensor | None = None
    with torch.enable_grad():
        for start in range(0, n_samples, step):
            g = per_sample(w, x[start:start + step], y[start:start + step])
            rows = [g[n].detach().reshape(g[n].shape[0], -1) for n in names]
            chunk_signs = [torch.sign(r).sum(0) for r in rows]
            if step >= n_samples:  # the whole batch: the column sums of the joined matrix, as its reduction adds them
                chunk_sums = torch.cat(rows, dim=1).sum(dim=0)
            else:
                chunk_sums = torch.cat([r.sum(0) for r in rows])
            del g, rows
            signs = chunk_signs if signs is None else [a + b for a, b in zip(signs, chunk_signs)]
            sums = chunk_sums if sums is None else sums + chunk_sums
    return SampleGradStats(tuple(signs or ()), sums if sums is not None else torch.zeros(0), n_samples)


def per_sample_grads_loop(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The same matrix as :func:`per_sample_grads`, one ``backward()`` per image (reference form)."""
    model = copy.deepcopy(model)
    layers = weight_layers(model)
    rows = []
    with torch.enable_grad():
        for i in range(x.shape[0]):
            model.zero_grad(set_to_none=True)
            F.cross_entropy(model(x[i:i + 1]), y[i:i + 1]).backward()
            rows.append(torch.cat([(m.weight.grad if m.weight.grad is not None else torch.zeros_like(m.weight))
                                   .reshape(-1) for m in layers]))
    return torch.stack(rows)


def summed_sample_grad(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *,
                       copy_model: bool = True) -> torch.Tensor:
    """``(P,)``: the gradient of sum_i loss(sample i alone), i.e. the column sums of :func:`per_sample_grads`,
    from a vectorised forward pass and a single backward pass (no ``(N, P)`` matrix is formed)."""
    names = weight_names(model)
    loss = _sample_loss_fn(model, names, copy_model)
    w = {n: t.clone().requires_grad_(True) for n, t in _weights(model, names).items()}
    with torch.enable_grad():
        total = vmap(loss, in_dims=(None, 0, 0))(w, x, y).sum()
        gs = torch.autograd.grad(total, [w[n] for n in names], allow_unused=True)
    return torch.cat([(torch.zeros_like(w[n]) if g is None else g.detach()).reshape(-1)
                      for n, g in zip(names, gs)])


__all__ = ["STATS_BYTES", "SampleGradStats", "per_sample_grad_stats", "per_sample_grads", "per_sample_grads_loop", "summed_sample_grad", "weight_names"]
