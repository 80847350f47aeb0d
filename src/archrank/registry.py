"""One small registry class, used for spaces, heuristics, kernel layers, strategies and benchmarks."""

from __future__ import annotations

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

    def register(self, name: str, obj: T | None = None) -> Callable[[T], T] | T:
        """``REG.register("x", obj)`` or ``@REG.register("x")``. Re-registering a name is an error."""

        def add(o: T) -> T:
            if name in self._items and self._items[name] is not o:
                raise InvalidArgument(f"{self.kind} {name!r} is already registered")
            self._items[name] = o
            return o

        return add(obj) if obj is not None else add

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise UnknownName(self.kind, name, self.names()) from None

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._items)
