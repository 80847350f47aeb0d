"""MeCo (Jiang et al., NeurIPS 2023, "MeCo: Zero-Shot NAS with One Data and Single Forward Pass via Minimum
Eigenvalue of Correlation") and its channel-sampled variant ``meco_opt``.

One sample X goes through the network.  For every module call i with an output f_i(X) of c_i channels,
the output of the (single) sample is reshaped to a (c_i x rest) matrix and P_i is the Pearson correlation
matrix of its rows (channels); entries that are NaN or infinite (a constant channel) are set to 0.  Then

    meco     = sum_i lambda_min(P_i)
    meco_opt = sum_i lambda_min(P_i[S_i, S_i]) * c_i / 8,   S_i = 8 channels drawn at random without replacement

Choices, following the authors' NAS-Bench-201 code: every module's forward output counts (leaf layers,
operation blocks, cells and the whole network: a module whose output is a vector of logits has one column
per channel and contributes 0); the sample is the first image of the context's batch, fed alone (the
authors use a data loader of batch size 1), with batch norm on batch statistics (train mode) and the
package's default initialisation (a sequence model, which has dropout and no batch norm, runs in eval mode,
as in every heuristic: :func:`archrank.heuristics._util.train_model`; in train mode its dropout masks would
make the value a random draw of the global generator); module calls whose minimum eigenvalue is NaN or infinite are dropped.
Modules the forward pass never calls (dead edges, which the NB201 builder skips) do not count; in the
authors' network, which computes every edge, such edges would add terms.  With fewer than 8 channels,
``meco_opt`` uses all of them (scale 1).

The reference form (:func:`min_eigenvalues_reference`: ``torch.corrcoef`` then the general ``eig``, as the
authors do) and the fast form (:func:`min_eigenvalues`: float64 correlation and symmetric ``eigvalsh``,
batched over matrices of one size) agree to rounding; a test checks it.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict

import torch
from torch import nn

from archrank.heuristics._hooks import generator, module_outputs
from archrank.heuristics._util import require_inputs, train_model
from archrank.heuristics.base import ScoreContext, register_heuristic

SAMPLED_CHANNELS = 8


def _first_sample(_m: nn.Module, _inp: tuple, out) -> torch.Tensor | None:
    if isinstance(out, tuple) and out and isinstance(out[0], torch.Tensor):
        out = out[0]
    if not isinstance(out, torch.Tensor) or out.dim() < 1 or out.shape[0] < 1:
        return None
    first = out[0]
    return first.reshape(first.shape[0], -1) if first.dim() >= 1 else None


def sample_feature_maps(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """(channels x positions) output of the first sample of ``x`` for every module call, in call order."""
    feats, _ = module_outputs(model, x[:1], list(model.modules()), keep=_first_sample)
    return feats


def correlation(f: torch.Tensor) -> torch.Tensor:
    """Pearson correlation of the rows of ``f`` (float64), NaN/inf entries set to 0."""
    f = f.double()
    c = f - f.mean(dim=1, keepdim=True)
    cov = c @ c.T
    d = cov.diagonal().sqrt()
    r = (cov / (d[:, None] * d[None, :])).clamp(-1.0, 1.0)
    return torch.nan_to_num(r, nan=0.0, posinf=0.0, neginf=0.0)


def min_eigenvalues(feats: list[torch.Tensor]) -> list[float]:
    """lambda_min of each feature matrix's channel correlation (batched ``eigvalsh`` per matrix size).

    A matrix with no more positions than channels gives exactly 0 without a decomposition: its centred rows
    span at most ``positions - 1`` dimensions, so the (positive semi-definite) correlation matrix is singular
    (the straightforward form returns rounding noise of order 1e-13 there).  On the deep, low-resolution maps
    of the NDS networks this is most matrices and most of the cost.
    """
    out = [math.nan] * len(feats)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, f in enumerate(feats):
        if f.shape[1] <= f.shape[0]:
            out[i] = 0.0
        else:
            groups[f.shape[0]].append(i)
    for idx in groups.values():
        mats = torch.stack([correlation(feats[i]) for i in idx])
        lam = torch.linalg.eigvalsh(mats)[:, 0]
        for i, v in zip(idx, lam.tolist()):
            out[i] = v
    return out


def min_eigenvalues_reference(feats: list[torch.Tensor]) -> list[float]:
    """The straightforward form: ``torch.corrcoef``, NaN/inf -> 0, min real part of the general ``eig``."""
    vals = []
    for f in feats:
        with warnings.catch_warnings():  # a one-position map: torch warns of no degrees of freedom; NaN -> 0
            warnings.simplefilter("ignore", UserWarning)
            corr = torch.corrcoef(f.double())
        corr[torch.isnan(corr)] = 0
        corr[torch.isinf(corr)] = 0
        vals.append(float(torch.linalg.eigvals(corr).real.min()))
    return vals


def sampled_channels(feats: list[torch.Tensor], seed: int, k: int = SAMPLED_CHANNELS
                     ) -> tuple[list[torch.Tensor], list[float]]:
    """For ``meco_opt``: each matrix restricted to ``k`` random channels, and its scale c / k."""
    g = generator(seed)
    picked, scales = [], []
    for f in feats:
        c = f.shape[0]
        if c <= k:
            picked.append(f)
            scales.append(1.0)
        else:
            idx = torch.randperm(c, generator=g)[:k]
            picked.append(f[idx])
            scales.append(c / k)
    return picked, scales


def finite_sum(values: list[float]) -> float:
    """Sum of the finite values (NaN and infinite terms are dropped, as in the authors' code)."""
    return float(sum(v for v in values if math.isfinite(v)))


def _feats(ctx: ScoreContext, name: str) -> tuple[torch.Tensor, ...]:
    x = require_inputs(ctx, name)
    return ctx.shared(("meco_feature_maps",), lambda: tuple(sample_feature_maps(train_model(ctx), x)))


@register_heuristic("meco", needs=("data",), reference="Jiang et al., NeurIPS 2023")
def meco(ctx: ScoreContext) -> float:
    """Sum over module outputs of the minimum eigenvalue of the channel correlation matrix of one sample."""
    return finite_sum(min_eigenvalues(_feats(ctx, "meco")))


@register_heuristic("meco_opt", needs=("data",), reference="Jiang et al., NeurIPS 2023")
def meco_opt(ctx: ScoreContext) -> float:
    """MeCo on 8 randomly sampled channels per module output (seeded), scaled by channels / 8."""
    picked, scales = sampled_channels(_feats(ctx, "meco_opt"), ctx.seed)
    return finite_sum([v * s for v, s in zip(min_eigenvalues(picked), scales)])
