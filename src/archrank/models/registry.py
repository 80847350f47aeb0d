"""Model builders, keyed by space name: the one way an architecture becomes a ``torch.nn.Module``.

Spaces own encodings (parse, format, canonical form, sample, mutate, encode); building belongs here.  A
builder is ``fn(arch, num_classes, **options) -> nn.Module`` registered under its space's name.  Use
:func:`build_model`, which also seeds the initialisation without touching the global random state.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import torch

from archrank.registry import Registry

Builder = Callable[..., torch.nn.Module]

BUILDERS: Registry[Builder] = Registry("model builder")
BUILDERS.register_lazy("nbnlp", "archrank.models.nbnlp:build_nbnlp")


def register_builder(space: str) -> Callable[[Builder], Builder]:
    """Decorator: ``@register_builder("nb201")`` on ``def build(arch, num_classes=10, **options)``."""

    def deco(fn: Builder) -> Builder:
        BUILDERS.register(space, fn)
        return fn

    return deco


def build_model(space: Any, arch: Hashable | str, num_classes: int = 10, *, seed: int | None = None,
                **options: Any) -> torch.nn.Module:
    """A freshly initialised model for ``arch`` of ``space`` (a name or a SearchSpace).

    With ``seed`` the weights are drawn from ``torch.manual_seed(seed)`` inside a forked RNG, so repeated
    calls give identical models and the caller's random state is untouched.  ``arch`` may be the space's
    string form.
    """
    from archrank.spaces import get_space

    sp = get_space(space) if isinstance(space, str) else space
    if isinstance(arch, str) and hasattr(sp, "parse"):
        arch = sp.parse(arch)
    name = getattr(sp, "name", None)
    # Transitional: spaces whose builder has not moved here yet still build through ``space.build``.
    builder = BUILDERS.get(name) if name in BUILDERS else (lambda a, n, **o: sp.build(a, num_classes=n, **o))
    if seed is None:
        return builder(arch, num_classes, **options)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return builder(arch, num_classes, **options)


__all__ = ["BUILDERS", "Builder", "build_model", "register_builder"]
