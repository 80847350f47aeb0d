"""AZ-NAS (Lee & Ham, CVPR 2024, "AZ-NAS: Assembling Zero-Cost Proxies for Network Architecture Search").

Features f_0..f_L are the outputs of the stem and of every block of ``model.cells`` (cells and the residual
reduction blocks between stages, as in the authors' NB201 code; other networks name their blocks in
``feature_blocks()``), for a batch of N(0, 1) inputs shaped like
the context's batch, after re-initialising conv/linear weights Kaiming-normal (fan-in), batch norm 1/0 and
in train mode (batch statistics), all as the authors do.

* expressivity: per feature (b, c, h, w) -> (b*h*w) x c, the entropy of the normalised eigenvalues of its
  channel covariance, E_l = -sum p log(p + 1e-8), p = lambda / sum(lambda); ``az_expressivity`` = sum_l E_l.
* ``az_progressivity`` = min_l (E_l - E_{l-1}).
* ``az_trainability``: for each block l (from the last), a random +-1 cotangent g_out on f_l is pulled back to
  f_{l-1}; g_in is pixel-unshuffled when the block halves the resolution; with M = g_in^T g_out / (b*h*w)
  and s its largest singular value, the block scores 2 - s - 1/(s + 1e-6); a block whose pull-back is the
  identity scores -inf; the proxy is the mean over blocks.
* ``az_complexity``: forward FLOPs.
* ``az_nas`` (the paper): sum over the four of log(rank / n), ranks ascending among the n architectures
  compared.  This is population-relative: :func:`az_nas_aggregate` computes it exactly over scored sets
  (for ``correlate`` on a table); the registered ``az_nas`` ranks one architecture against a fixed seeded
  reference sample of the space (``extras['az_reference_size']``, default 50), so that it is a function of
  one architecture usable by search and the store; as the sample grows it orders like the paper's form.

Choices: eigenvalues are computed in float64 and clipped at 0 (the authors' float32 ``eigvalsh`` can return
tiny negative values whose logarithm is NaN); a block whose output does not depend on its input (a cell of
``none`` edges) has a zero pull-back, so s = 0 and it scores 2 - 1e6; a NaN proxy value becomes -inf, as in
the authors' code.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping

import numpy as np
import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.heuristics._hooks import gaussian_inputs, generator, kaiming_fanin_init, module_outputs
from archrank.heuristics._util import PerSpace, input_shape
from archrank.heuristics.base import ScoreContext, member_value, register_heuristic
from archrank.heuristics.baselines import count_model_flops

PARTS = ("az_expressivity", "az_progressivity", "az_trainability", "az_complexity")
DEFAULT_REFERENCE_SIZE = 50


def feature_blocks(model: nn.Module, x: torch.Tensor | None = None) -> list[nn.Module]:
    """The blocks whose outputs are AZ-NAS's features, in forward order: ``model.feature_blocks()`` where
    the network defines it (NB101: stem, cells and the max pools between stacks; DARTS-family networks:
    the stem, or both ImageNet stems, and the cells), else ``model.stem`` and each block of ``model.cells``,
    else (given a batch ``x``) the blocks of its trunk found from a forward pass
    (:func:`archrank.heuristics.features.discover_blocks`)."""
    if hasattr(model, "feature_blocks"):
        return list(model.feature_blocks())
    if hasattr(model, "stem") and isinstance(getattr(model, "cells", None), (nn.ModuleList, nn.Sequential)):
        return [model.stem, *model.cells]
    if x is not None:
        from archrank.heuristics.features import discover_blocks

        return discover_blocks(model, x)
    raise InvalidArgument(f"AZ-NAS needs a chain of blocks: feature_blocks(), or 'stem' and a sequence of "
                          f"'cells'; {type(model).__name__} has neither")


def has_feature_blocks(space) -> str | None:
    """None when the space's networks have a chain of blocks (``feature_blocks()``, or ``stem`` and a
    sequence of ``cells``); a DAG of operations has none."""
    from archrank.heuristics._util import sample_model

    model = sample_model(space)
    try:
        if model is not None and feature_blocks(model):
            return None
    except InvalidArgument:
        pass
    return "its networks have no chain of blocks (feature_blocks(), or stem and cells) to take features from"


def block_features(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """Outputs of each of :func:`feature_blocks` (with their autograd graph)."""
    feats, _ = module_outputs(model, x, feature_blocks(model, x), grad=True)
    return feats


def expressivity_scores(feats: list[torch.Tensor]) -> np.ndarray:
    """Per feature, the entropy of the normalised eigenvalues of the channel covariance."""
    out = []
    for f in feats:
        z = positions(f.detach().double())
        z = z - z.mean(dim=0, keepdim=True)
        s = torch.linalg.eigvalsh(z.T @ z / z.shape[0]).clamp_min(0.0)
        p = s / s.sum()
        out.append(float((-p * torch.log(p + 1e-8)).sum()))
    return np.array(out)


def positions(f: torch.Tensor) -> torch.Tensor:
    """A feature as (positions x channels): a map (b, c, h, w) as (b*h*w, c); tokens (b, n, c) as (b*n, c)."""
    if f.dim() == 4:
        return f.permute(0, 2, 3, 1).reshape(-1, f.shape[1])
    return f.reshape(-1, f.shape[-1])


def trainability_scores(feats: list[torch.Tensor], seed: int) -> list[float]:
    """Per block (last first), 2 - s - 1/(s + 1e-6) of the pulled-back random cotangent."""
    g = generator(seed)
    scores = []
    for i in reversed(range(1, len(feats))):
        f_out, f_in = feats[i], feats[i - 1]
        g_out = torch.randint(0, 2, f_out.shape, generator=g).to(f_out.dtype) * 2 - 1
        g_in = None
        if f_out.requires_grad and f_in.requires_grad:
            (g_in,) = torch.autograd.grad(f_out, f_in, g_out, retain_graph=True, allow_unused=True)
        if g_in is None:
            g_in = torch.zeros_like(f_in)
        if g_in.shape == g_out.shape and torch.equal(g_in, g_out):
            scores.append(-math.inf)
            continue
        if g_in.dim() == 4 and g_in.shape[2] != g_out.shape[2]:
            g_in = nn.functional.pixel_unshuffle(g_in, g_in.shape[2] // g_out.shape[2])
        a, b = positions(g_in.detach().double()), positions(g_out.double())
        if a.shape[0] != b.shape[0]:
            raise InvalidArgument(f"AZ-NAS: block features of shapes {tuple(f_in.shape)} and {tuple(f_out.shape)} "
                                  "have no common positions (declare feature_blocks())")
        m = a.T @ b / b.shape[0]
        s = float(torch.linalg.svdvals(m).max())
        scores.append(-s - 1.0 / (s + 1e-6) + 2.0)
    return scores


def _finite_or_neg_inf(v: float) -> float:
    return -math.inf if math.isnan(v) else float(v)


def az_parts(ctx: ScoreContext) -> dict[str, float]:
    """The four AZ-NAS proxies of one architecture (the shared pass ``az_parts``: the four parts and
    ``az_nas`` read one computation per context)."""
    x = gaussian_inputs(ctx, "az_nas")
    return dict(ctx.shared(("az_parts", tuple(x.shape)), lambda: _az_parts(ctx, x)))


def _az_parts(ctx: ScoreContext, x: torch.Tensor) -> dict[str, float]:
    model = kaiming_fanin_init(ctx.build().train(), ctx.seed)
    with torch.enable_grad():
        feats = block_features(model, x)
        e = expressivity_scores(feats)
        t = trainability_scores(feats, ctx.seed)
    parts = {
        "az_expressivity": _finite_or_neg_inf(float(e.sum())),
        "az_progressivity": _finite_or_neg_inf(float(np.min(e[1:] - e[:-1])) if len(e) > 1 else math.nan),
        "az_trainability": _finite_or_neg_inf(float(np.mean(t)) if t else math.nan),
        "az_complexity": complexity(ctx),
    }
    return parts


def complexity(ctx: ScoreContext) -> float:
    """AZ-NAS's complexity: the forward FLOPs of the model (no pass of the network needed)."""
    return count_model_flops(ctx.init_model(), input_shape(ctx, "az_nas"))


