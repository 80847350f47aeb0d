"""The results store. ``open_store(location)`` opens (or creates) a store by path or URL.

``STORES`` maps a URL scheme to a backend class: ``sqlite`` (the default: a plain path, or
``sqlite:///path``; ``":memory:"`` is a private SQLite database) and ``memory`` (``memory://`` for a private
in-process store, ``memory://NAME`` for one shared by name within the process) and ``table`` (``table:NAME``:
a precomputed table archrank ships, read-only; :mod:`archrank.tables`).  A new backend subclasses
:class:`Store`, keeps the promises written there and is registered under its scheme; the contract
suite in ``tests/store`` then runs against it.  Every backend, built-in or plug-in, registers itself with
``@register_store("scheme")`` on its class; the built-in ones are found in the source and imported on first
use.
"""

from __future__ import annotations

import os
import re

from archrank.errors import UnknownName
from archrank.store.backends import STORES, register_store
from archrank.store.base import HeuristicInfo, RunInfo, ScoreRecord, Store, TrainingRecord, TrajectoryStep
from archrank.store.sqlite import SQLiteStore

#: Schemes written ``scheme:where`` (without ``//``).
_OPAQUE = ("table",)

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$", re.DOTALL)


def split_location(location: str | os.PathLike) -> tuple[str, str]:
    """``(backend, location within it)``: ``"memory://x"`` -> ``("memory", "x")``, a path -> ``("sqlite", path)``."""
    text = os.fspath(location)
    for scheme in _OPAQUE:
        if text.startswith(scheme + ":") and not text.startswith(scheme + "://"):
            return scheme, text[len(scheme) + 1:]
    m = _URL.match(text)
    if m is None:
        return "sqlite", text
    scheme = m.group(1).lower()
    if scheme not in STORES:
        raise UnknownName("store backend", scheme, STORES.names())
    return scheme, m.group(2)


def open_store(location: str | os.PathLike) -> Store:
    """The store at ``location``: a SQLite file path (created if missing) or ``<backend>://<where>``."""
    backend, where = split_location(location)
    return STORES.get(backend).open_location(where)


__all__ = [
    "STORES",
    "HeuristicInfo",
    "RunInfo",
    "SQLiteStore",
    "ScoreRecord",
    "Store",
    "TrainingRecord",
    "TrajectoryStep",
    "open_store",
    "register_store",
    "split_location",
]
