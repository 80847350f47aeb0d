"""Search spaces. ``get_space(name)`` returns a ready instance; ``SPACES.names()`` lists them.

:data:`SPACES` maps a name to a space class (or a ready instance).  The built-in spaces are registered
lazily (their modules are imported on first use, so importing archrank stays cheap); a plugin registers
its own with ``SPACES.register("name", SpaceClass)``.  Model builders are registered separately, under the
same names, in :mod:`archrank.models`.  :func:`grid` makes and registers a space, with its builder, from a
dict of choices and a build function.
"""

from __future__ import annotations

from functools import cache

from archrank.registry import Registry, registry
from archrank.spaces.base import SearchSpace
from archrank.spaces.grid import GridSpace, grid

SPACES: Registry = registry("space")
SPACES.register_lazy("nb201", "archrank.spaces.nb201:NB201Space")
SPACES.register_lazy("nb101", "archrank.spaces.nb101:NB101Space")
SPACES.register_lazy("nats_sss", "archrank.spaces.nats_sss:NATSSizeSpace")
SPACES.register_lazy("generic", "archrank.spaces.generic:GenericSpace")
SPACES.register_lazy("generic_mlp", "archrank.spaces.generic_mlp:GenericMLPSpace")
SPACES.register_lazy("nb301", "archrank.spaces.nb301:NB301Space")
SPACES.register_lazy("nds_amoeba", "archrank.spaces.nds:NDSAmoebaSpace")
SPACES.register_lazy("nds_darts", "archrank.spaces.nds:NDSDartsSpace")
SPACES.register_lazy("nds_enas", "archrank.spaces.nds:NDSENASSpace")
SPACES.register_lazy("nds_nasnet", "archrank.spaces.nds:NDSNASNetSpace")
SPACES.register_lazy("nds_pnas", "archrank.spaces.nds:NDSPNASSpace")
SPACES.register_lazy("nbnlp", "archrank.spaces.nbnlp_space:NBNLPSpace")


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


__all__ = ["SPACES", "GridSpace", "SearchSpace", "get_space", "grid", "space_names"]
