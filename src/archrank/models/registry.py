"""Model builders, keyed by space name: the one way an architecture becomes a ``torch.nn.Module``.

Spaces own encodings (parse, format, canonical form, sample, mutate, encode); building belongs here.  A
builder is ``fn(arch, num_classes=10, **options) -> nn.Module`` registered under its space's name with
``@register_builder("space_name")``; it validates its options (an unknown one is an InvalidArgument naming
the valid ones).  The built-in builders are found in the source of this package's modules
(:meth:`~archrank.registry.Registry.discover`) and imported on first use, so listing them imports no model
code and a new builder is its module alone.
Use :func:`build_model`, which also seeds the initialisation without touching the global random state.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import torch

from archrank.errors import InvalidArgument
from archrank.registry import Registry, registry

Builder = Callable[..., torch.nn.Module]

BUILDERS: Registry[Builder] = registry("model builder")


def register_builder(space: str) -> Callable[[Builder], Builder]:
    """Decorator: ``@register_builder("nb201")`` on ``def build(arch, num_classes=10, **options)``."""

    def deco(fn: Builder) -> Builder:
        BUILDERS.register(space, fn)
        return fn

    return deco


def reject_unknown_options(space: str, unknown: Mapping[str, Any], valid: Iterable[str]) -> None:
    """Raise InvalidArgument naming the options of ``unknown`` and the ``valid`` ones (for builders)."""
    if unknown:
        raise InvalidArgument(f"unknown build option(s) for {space}: {', '.join(sorted(unknown))}; "
                              f"valid: {', '.join(valid) or 'none'}")


def check_int_options(space: str, values: Mapping[str, Any], *, low: int) -> None:
    """Raise InvalidArgument unless every value is an integer (not a bool) >= ``low``."""
    for key, v in values.items():
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low:
            raise InvalidArgument(f"{space} build option {key}={v!r} must be an integer >= {low}")


def build_model(space: Any, arch: Hashable | str, num_classes: int = 10, *, seed: int | None = None,
                **options: Any) -> torch.nn.Module:
    """A freshly initialised model for ``arch`` of ``space`` (a name or a SearchSpace instance).

    The builder is the one registered under the space's name (or under its ``builder`` attribute, for a
    space that shares a builder, such as a set of user models); the space's :meth:`model_options` come
    first and ``options`` override them.  ``arch`` may be the space's string form.  With ``seed`` the
    weights are drawn from ``torch.manual_seed(seed)`` inside a forked RNG, so repeated calls give
    identical models and the caller's random state is untouched.
    """
    from archrank.spaces import get_space

    sp = get_space(space) if isinstance(space, str) else space
    name = getattr(sp, "builder", None) or getattr(sp, "name", None)
    if not isinstance(name, str) or name not in BUILDERS:
        raise InvalidArgument(f"no model builder is registered for space {name!r}; registered: "
                              f"{', '.join(BUILDERS.names())} (use @register_builder({name!r}))")
    builder = BUILDERS.get(name)
    if isinstance(arch, str) and hasattr(sp, "parse"):
        arch = sp.parse(arch)
    defaults = sp.model_options() if hasattr(sp, "model_options") else {}
    opts = {**defaults, **options}
    if seed is None:
        return builder(arch, num_classes, **opts)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return builder(arch, num_classes, **opts)


__all__ = ["BUILDERS", "Builder", "build_model", "check_int_options", "register_builder",
           "reject_unknown_options"]
