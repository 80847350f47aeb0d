"""The store backends by URL scheme (:data:`STORES`) and :func:`register_store`, their one registration call."""

from __future__ import annotations

from collections.abc import Callable

from archrank.errors import InvalidArgument
from archrank.registry import Registry, registry
from archrank.store.base import Store

#: The backends by URL scheme: ``open_store("scheme://where")`` opens ``STORES.get(scheme).open_location(where)``.
STORES: Registry[type[Store]] = registry("store backend")
# Each built-in backend registers itself (``@register_store("memory")`` on its class), found in the source of
# these packages and imported the first time its scheme is asked for.  ``table`` (a precomputed table read
# as a store) lives with the tables, above this layer: it is named here as a package to scan, not imported.
STORES.discover("archrank.store", "register_store")
STORES.discover("archrank.tables", "register_store")


def register_store(scheme: str) -> Callable[[type[Store]], type[Store]]:
    """Class decorator: ``@register_store("scheme")`` makes a :class:`Store` subclass the backend of
    ``scheme://where`` locations (``open_location(where)`` opens one): how built-in and plug-in backends
    register alike.  A scheme already registered, or a class that is not a ``Store``, is an error."""

    def deco(cls: type[Store]) -> type[Store]:
        if not (isinstance(cls, type) and issubclass(cls, Store)):
            raise InvalidArgument(f"store backend {scheme!r} must be a Store subclass, got {cls!r}",
                                  parameter="scheme")
        STORES.register(scheme, cls)
        return cls

    return deco
