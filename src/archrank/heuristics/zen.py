"""Zen-score (Lin et al., ICCV 2021, "Zen-NAS: A Zero-Shot NAS for High-Performance Image Recognition").

With weights re-initialised N(0, 1) (biases 0, batch norm 1/0), two batches of Gaussian inputs x and
x + gamma * eps (gamma = 0.01) go through the network in train mode, and with f the feature map before
global average pooling,

    Zen = log( mean_n sum_{c,h,w} |f(x)_n - f(x + gamma eps)_n| ) + sum_BN log sqrt( mean_c var_c )

where var_c is the variance of channel c at the input of each batch-norm layer during the forward pass of x
(the "BN statistic correction": batch norm divides it out, so the score multiplies it back).

Choices.  The paper defines var_c as the batch variance; the authors' code reads ``running_var`` after both
forward passes, which with PyTorch's default momentum is 0.81 + 0.09 var(x) + 0.1 var(x + gamma eps).  We
follow the paper (the batch variance that batch norm divides by, in the unperturbed pass, taken by
hooks).  The pre-GAP map is the input of the network's last ``nn.AdaptiveAvgPool2d`` call: for
NB201 that is the output of the final BN-ReLU, exactly the authors' NB201 ``forward_pre_GAP``; skip and
``none`` edges need no special treatment since the pre-GAP map is defined for every cell network.  A
network whose output does not depend on its input (a cell of ``none`` edges) has a zero difference and
scores -inf.  One repeat by default (the authors' NB201 setting); ``extras['zen_repeats']`` averages more,
each with its own seeded weights and inputs.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.heuristics._hooks import gaussian_init, gaussian_inputs, generator, module_outputs
from archrank.heuristics.base import ScoreContext, register_heuristic

MIXUP_GAMMA = 1e-2
_BN = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


def _pool_input(_m: nn.Module, inp: tuple, _out) -> torch.Tensor:
    return inp[0]


def pre_gap_and_bn_variances(model: nn.Module, x: torch.Tensor, *, with_variances: bool = True,
                             last_block: nn.Module | None = None) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """(pre-GAP feature map of ``x``, per BN call the per-channel batch variance of its input; an empty
    list when ``with_variances`` is false).  With ``last_block``, the pre-GAP map is that module's output
    (the last feature block of a network read by :func:`trunk_end`) instead of the last pooling module's input."""
    pools = [m for m in model.modules() if isinstance(m, nn.AdaptiveAvgPool2d)]
    if not pools and last_block is None:
        raise InvalidArgument(f"zen needs a global average pooling layer (nn.AdaptiveAvgPool2d); "
                              f"{type(model).__name__} has none")
    bns = [m for m in model.modules() if isinstance(m, _BN)]
    last_pool = pools[-1] if last_block is None else last_block
    pre_gap: list[torch.Tensor] = []

    def keep(m: nn.Module, inp: tuple, out) -> torch.Tensor | None:
        if m is last_pool:
            pre_gap.append((inp[0] if last_block is None else out).detach())
            return None
        if not with_variances:
            return None
        z = inp[0]
        dims = tuple(d for d in range(z.dim()) if d != 1)
        # The variance batch norm divides by, in two passes (several times faster than ``Tensor.var``).
        return (z - z.mean(dim=dims, keepdim=True)).square().mean(dim=dims)

    variances, _ = module_outputs(model, x, [*bns, last_pool], keep=keep)
    return pre_gap[-1], variances


def zen_from_pass(f: torch.Tensor, f_mixed: torch.Tensor, variances: list[torch.Tensor]) -> float:
    """log of the mean per-sample L1 difference plus the log BN scaling factors."""
    delta = float((f.double() - f_mixed.double()).abs().flatten(1).sum(1).mean())
    if delta <= 0:
        return -math.inf
    return math.log(delta) + sum(0.5 * math.log(float(v.double().mean())) for v in variances
                                 if float(v.mean()) > 0)


def trunk_end(model: nn.Module, x: torch.Tensor) -> nn.Module:
    """The module whose output is the network's last feature map: its last declared feature block, else the
    last block of its trunk (:func:`archrank.heuristics.features.discover_blocks`)."""
    from archrank.heuristics.az_nas import feature_blocks

    return feature_blocks(model, x)[-1]


def zen_score(ctx: ScoreContext, repeats: int = 1, gamma: float = MIXUP_GAMMA) -> float:
    """The Zen-score of ``ctx``'s network.  On a space whose networks were checked to pool with a module
    (``space.sampled_checks``) the pre-GAP map is that module's input; on networks checked one by one (a
    user's own), the output of the last feature block (:func:`trunk_end`): the same map where the pooling
    module sits on the trunk, and the right one where the network pools functionally or has pooling
    modules inside its blocks (squeeze-excitation)."""
    vals = []
    trunk = not getattr(ctx.space, "sampled_checks", True)
    for r in range(repeats):
        model = gaussian_init(ctx.build().train(), ctx.seed * 7919 + r)
        x = gaussian_inputs(ctx, "zen", seed_offset=2 * r)
        eps = torch.randn(x.shape, generator=generator(ctx.seed * 1_000_003 + 104729 + r))
        with torch.no_grad():
            last = trunk_end(model, x) if trunk else None
            f, variances = pre_gap_and_bn_variances(model, x, last_block=last)
            f_mixed, _ = pre_gap_and_bn_variances(model, x + gamma * eps, with_variances=False, last_block=last)
        vals.append(zen_from_pass(f, f_mixed, variances))
    return float(sum(vals) / len(vals))


def has_global_pooling(space) -> str | None:
    """None when the space's networks pool with an ``nn.AdaptiveAvgPool2d`` module (zen's pre-GAP map)."""
    from archrank.heuristics._util import sample_model

    model = sample_model(space)
    if model is not None and any(isinstance(m, nn.AdaptiveAvgPool2d) for m in model.modules()):
        return None
    return "its networks have no global average pooling module, so there is no pre-GAP feature map"


@register_heuristic("zen", needs=(), reference="Lin et al., ICCV 2021", domains=("image",),
                    space_check=has_global_pooling)
def zen(ctx: ScoreContext) -> float:
    """log E|f(x) - f(x + 0.01 eps)| of the pre-GAP map (Gaussian inputs, N(0,1) weights) + log BN scales."""
    return zen_score(ctx, int(ctx.extras.get("zen_repeats", 1)))
