"""One small registry class, used for spaces, heuristics, kernel layers, strategies and benchmarks."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from archrank.errors import InvalidArgument, UnknownName

T = TypeVar("T")


class Registry(Generic[T]):
    """A name -> object map with decorator registration and errors that list the valid names.

    Registration happens in the module that defines the object; the package imports those modules
    explicitly (no star imports, no import-time side effects beyond filling the registry).
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}
        self._lazy: dict[str, str] = {}  # name -> "module:attribute", imported on first ``get``

    def register_lazy(self, name: str, target: str) -> None:
        """Register ``name`` as ``"package.module:attribute"``, imported the first time it is asked for.

        Keeps start-up cheap: the built-in entries of a registry are listed by name without importing
        their modules.  The module, once imported, may register the name itself (same object) or not.
        """
        if ":" not in target:
            raise InvalidArgument(f"lazy target {target!r} for {self.kind} {name!r} must be 'module:attribute'")
        if name in self._items or (name in self._lazy and self._lazy[name] != target):
            raise InvalidArgument(f"{self.kind} {name!r} is already registered")
        self._lazy[name] = target

    def register(self, name: str, obj: T | None = None) -> Callable[[T], T] | T:
        """``REG.register("x", obj)`` or ``@REG.register("x")``. Re-registering a name is an error."""

        def add(o: T) -> T:
            if (name in self._items and self._items[name] is not o):
                raise InvalidArgument(f"{self.kind} {name!r} is already registered")
            self._items[name] = o
            return o

        return add(obj) if obj is not None else add

    def get(self, name: str) -> T:
        if name not in self._items and name in self._lazy:
            module, attr = self._lazy[name].split(":")
            obj = getattr(importlib.import_module(module), attr)
            self._items.setdefault(name, obj)
        try:
            return self._items[name]
        except KeyError:
            raise UnknownName(self.kind, name, self.names()) from None

    def names(self) -> list[str]:
        return sorted(set(self._items) | set(self._lazy))

    def __contains__(self, name: object) -> bool:
        return name in self._items or name in self._lazy

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())
