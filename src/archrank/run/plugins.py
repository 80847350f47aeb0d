"""Plugins, as the run layer uses them: see :mod:`archrank.plugins` (entry points and ``$ARCHRANK_PLUGINS``).

A run loads them before heuristics and spaces are looked up, in the caller and in every worker (a worker
gets its caller's ``$ARCHRANK_PLUGINS`` list with its task).
"""

from __future__ import annotations

from archrank.plugins import PLUGINS_ENV, load_plugins, plugin_modules

__all__ = ["PLUGINS_ENV", "load_plugins", "plugin_modules"]
