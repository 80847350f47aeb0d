"""Pass quantities shared by the modern proxies: re-initialisations, seeded Gaussian inputs, module outputs.

Each function computes one thing a proxy reduces to a score (the outputs of chosen modules, the gradients
of the loss, ...), so that a later shared-pass engine can call the same pieces once for several proxies.
Nothing here touches the global random state: random draws come from a ``torch.Generator`` seeded
explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import nn

from archrank.heuristics._util import input_shape
from archrank.heuristics.base import ScoreContext

_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.GroupNorm)


def generator(seed: int) -> torch.Generator:
    """A CPU generator seeded with ``seed`` (never the global one)."""
    return torch.Generator().manual_seed(int(seed))


def _reset_norms(m: nn.Module) -> None:
    if isinstance(m, _NORMS) and m.affine:
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


@torch.no_grad()
def gaussian_init(model: nn.Module, seed: int) -> nn.Module:
    """Conv/linear weights ~ N(0, 1), biases 0, norm layers weight 1 / bias 0 (Zen-NAS and SWAP's re-init)."""
    g = generator(seed)
    for m in model.modules():
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)):
            m.weight.copy_(torch.randn(m.weight.shape, generator=g))
            if m.bias is not None:
                m.bias.zero_()
        _reset_norms(m)
    return model


@torch.no_grad()
def kaiming_fanin_init(model: nn.Module, seed: int) -> nn.Module:
    """Conv/linear weights ~ N(0, 2 / fan_in) (Kaiming normal, fan-in, ReLU gain), biases 0, norms 1/0 (AZ-NAS)."""
    g = generator(seed)
    for m in model.modules():
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)):
            fan_in = m.weight[0].numel()
            std = (2.0 / fan_in) ** 0.5
            m.weight.copy_(torch.randn(m.weight.shape, generator=g) * std)
            if m.bias is not None:
                m.bias.zero_()
        _reset_norms(m)
    return model


def gaussian_inputs(ctx: ScoreContext, name: str, *, batch: int = 64, seed_offset: int = 0) -> torch.Tensor:
    """A batch of N(0, 1) inputs shaped like the context's data (batch size from ``ctx.inputs`` when given)."""
    shape = input_shape(ctx, name)
    n = int(ctx.inputs.shape[0]) if ctx.inputs is not None else batch
    x = torch.randn((n, *shape), generator=generator(ctx.seed * 1_000_003 + 7919 + seed_offset))
    return x if ctx.device == "cpu" else x.to(ctx.device)


def run_hooked(model: nn.Module, x: torch.Tensor, handles: list, *, inference: bool = False) -> object:
    """``model(x)`` without gradients (in inference mode with ``inference``), then every hook handle of
    ``handles`` removed, also when the forward pass raises."""
    try:
        with torch.inference_mode() if inference else torch.no_grad():
            return model(x)
    finally:
        for h in handles:
            h.remove()


def module_outputs(model: nn.Module, x: torch.Tensor, modules: Iterable[nn.Module],
                   keep: Callable[[nn.Module, tuple, torch.Tensor], torch.Tensor | None] | None = None,
                   *, grad: bool = False) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Forward ``x`` and return (outputs of ``modules`` in call order, the model's output).

    A module called several times contributes one entry per call.  ``keep(module, inputs, output)`` may
    map an output to what is stored (or None to skip it); by default the output itself is stored (detached
    unless ``grad``).
    """
    stored: list[torch.Tensor] = []

    def hook(m: nn.Module, inp: tuple, out) -> None:
        t = keep(m, inp, out) if keep is not None else out
        if isinstance(t, torch.Tensor):
            stored.append(t if grad else t.detach())

    handles = [m.register_forward_hook(hook) for m in modules]
    try:
        with torch.set_grad_enabled(grad):
            y = model(x)
    finally:
        for h in handles:
            h.remove()
    return stored, y
