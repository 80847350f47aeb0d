"""Kernel heuristics for NAS: the network's tangent kernel (or its infinite-width kernel) as a score.

* ``ntk_cond`` (TE-NAS, Chen et al. 2021): condition number ``lambda_max / lambda_min`` of the empirical
  NTK at initialisation on the batch, in TE-NAS's form (the NTK of the summed logits, batch norm on batch
  statistics).  TE-NAS reports it negatively correlated with accuracy: **lower is better**.
* ``linear_regions`` (TE-NAS): number of distinct ReLU activation patterns of the network at
  initialisation over many small input patches (random 4x4 crops of the batch images; each pattern is one
  linear region of the piecewise-linear network met by the samples).  **Higher is better.**
* ``ntk_krr``: the same empirical NTK (of the summed logits, as for ``ntk_cond``: one backward pass per
  image instead of one per logit; at initialisation the logit-by-logit cross terms average out, so it is
  close to a multiple of the trace NTK); kernel ridge regression of one-hot labels on a train part of the
  batch; accuracy on the rest.  **Higher is better.**
* ``nngp_krr`` / ``cntk_krr``: the same with the analytic infinite-width NNGP / NTK of the architecture
  itself (:mod:`archrank.kernels.nb201_kernel` for NB201 cells).  **Higher is better.**

Data: every score uses the scoring batch ``ctx.inputs`` / ``ctx.targets``.  The regression scores split it
into halves: the first half trains, the second half is the validation set (``archrank score`` batches are
class-balanced and shuffled, so the halves mix classes).

Cost (all can be changed through ``ctx.extras``, keys below):

* empirical scores build the network with ``extras["kernel_model_kwargs"]`` (default for NB201:
  ``{"C": 8, "N": 1}``, 8 channels and one cell per stage; other spaces: the space's default network) and
  feed inputs average-pooled to ``extras["kernel_resolution"]`` (default 8) pixels per side;
* analytic scores use ``extras["analytic_resolution"]`` (default 4), ``extras["analytic_cells"]`` (default
  1 cell per stage) and the first ``extras["analytic_images"]`` images of the batch (default: all);
* ``linear_regions`` uses ``extras["lr_patches"]`` (default 1000) patches of ``extras["lr_size"]``
  (or, with ``extras["lr_samples"] = "path"``, as on a user's own networks, 1000 points on the closed path
  through the batch's inputs, :func:`path_points`)
  pixels, and the network of ``extras["lr_model_kwargs"]``; the defaults are each space's thin network
  (:func:`thin_network`: NB201 ``{"C": 1, "N": 1}`` on 4x4 patches, one channel, as TE-NAS; with more units
  nearly every patch gets its own pattern and the count saturates).

Memory: the empirical NTK is :func:`archrank.kernels.empirical.sum_ntk`, which holds the ``(N, P)``
Jacobian in memory up to 1.5 GiB (every network of the shipped tables) and beyond writes its rows to a
temporary file and sums the Gram matrix over blocks of columns (NB101's full networks: 49.1M weights at most).

``ntk_cond`` and ``ntk_krr`` share one Jacobian per architecture and batch, as do ``nngp_krr`` and
``cntk_krr`` one analytic kernel computation: the cost is measured on whichever runs first, the second
costs almost nothing.  Kernel ridge regression uses :class:`archrank.kernels.predict.KernelClassifier`
(ridge ``extras["krr_reg"]``, default 1e-4 relative to the mean diagonal).  A kernel that is identically
zero (a cell whose output does not depend on the input) predicts the most frequent training class.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.heuristics._activations import activation_calls
from archrank.heuristics._util import require_inputs, require_targets
from archrank.heuristics.base import ScoreContext, register_heuristic
from archrank.kernels.empirical import sum_ntk
from archrank.kernels.predict import KernelClassifier


def _space_name(ctx: ScoreContext) -> str:
    return str(getattr(ctx.space, "name", type(ctx.space).__name__))


def _model_kwargs(ctx: ScoreContext, key: str, nb201_default: dict[str, Any]) -> dict[str, Any]:
    if key in ctx.extras:
        return dict(ctx.extras[key])
    return dict(nb201_default) if _space_name(ctx).startswith("nb201") else {}


def _pool(x: torch.Tensor, resolution: int | None) -> torch.Tensor:
    if resolution is None or x.dim() != 4 or x.shape[-1] <= resolution:
        return x
    return nn.functional.adaptive_avg_pool2d(x, resolution)


def split_halves(ctx: ScoreContext, name: str, limit: int | None = None
                 ) -> tuple[torch.Tensor, np.ndarray, torch.Tensor, np.ndarray]:
    """(train inputs, train labels, val inputs, val labels): first and second half of (at most ``limit``
    images of) the batch."""
    x, y = require_inputs(ctx, name), require_targets(ctx, name)
    if limit is not None:
        x, y = x[:limit], y[:limit]
    n = x.shape[0]
    if n < 4:
        raise InvalidArgument(f"heuristic {name!r} needs a batch of at least 4 images (train/val halves), got {n}")
    h = n // 2
    yy = y.detach().cpu().numpy()
    return x[:h], yy[:h], x[h:], yy[h:]


def krr_accuracy(k: np.ndarray, n_train: int, y_train: np.ndarray, y_val: np.ndarray, reg: float = 1e-4) -> float:
    """Accuracy on the validation part of kernel ridge regression (one-hot, relative ridge) with the kernel
    ``k`` over [train; val] inputs."""
    k = np.asarray(k, dtype=np.float64)
    ktr, kvt = k[:n_train, :n_train], k[n_train:, :n_train]
    if not np.all(np.isfinite(k)):
        return float("nan")
    if float(np.mean(np.abs(np.diag(ktr)))) <= 1e-300:
        values, counts = np.unique(y_train, return_counts=True)
        return float(np.mean(y_val == values[np.argmax(counts)]))
    if np.unique(y_train).size < 2:
        return float(np.mean(y_val == y_train[0]))
    clf = KernelClassifier(reg=reg, relative=True).fit(ktr, y_train)
    return clf.score(kvt, y_val)


# ------------------------------------------------------------------------------------ empirical NTK
def _empirical_sum(ctx: ScoreContext, name: str) -> torch.Tensor:
    """Empirical NTK ``(N, N)`` of the summed logits of the network at initialisation on the (pooled) batch,
    batch norm on batch statistics (training mode), cached per architecture and batch."""
    x = require_inputs(ctx, name)
    res = ctx.extras.get("kernel_resolution", 8)
    kw = _model_kwargs(ctx, "kernel_model_kwargs", {"C": 8, "N": 1})
    key = ("empirical_ntk_sum", res, repr(sorted(kw.items())), ctx.extras.get("kernel_chunk", 16))

    def compute() -> torch.Tensor:
        model = ctx.build(**kw).train()
        xp = _pool(x.detach(), res).to(next(model.parameters()).dtype)
        return sum_ntk(model, xp, chunk_size=ctx.extras.get("kernel_chunk", 16))

    return ctx.shared(key, compute)


def condition_number(k: np.ndarray) -> float:
    """``lambda_max / lambda_min`` of a symmetric PSD matrix; ``inf`` when it is singular."""
    ev = np.linalg.eigvalsh(np.asarray(k, dtype=np.float64))
    if ev[0] <= 0:
        return float("inf")
    return float(ev[-1] / ev[0])


@register_heuristic("ntk_cond", domains=("image",), higher_is_better=False, needs=("data", "gradients"),
                    reference="Chen et al., ICLR 2021 (TE-NAS)",
                    description="condition number of the empirical NTK (summed logits) at initialisation "
                                "(TE-NAS); lower is better")
def ntk_cond(ctx: ScoreContext) -> float:
    return condition_number(_empirical_sum(ctx, "ntk_cond").cpu().numpy())


@register_heuristic("ntk_krr", domains=("image",), higher_is_better=True, needs=("data", "labels", "gradients"),
                    reference="Jacot et al., NeurIPS 2018 (NTK); as a NAS score after Park et al., arXiv 2020",
                    description="validation accuracy of kernel regression with the empirical NTK at "
                                "initialisation (train/val halves of the batch)")
def ntk_krr(ctx: ScoreContext) -> float:
    _, ytr, _, yva = split_halves(ctx, "ntk_krr")
    k = _empirical_sum(ctx, "ntk_krr").cpu().numpy()
    return krr_accuracy(k, len(ytr), ytr, yva, ctx.extras.get("krr_reg", 1e-4))


# ------------------------------------------------------------------------------------ analytic kernels
def _nb201_cells_only(space) -> str | None:
    name = str(getattr(space, "name", type(space).__name__))
    return None if name.startswith("nb201") else "its analytic kernel is derived for NB201 cells only"


def _analytic(ctx: ScoreContext, name: str):
    limit = ctx.extras.get("analytic_images")
    xs = require_inputs(ctx, name)[:limit]
    res = ctx.extras.get("analytic_resolution", 4)
    cells = ctx.extras.get("analytic_cells", 1)
    arch = ctx.arch
    reason = _nb201_cells_only(ctx.space)
    if reason:
        raise InvalidArgument(f"heuristic {name!r} does not apply to space {_space_name(ctx)!r}: {reason}")
    key = ("analytic_kernel", limit, res, cells)

    def compute():
        from archrank.kernels.nb201_kernel import nb201_kernel_fn

        return nb201_kernel_fn(tuple(arch), xs, None, cells_per_stage=cells, resolution=res, device=ctx.device)

    return ctx.shared(key, compute)


def _analytic_score(ctx: ScoreContext, name: str, which: str) -> float:
    limit = ctx.extras.get("analytic_images")
    _, ytr, _, yva = split_halves(ctx, name, limit)
    kernels = _analytic(ctx, name)
    return krr_accuracy(getattr(kernels, which), len(ytr), ytr, yva, ctx.extras.get("krr_reg", 1e-4))


@register_heuristic("nngp_krr", domains=("image",), space_check=_nb201_cells_only, higher_is_better=True, needs=("data", "labels"),
                    reference="Park et al., arXiv 2020 (NNGP-guided NAS)",
                    description="validation accuracy of kernel regression with the architecture's analytic "
                                "infinite-width NNGP (NB201 cells; reduced resolution)")
def nngp_krr(ctx: ScoreContext) -> float:
    return _analytic_score(ctx, "nngp_krr", "nngp")


@register_heuristic("cntk_krr", domains=("image",), space_check=_nb201_cells_only, higher_is_better=True, needs=("data", "labels"),
                    reference="Arora et al., NeurIPS 2019 (CNTK); as a NAS score after Park et al., arXiv 2020",
                    description="validation accuracy of kernel regression with the architecture's analytic "
                                "infinite-width NTK (CNTK of the NB201 network; reduced resolution)")
def cntk_krr(ctx: ScoreContext) -> float:
    return _analytic_score(ctx, "cntk_krr", "ntk")


# ------------------------------------------------------------------------------------ linear regions
def random_patches(x: torch.Tensor, n: int, size: int, seed: int) -> torch.Tensor:
    """``n`` random ``size x size`` crops of the images ``x`` (NCHW), drawn with ``seed``."""
    if x.dim() != 4 or x.shape[-1] < size or x.shape[-2] < size:
        raise InvalidArgument(f"need images of at least {size}x{size} pixels, got shape {tuple(x.shape)}")
    rng = np.random.default_rng(seed)
    b = rng.integers(0, x.shape[0], n)
    i = rng.integers(0, x.shape[-2] - size + 1, n)
    j = rng.integers(0, x.shape[-1] - size + 1, n)
    return torch.stack([x[bb, :, ii:ii + size, jj:jj + size] for bb, ii, jj in zip(b, i, j)])


def count_patterns(model: nn.Module, x: torch.Tensor) -> int:
    """Number of distinct ReLU activation patterns (signs of every ReLU input) over the samples ``x`` (the
    code activations of :func:`~archrank.heuristics._activations.activation_calls` on other networks)."""
    codes: list[torch.Tensor] = []
    n = x.shape[0]
    activation_calls(model, x, "linear_regions", lambda inp, _o: codes.append(inp.reshape(n, -1) > 0))
    bits = torch.cat(codes, dim=1).to(torch.uint8).numpy()
    packed = np.packbits(bits, axis=1)
    return int(np.unique(packed, axis=0).shape[0])


# The thin network (builder options) and the patch size linear_regions counts with, per space (name prefix).
# TE-NAS counts on a one-channel, one-cell-per-stage network: with more units every distinct patch gets its own
# pattern and the count saturates at the number of distinct patches (about 954 of 1,000 drawn from 16 CIFAR-10
# images).  Two channels is the least a DARTS cell builds with (FactorizedReduce halves the channels); an NB101
# cell splits its output channels over up to five vertices, so five is its least, and one cell of five channels
# still saturates on 4x4 patches.  The CIFAR stems (NB101, NB301) keep the patch's resolution, so these count
# on 2x2 patches; the ImageNet stem of NDS halves it twice and 4x4 patches vary.  Measured on 8 sampled
# architectures per space (seed 0, 1,000 patches of a 16-image batch): nb101 596..854 (of 965 distinct
# patches), nb301 793..931 (of 965), nds_darts 339..528 and nds_enas 354..536 (of 992, on the 64x64 stand-in).
_THIN_NETWORKS: tuple[tuple[str, dict[str, Any], int], ...] = (
    ("nb201", {"C": 1, "N": 1}, 4),
    ("nb101", {"stem_channels": 5, "cells_per_stack": 1, "num_stacks": 1}, 2),
    ("nb301", {"channels": 2, "layers": 2}, 2),
    ("nds_", {"channels": 2}, 4),
)


def thin_network(space_name: str) -> tuple[dict[str, Any], int]:
    """The builder options and patch size ``linear_regions`` uses on ``space_name`` (default: ``({}, 4)``)."""
    for prefix, kw, size in _THIN_NETWORKS:
        if space_name.startswith(prefix):
            return dict(kw), size
    return {}, 4


@register_heuristic("linear_regions", domains=("image",), higher_is_better=True, needs=("data",),
                    reference="Chen et al., ICLR 2021 (TE-NAS)",
                    description="distinct ReLU activation patterns over random input patches at "
                                "initialisation (TE-NAS linear regions); higher is better")
def linear_regions(ctx: ScoreContext) -> float:
    x = require_inputs(ctx, "linear_regions")
    thin_kw, thin_size = thin_network(_space_name(ctx))
    size = int(ctx.extras.get("lr_size", thin_size))
    n = int(ctx.extras.get("lr_patches", 1000))
    kw = dict(ctx.extras["lr_model_kwargs"]) if "lr_model_kwargs" in ctx.extras else thin_kw
    model = ctx.build(**kw).train()
    if ctx.extras.get("lr_samples", "patches") == "path":
        samples = path_points(x.detach(), n)
    else:
        samples = random_patches(x.detach(), n, size, ctx.seed)
    return float(count_patterns(model, samples.to(next(model.parameters()).dtype)))


def path_points(x: torch.Tensor, n: int) -> torch.Tensor:
    """``n`` points evenly spaced on the closed polygon through the inputs ``x`` (x_0, x_1, ..., x_0): the
    samples of ``linear_regions`` on a network that cannot be thinned.  Counting the regions a path crosses
    (Hanin & Rolnick, ICML 2019) does not saturate at the number of distinct inputs the way whole inputs do."""
    b = x.shape[0]
    t = torch.arange(n, dtype=torch.float64) * (b / n)
    k = t.floor().long()
    frac = (t - k).to(x.dtype).view(-1, *([1] * (x.dim() - 1)))
    return (1 - frac) * x[k] + frac * x[(k + 1) % b]


__all__ = ["condition_number", "count_patterns", "krr_accuracy", "path_points", "random_patches", "split_halves", "thin_network"]
