"""Plugins: modules named in ``$ARCHRANK_PLUGINS`` that register their own heuristics and spaces.

They are imported before heuristics and spaces are looked up, in the caller and in every worker.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence

from archrank.errors import InvalidArgument

PLUGINS_ENV = "ARCHRANK_PLUGINS"


def plugin_modules(env: str | None = None) -> tuple[str, ...]:
    """Module names listed in ``$ARCHRANK_PLUGINS`` (comma-separated)."""
    text = os.environ.get(PLUGINS_ENV, "") if env is None else env
    return tuple(m.strip() for m in text.split(",") if m.strip())


def load_plugins(modules: Sequence[str] | None = None) -> tuple[str, ...]:
    """Import plugin modules (default: those in ``$ARCHRANK_PLUGINS``); returns their names."""
    mods = plugin_modules() if modules is None else tuple(modules)
    for m in mods:
        try:
            importlib.import_module(m)
        except ModuleNotFoundError as e:
            if e.name == m:
                raise InvalidArgument(f"plugin module {m!r} (from ${PLUGINS_ENV}) cannot be imported") from None
            raise
    return mods
