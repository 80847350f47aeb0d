"""One interface for running independent tasks: map a picklable function over work items.

Results are yielded as they complete (not in input order), each with the position of its item, so the
caller can write every result to the store the moment it arrives.  ``fn(item, context)`` must be a
module-level (picklable) function; ``context`` is shipped to workers once per run, not once per item.
Executors run the same function on the same inputs, so their results are identical.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from archrank.registry import Registry, class_registrar, registry

if TYPE_CHECKING:
    from typing_extensions import Self


class Executor(ABC):
    """Runs ``fn(item, context)`` for every item; see the module docstring for the contract."""

    name: str = "abstract"
    #: Keyword options the constructor accepts (what :func:`archrank.execution.make_executor` passes on).
    options: tuple[str, ...] = ()

    @abstractmethod
    def imap_unordered(
        self, fn: Callable[[Any, Any], Any], items: Iterable[Any], context: Any = None
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(position, fn(item, context))`` as results complete. An exception in ``fn`` propagates."""

    def close(self) -> None:
        """Release workers (a no-op where there are none)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: The executors by name (:func:`archrank.execution.make_executor` builds one).
EXECUTORS: Registry[type[Executor]] = registry("executor")
# Each built-in executor registers itself (``@register_executor("ray")`` on its class), found in the package's
# source and imported the first time its name is asked for (Ray loads only when ``ray`` is used).
EXECUTORS.discover("archrank.execution", "register_executor")

register_executor = class_registrar(EXECUTORS)
"""Class decorator: ``@register_executor("name")`` sets ``cls.name`` and registers the :class:`Executor`
subclass, built-in or plug-in alike."""
