"""Registries: the one way every kind of plug-in is kept, listed, looked up and extended.

Every kind (space, model builder, heuristic, strategy, predictor, benchmark reader, task, store backend,
executor) is a :class:`Registry` obtained with :func:`registry` (one per kind, shared by the whole process)
and is filled the same way:

* built-in entries by the module that defines them, with the same call a plugin uses (``register_space``,
  ``@register_heuristic``, ``@register_strategy``, ``@register_builder``, ``@register_predictor``,
  ``register_reader``, ``register_task``, ``@register_store``, ``@register_executor``):
  :meth:`Registry.discover` finds those calls in the source of a package's modules without importing them,
  and registers each name lazily (its module is imported the first time the name is asked for), so a new
  built-in entry is its own module and nothing else; ``REG.register_lazy(name, "package.module:attribute")`` lists an entry by hand (a package
  installed without its sources);
* anyone else (a plugin, a script) with the same calls, each a thin layer over ``REG.register(name, obj)``
  (which checks what is registered or wraps it with its metadata).

Plugins are found by :mod:`archrank.plugins` (the ``archrank.plugins`` entry-point group of installed
packages, and modules named in ``$ARCHRANK_PLUGINS``) and loaded before a plug-in registry is first read,
so every command and every lookup sees them; a name that is still unknown is an error that lists the
valid names and says both ways to register one.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from archrank.errors import InvalidArgument, UnknownName

T = TypeVar("T")

#: How a name unknown to a plug-in registry can be added (appended to its error).
REGISTER_HINT = ("; to add one, install a package declaring it in the 'archrank.plugins' entry-point group, "
                 "or name its module in $ARCHRANK_PLUGINS (or a command's --plugin MODULE)")


class Registry(Generic[T]):
    """A name -> object map with decorator registration and errors that list the valid names.

    Registration happens in the module that defines the object; the package imports those modules
    explicitly (no star imports, no import-time side effects beyond filling the registry).  A plug-in
    registry (``plugins=True``, as every one made by :func:`registry`) loads the plugins before it is read.
    """

    def __init__(self, kind: str, *, plugins: bool = False):
        self.kind = kind
        self.plugins = plugins
        self._items: dict[str, T] = {}
        self._lazy: dict[str, str] = {}  # name -> "module:attribute" or "module", imported on first ``get``
        self._sources: list[tuple[str, str]] = []  # (package, function) pairs to discover, not yet scanned

    def discover(self, package: str, function: str) -> None:
        """Register lazily every name that a module of ``package`` registers with ``function("name", ...)``.

        The modules are not imported: their source is scanned (on the first read or registration of this
        registry) for lines that start with ``function("name"`` (a call), ``@function("name"`` (a decorator)
        or ``x = function("name"`` (an assignment), and each name is registered as its module, imported the
        first time the name is asked for (importing it registers the name: the line that was found).
        """
        self._sources.append((package, function))

    def _discover(self) -> None:
        while self._sources:
            package, function = self._sources.pop(0)
            for name, module in scan_registrations(package, function).items():
                if name not in self._items and name not in self._lazy:
                    self._lazy[name] = module

    def _load_plugins(self) -> None:
        if self.plugins:
            from archrank.plugins import load_plugins

            load_plugins()

    def register_lazy(self, name: str, target: str) -> None:
        """Register ``name`` as ``"package.module:attribute"``, imported the first time it is asked for.

        Keeps start-up cheap: the built-in entries of a registry are listed by name without importing
        their modules.  The module, once imported, may register the name itself (same object) or not.
        """
        if ":" not in target:
            raise InvalidArgument(f"lazy target {target!r} for {self.kind} {name!r} must be 'module:attribute'")
        self._discover()
        if name in self._items or (name in self._lazy and self._lazy[name] != target):
            raise InvalidArgument(f"{self.kind} {name!r} is already registered")
        self._lazy[name] = target

    def register(self, name: str, obj: T | None = None, *, module: str | None = None) -> Callable[[T], T] | T:
        """``REG.register("x", obj)`` or ``@REG.register("x")``. Re-registering a name is an error.

        ``module`` names the module making the registration when it is not ``obj.__module__`` (an instance,
        such as a task, whose class is defined elsewhere): a built-in name may be registered by its own module."""

        def add(o: T) -> T:
            if not isinstance(name, str) or not name:
                raise InvalidArgument(f"a {self.kind} name must be a non-empty string, got {name!r}")
            if self.taken(name, o, module=module):
                raise InvalidArgument(f"{self.kind} {name!r} is already registered")
            self._items[name] = o
            return o

        return add(obj) if obj is not None else add

    def taken(self, name: str, obj: object, *, module: str | None = None) -> bool:
        """Whether registering ``obj`` under ``name`` clashes with an entry: another object, or a built-in
        entry not yet imported whose module is not the registering one (``module``, by default ``obj``'s; the
        module registering its own entry is fine)."""
        self._discover()
        if name in self._items:
            return self._items[name] is not obj
        if name in self._lazy:
            return self._lazy[name].split(":")[0] != (module or getattr(obj, "__module__", None))
        return False

    def get(self, name: str) -> T:
        self._load_plugins()
        self._discover()
        if name not in self._items and name in self._lazy:
            module, _, attr = self._lazy[name].partition(":")
            imported = importlib.import_module(module)
            if attr:
                self._items.setdefault(name, getattr(imported, attr))
            elif name not in self._items:
                raise InvalidArgument(f"module {module} did not register {self.kind} {name!r} when imported")
        try:
            return self._items[name]
        except KeyError:
            err = UnknownName(self.kind, name, self.names())
            if self.plugins:
                err.args = (err.args[0] + REGISTER_HINT,)
            raise err from None

    def names(self) -> list[str]:
        self._load_plugins()
        self._discover()
        return sorted(set(self._items) | set(self._lazy))

    def __contains__(self, name: object) -> bool:
        self._load_plugins()
        self._discover()
        return name in self._items or name in self._lazy

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())


_REGISTRIES: dict[str, Registry[Any]] = {}


def scan_registrations(package: str, function: str) -> dict[str, str]:
    """``{name: module}`` for every line of a module of ``package`` (its top-level ``.py`` files, not
    ``__init__``) that starts with ``function("name"``, ``@function("name"`` or ``x = function("name"``.

    Reads the source without importing the modules (cheap enough for the CLI's help).  A package installed
    without its ``.py`` sources has nothing to scan, and its entries must be listed with ``register_lazy``.
    """
    spec = importlib.util.find_spec(package)
    pattern = re.compile(r"^(?:@|[A-Za-z_][\w.]*\s*=\s*)?" + re.escape(function) + r"\(\s*[\"']([^\"']+)[\"']",
                         re.MULTILINE)
    out: dict[str, str] = {}
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        for file in sorted(os.listdir(folder)):
            if not file.endswith(".py") or file == "__init__.py":
                continue
            with open(os.path.join(folder, file), encoding="utf-8") as f:
                text = f.read()
            if function not in text:
                continue
            for name in pattern.findall(text):
                out.setdefault(name, f"{package}.{file[:-3]}")
    return out


def registry(kind: str) -> Registry[Any]:
    """The process-wide plug-in registry of ``kind`` (created on first use, plugins loaded before reads)."""
    if kind not in _REGISTRIES:
        _REGISTRIES[kind] = Registry(kind, plugins=True)
    return _REGISTRIES[kind]


def name_list(names: str | Iterable[str], *, what: str, parameter: str) -> list[str]:
    """Names from ``"a,b,c"`` (or a sequence), stripped, duplicates dropped, order kept.

    An empty item (``"a,,b"``, ``"rea,"``, ``" "``) is an error naming ``parameter``: a list flag that silently
    drops what it cannot read hides a typo.  Nothing but blanks and commas gives ``[]`` (the caller says
    which names are valid); whether each name is known is the caller's check (its registry's ``get``)."""
    items = names.split(",") if isinstance(names, str) else [str(n) for n in names]
    stripped = [n.strip() for n in items]
    if not any(stripped):
        return []
    if "" in stripped:
        shown = names if isinstance(names, str) else ",".join(items)
        raise InvalidArgument(f"empty {what} name in {shown!r} (a doubled, leading or trailing comma); give "
                              "names separated by single commas", parameter=parameter)
    return list(dict.fromkeys(stripped))


def registered_names(names: str | Iterable[str], registry: Registry[Any], *, what: str, parameter: str) -> list[str]:
    """:func:`name_list` of names that must all be in ``registry``: none at all, or an unknown one, is an
    error listing the valid choices."""
    out = name_list(names, what=what, parameter=parameter)
    if not out:
        raise InvalidArgument(f"no {what} given; valid choices: " + ", ".join(registry.names()), parameter=parameter)
    for n in out:
        registry.get(n)
    return out


def kinds() -> list[str]:
    """The kinds of plug-in registries made so far (every package's, once it is imported)."""
    return sorted(_REGISTRIES)


#: The model builders, keyed by space name (filled by :mod:`archrank.models` and by spaces that carry their
#: own build function, such as :func:`archrank.spaces.grid`).
BUILDERS: Registry[Any] = registry("model builder")

BUILDERS.discover("archrank.models", "register_builder")

__all__ = ["BUILDERS", "REGISTER_HINT", "Registry", "kinds", "registry", "scan_registrations"]


def class_registrar(reg: Registry[Any]) -> Callable[[str], Callable[[type], type]]:
    """``register_x = class_registrar(X)``: ``@register_x("name")`` sets ``cls.name`` and registers the class."""

    def register(name: str) -> Callable[[type], type]:
        def deco(cls: type) -> type:
            cls.name = name
            reg.register(name, cls)
            return cls

        return deco

    return register


def keyword_params(cls: type, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The keyword-only constructor parameters of ``cls`` and its bases, with their defaults (bases first)."""
    import inspect

    out: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if "__init__" not in vars(klass):
            continue
        for p in inspect.signature(klass.__init__).parameters.values():
            if p.kind is p.KEYWORD_ONLY and p.name not in exclude:
                out[p.name] = p.default
    return out
