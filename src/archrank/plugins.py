"""Plugins: packages and modules that register their own spaces, builders, heuristics, strategies, ...

Two ways, both loaded before any plug-in registry (:func:`archrank.registry.registry`) is first read, so
that every command and every lookup (``get_space``, ``HEURISTICS.get``, ``archrank spaces``, ...) sees them:

* **an installed package** declares an entry point in the group ``archrank.plugins`` of its
  ``pyproject.toml``::

      [project.entry-points."archrank.plugins"]
      myresnet = "mypkg.archrank_plugin"          # a module: importing it registers its entries
      # or "mypkg.archrank_plugin:register"        # a function: called once, with no arguments

* **a script** names modules in ``$ARCHRANK_PLUGINS`` (comma-separated, importable from ``sys.path``);
* **a command** names them with ``--plugin MODULE`` (:func:`extra_plugins`: a module of the current folder
  or of ``sys.path``), with no variable to set.

Entry points are read once per process; ``$ARCHRANK_PLUGINS`` is read at every lookup (a module is imported
once).  A plugin that fails to load raises :class:`~archrank.errors.PluginError` naming the plugin and its
error (the CLI prints it as one line, exit code 2); it is tried again at the next lookup.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType

from archrank.errors import PluginError

GROUP = "archrank.plugins"
PLUGINS_ENV = "ARCHRANK_PLUGINS"

_loaded_modules: set[str] = set()
_extra_modules: list[str] = []  # named by a command's --plugin, while it runs
_entry_points_done = False
_lock = threading.RLock()
_busy = threading.local()


def plugin_modules(env: str | None = None) -> tuple[str, ...]:
    """Module names listed in ``$ARCHRANK_PLUGINS`` (comma-separated), then those of :func:`extra_plugins`
    (unless ``env`` is given: then only its list)."""
    text = os.environ.get(PLUGINS_ENV, "") if env is None else env
    listed = [m.strip() for m in text.split(",") if m.strip()]
    return tuple(dict.fromkeys([*listed, *(_extra_modules if env is None else [])]))


@contextmanager
def extra_plugins(modules: Sequence[str]) -> Iterator[None]:
    """While the block runs, ``modules`` are plugins as if listed in ``$ARCHRANK_PLUGINS`` (and are passed
    to workers the same way); the current folder is importable, as for ``python -m``.  The CLI's
    ``--plugin MODULE``."""
    added_path = os.getcwd() not in sys.path and "" not in sys.path
    if added_path:
        sys.path.insert(0, os.getcwd())
    before = list(_extra_modules)
    _extra_modules.extend(m for m in modules if m not in _extra_modules)
    try:
        yield
    finally:
        _extra_modules[:] = before
        if added_path and os.getcwd() in sys.path:
            sys.path.remove(os.getcwd())


def _failure(what: str, e: BaseException) -> PluginError:
    detail = str(e).splitlines()[0] if str(e) else ""
    return PluginError(f"plugin {what} failed to load: {type(e).__name__}" + (f": {detail}" if detail else ""))


def _import(module: str, what: str) -> None:
    if module in _loaded_modules:
        return
    try:
        importlib.import_module(module)
    except PluginError:
        raise
    except Exception as e:  # any error of the plugin's own code is reported as the plugin's failure
        raise _failure(what, e) from e
    _loaded_modules.add(module)


def entry_point_plugins() -> list:
    """The entry points of the ``archrank.plugins`` group of the installed packages, by name."""
    from importlib.metadata import entry_points

    return sorted(entry_points(group=GROUP), key=lambda ep: ep.name)


def _load_entry_points() -> None:
    global _entry_points_done
    if _entry_points_done:
        return
    for ep in entry_point_plugins():
        dist = getattr(ep, "dist", None)
        what = f"{ep.name!r} (entry point {ep.value!r} of group {GROUP!r}" + (
            f", package {dist.name} {dist.version})" if dist is not None else ")")
        if ep.value in _loaded_modules:
            continue
        try:
            obj = ep.load()
            if not isinstance(obj, ModuleType) and callable(obj):
                obj()
        except PluginError:
            raise
        except Exception as e:
            raise _failure(what, e) from e
        _loaded_modules.add(ep.value)
    _entry_points_done = True


def load_plugins(modules: Sequence[str] | None = None) -> tuple[str, ...]:
    """Load the entry-point plugins (once) and the modules of ``$ARCHRANK_PLUGINS`` (or ``modules``, given
    explicitly, as a worker process does with its caller's list).  Returns the module names of the latter.

    A lookup made while a plugin is being imported (a plugin reading a registry) does not load again.
    """
    mods = plugin_modules() if modules is None else tuple(modules)
    if getattr(_busy, "on", False):
        return mods
    with _lock:
        _busy.on = True
        try:
            _load_entry_points()
            from_env = plugin_modules(os.environ.get(PLUGINS_ENV, ""))
            for m in mods:
                source = "--plugin" if m in _extra_modules and m not in from_env else f"${PLUGINS_ENV}"
                _import(m, f"module {m!r} (from {source})")
        finally:
            _busy.on = False
    return mods


def reset_for_tests() -> None:
    """Forget what was loaded (a test that installs a package on ``sys.path`` loads entry points again)."""
    global _entry_points_done
    with _lock:
        _entry_points_done = False
        _loaded_modules.clear()


__all__ = ["GROUP", "PLUGINS_ENV", "entry_point_plugins", "extra_plugins", "load_plugins", "plugin_modules",
           "reset_for_tests"]