def az_nas_aggregate(part_scores: Mapping[str, Mapping[Hashable, float]]) -> dict[Hashable, float]:
    """The paper's aggregation over a scored set: sum over the four parts of log(rank / n), ranks ascending
    (ties averaged, -inf lowest)."""
    from scipy.stats import rankdata

    missing = [p for p in PARTS if p not in part_scores]
    if missing:
        raise InvalidArgument(f"az_nas_aggregate needs scores of {', '.join(missing)}; given: "
                              f"{', '.join(part_scores)}")
    keys = list(part_scores[PARTS[0]])
    total = np.zeros(len(keys))
    for p in PARTS:
        v = np.array([part_scores[p][k] for k in keys], dtype=np.float64)
        total += np.log(rankdata(np.where(np.isnan(v), -np.inf, v)) / len(keys))
    return dict(zip(keys, total.tolist()))


_REFERENCES = PerSpace()


def reference_parts(ctx: ScoreContext, size: int) -> dict[str, np.ndarray]:
    """The four parts over a seeded sample of ``size`` architectures of the space (cached)."""
    x = gaussian_inputs(ctx, "az_nas")
    cache = _REFERENCES.of(ctx.space)
    key = (size, ctx.seed, tuple(x.shape), ctx.num_classes, tuple(sorted(ctx.model_kwargs.items())))
    if key not in cache:
        rng = np.random.default_rng(ctx.seed)
        rows = []
        for _ in range(size):
            other = ScoreContext(arch=ctx.space.sample(rng), space=ctx.space, inputs=ctx.inputs,
                                 num_classes=ctx.num_classes, seed=ctx.seed, dataset=ctx.dataset,
                                 extras=ctx.extras, model_kwargs=ctx.model_kwargs)
            rows.append(az_parts(other))
        cache[key] = {p: np.array([r[p] for r in rows]) for p in PARTS}
    return cache[key]


