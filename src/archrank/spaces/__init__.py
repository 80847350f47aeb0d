"""Search spaces. ``get_space(name)`` returns a ready instance; ``SPACES.names()`` lists them."""

from __future__ import annotations

import importlib

from archrank.registry import Registry
from archrank.spaces.base import SearchSpace

SPACES: Registry = Registry("space")

# name -> "module:Class"; modules are imported on first use so that importing archrank stays cheap.
_BUILTIN = {
    "nb201": "archrank.spaces.nb201:NB201Space",
    "nb101": "archrank.spaces.nb101:NB101Space",
    "nats_sss": "archrank.spaces.nats_sss:NATSSizeSpace",
    "generic": "archrank.spaces.generic:GenericSpace",
    "generic_mlp": "archrank.spaces.generic:GenericMLPSpace",
    "nbnlp": "archrank.spaces.nbnlp:NBNLPSpace",
}
_instances: dict[str, SearchSpace] = {}


def space_names() -> list[str]:
    return sorted(set(_BUILTIN) | set(SPACES.names()))


def get_space(name: str) -> SearchSpace:
    """The (cached) instance of space ``name``; raises UnknownName listing the valid spaces."""
    if name in _instances:
        return _instances[name]
    if name in SPACES:
        obj = SPACES.get(name)
    elif name in _BUILTIN:
        mod, cls = _BUILTIN[name].split(":")
        obj = getattr(importlib.import_module(mod), cls)
    else:
        from archrank.errors import UnknownName

        raise UnknownName("space", name, space_names())
    inst = obj() if isinstance(obj, type) else obj
    _instances[name] = inst
    return inst


__all__ = ["SPACES", "SearchSpace", "get_space", "space_names"]
