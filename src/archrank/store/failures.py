"""Which stored failures a run recomputes by itself: those that came from the environment.

A failed score is stored with ``error = "ExceptionType: message"``.  The rule reads only the type (the text
before the first ``:``, without a module prefix), never the message.
"""

from __future__ import annotations

#: Exception types whose failures say the environment was missing something (a file, memory, a module,
#: a connection), not that the heuristic cannot score the architecture.  A stored failure of one of these
#: types is recomputed by the next run automatically; any other stored failure only when asked.
ENVIRONMENT_ERRORS = frozenset({
    "OSError", "FileNotFoundError", "PermissionError", "IsADirectoryError", "NotADirectoryError",
    "MemoryError", "OutOfMemoryError", "ImportError", "ModuleNotFoundError", "ConnectionError",
    "ConnectionRefusedError", "ConnectionResetError", "BrokenPipeError", "TimeoutError", "InterruptedError",
})


def error_type(error: str | None) -> str | None:
    """The exception type a stored error names (its text before the first ``:``), or None."""
    if error is None:
        return None
    return error.split(":", 1)[0].strip().rsplit(".", 1)[-1] or None


def is_environment_error(error: str | None) -> bool:
    """Whether a stored failure was an environment problem (:data:`ENVIRONMENT_ERRORS`): retried by default."""
    return error_type(error) in ENVIRONMENT_ERRORS
