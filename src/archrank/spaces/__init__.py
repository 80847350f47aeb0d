"""Search spaces. ``get_space(name)`` returns a ready instance; ``SPACES.names()`` lists them.

:data:`SPACES` maps a name to a space class (or a ready instance).  A space registers itself,
built-in or not, with one call, ``register_space("name", SpaceClass, build=build)``.  The built-in spaces
make that call at the end of their module (their builders, kept apart by the layers, register themselves in
:mod:`archrank.models` the same way); those modules are found in the package's source and imported on first
use (:meth:`~archrank.registry.Registry.discover`), so importing archrank stays cheap and a new space is its
module, with no list to edit; :func:`grid` makes and registers a space,
with its builder, from a dict of choices and a build function.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from archrank.registry import Registry, registry
from archrank.spaces.base import SearchSpace
from archrank.spaces.grid import GridSpace, grid

SPACES: Registry = registry("space")
SPACES.discover("archrank.spaces", "register_space")  # the built-in spaces register themselves


def register_space(name: str, space: type[SearchSpace] | SearchSpace, *,
                   build: Callable[..., Any] | None = None) -> type[SearchSpace] | SearchSpace:
    """Register ``space`` (a :class:`SearchSpace` subclass, built with no arguments on first use, or a ready
    instance) under ``name`` and, when given, its model builder ``build(arch, num_classes=10, **options) ->
    nn.Module`` under the same name: the one call a plugin's space needs.  ``space.name`` must be ``name``;
    a name already registered (as a space or a builder) is an error and nothing is registered."""
    from archrank.errors import InvalidArgument
    from archrank.registry import BUILDERS

    if getattr(space, "name", None) != name:
        raise InvalidArgument(f"space {space!r} is named {getattr(space, 'name', None)!r}, not {name!r}; set its "
                              "name attribute", parameter="name")
    if not (isinstance(space, SearchSpace) or (isinstance(space, type) and issubclass(space, SearchSpace))):
        raise InvalidArgument(f"a space is a SearchSpace subclass or instance, got {space!r}", parameter="space")
    if build is not None and not callable(build):
        raise InvalidArgument(f"build must be a function (arch, num_classes, **options) -> nn.Module, got {build!r}",
                              parameter="build")
    taken = SPACES.taken(name, space) or (build is not None and BUILDERS.taken(name, build))
    if taken:
        raise InvalidArgument(f"space {name!r} is already registered; choose another name", parameter="name")
    SPACES.register(name, space)
    if build is not None:
        BUILDERS.register(name, build)
    return space


def space_names() -> list[str]:
    """The registered space names, sorted (the same as ``SPACES.names()``)."""
    return SPACES.names()


@cache
def _instance(name: str) -> SearchSpace:
    obj = SPACES.get(name)
    return obj() if isinstance(obj, type) else obj


def get_space(name: str) -> SearchSpace:
    """The shared instance of space ``name`` (its default configuration); UnknownName lists the spaces."""
    SPACES.get(name)  # raises UnknownName for names that are not registered (not cached)
    return _instance(name)


__all__ = ["SPACES", "GridSpace", "SearchSpace", "get_space", "grid", "register_space", "space_names"]