def _part(name: str):
    def fn(ctx: ScoreContext) -> float:
        # The complexity is the FLOP count alone: asked for alone, it costs no forward/backward pass.
        return complexity(ctx) if name == "az_complexity" else az_parts(ctx)[name]

    fn.__name__ = name
    return fn


for _name, _doc, _needs, _inv in (
    ("az_expressivity", "Sum over blocks of the eigenvalue entropy of the channel covariance (isotropy).", (), True),
    ("az_progressivity", "Smallest increase of the eigenvalue entropy from one block to the next.", (), True),
    ("az_trainability", "Mean over blocks of 2 - s - 1/s, s the spectral norm of the block Jacobian.",
     ("gradients",), True),
    ("az_complexity", "Forward FLOPs (AZ-NAS's complexity proxy).", (), False),
):
    register_heuristic(_name, needs=_needs, description=_doc, reference="Lee & Ham, CVPR 2024",
                       domains=("image",), canonical_invariant=_inv,
                       space_check=None if _name == "az_complexity" else has_feature_blocks)(_part(_name))


@register_heuristic("az_nas", needs=("gradients",), reference="Lee & Ham, CVPR 2024", domains=("image",),
                    canonical_invariant=False, space_check=has_feature_blocks)
def az_nas(ctx: ScoreContext) -> float:
    """Sum of log(rank/n) of the four AZ-NAS proxies, ranked against a seeded reference sample of the space."""
    size = int(ctx.extras.get("az_reference_size", DEFAULT_REFERENCE_SIZE))
    ref = reference_parts(ctx, size)
    mine = {p: member_value(ctx, p) for p in PARTS}  # the class's parts when the run has them
    total = 0.0
    for p in PARTS:
        v, r = mine[p], ref[p]
        rank = 1.0 + np.sum(r < v) + 0.5 * np.sum(r == v)
        total += math.log(rank / (size + 1))
    return total
