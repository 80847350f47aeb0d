"""Errors raised by archrank.

Every error derives from :class:`ArchrankError` and also from the builtin that fits, so callers can catch
either.  Messages name the bad value and, where there is a finite set, the valid choices.  The CLI turns any
``ArchrankError`` into one line on stderr and exit code 2.
"""

from __future__ import annotations

from collections.abc import Iterable


class ArchrankError(Exception):
    """Root of all archrank errors."""


class UnknownName(ArchrankError, KeyError):
    """A name (space, heuristic, operation, data set, column, ...) that is not one of the valid choices."""

    def __init__(self, kind: str, name: object, choices: Iterable[object] = ()):
        self.kind, self.name, self.choices = kind, name, list(choices)
        msg = f"unknown {kind} {name!r}"
        if self.choices:
            msg += "; valid choices: " + ", ".join(str(c) for c in self.choices)
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class InvalidArgument(ArchrankError, ValueError):
    """A value of the right type but outside what is allowed (malformed string, index out of range, ...).

    ``parameter`` names the library parameter at fault, when there is one; the CLI maps it to its flag.
    """

    def __init__(self, message: str, *, parameter: str | None = None):
        super().__init__(message)
        self.parameter = parameter


class DataError(ArchrankError, OSError):
    """A data file that is missing, unreadable or corrupt, or a download that cannot be made."""


class NumericalError(ArchrankError, ArithmeticError):
    """A computation that cannot proceed numerically (e.g. a kernel that is not positive definite)."""


def choices_error(kind: str, value: object, choices: Iterable[object]) -> UnknownName:
    """Shorthand used across the package: ``raise choices_error("space", name, registry.names())``."""
    return UnknownName(kind, value, choices)


class PluginError(ArchrankError, ImportError):
    """A plugin (an entry point of group ``archrank.plugins`` or a module of ``$ARCHRANK_PLUGINS``) that
    failed to load; the message names it and its error."""
