"""The built-in search strategies by name, read from the source of :mod:`archrank.search` without importing
it (the CLI lists them in its help).  Each strategy registers itself in its module with
``@register_strategy("name")``; :data:`archrank.search.base.STRATEGIES` finds those lines the same way."""

from __future__ import annotations

from archrank.registry import scan_registrations

PACKAGE = "archrank.search"
DECORATOR = "register_strategy"


def builtin_strategies() -> dict[str, str]:
    """``{name: module}`` of the strategies built into archrank."""
    return scan_registrations(PACKAGE, DECORATOR)
