"""What the commands print: strict JSON, paths checked before work, and whether to show progress.

``--json`` output is parsed by strict parsers: :func:`to_json` writes non-finite floats (NaN, +-inf, numpy
ones included) as ``null`` and refuses anything else JSON cannot hold (``allow_nan=False``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from archrank.errors import DataError

JSON_HELP = "print the result as one JSON object on stdout (non-finite numbers as null)"


def finite_or_none(obj: Any) -> Any:
    """``obj`` with every non-finite float replaced by None (dicts, lists, tuples and numpy scalars too)."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, (str, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_or_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_or_none(v) for v in obj]
    item = getattr(obj, "item", None)  # numpy scalars and 0-d arrays
    if callable(item) and getattr(obj, "ndim", 0) == 0:
        return finite_or_none(item())
    tolist = getattr(obj, "tolist", None)
    if callable(tolist):
        return finite_or_none(tolist())
    return obj


def to_json(obj: Any, **kw: Any) -> str:
    """Strict JSON of ``obj``: non-finite floats become null, ``allow_nan=False``."""
    return json.dumps(finite_or_none(obj), allow_nan=False, **kw)


def print_json(obj: Any, **kw: Any) -> None:
    sys.stdout.write(to_json(obj, **kw) + "\n")


def show_progress(args: argparse.Namespace) -> bool:
    """Progress bars and notes on stderr: not with --quiet or --json, and only on a terminal."""
    return not getattr(args, "quiet", False) and not getattr(args, "json", False) and sys.stderr.isatty()


def note(args: argparse.Namespace, text: str) -> None:
    """One line on stderr unless --quiet."""
    if not getattr(args, "quiet", False):
        sys.stderr.write(text.rstrip("\n") + "\n")


def writable_file(path: str | os.PathLike, flag: str) -> Path:
    """``path`` as a file to write: its folder must exist and be writable, and it must not be a folder.

    Checked before any work, so that a long computation does not end in a traceback.
    """
    p = Path(path).expanduser()
    if p.is_dir():
        raise DataError(f"{flag} {str(path)!r} is a folder; give a file name")
    folder = p.parent if str(p.parent) else Path(".")
    _is_folder(folder, path, flag)
    if not os.access(folder, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise DataError(f"{flag} {str(path)!r} cannot be written (permission denied)")
    _probe(folder, path, flag)
    return p


def writable_folder(path: str | os.PathLike, flag: str) -> Path:
    """``path`` as a folder to write into: an existing writable folder, or a new one whose parent is an
    existing writable folder (the command creates it)."""
    p = Path(path).expanduser()
    if p.exists() and not p.is_dir():
        raise DataError(f"{flag} {str(path)!r} is a file; give a folder")
    probe = p if p.exists() else (p.parent if str(p.parent) else Path("."))
    _is_folder(probe, path, flag)
    if not os.access(probe, os.W_OK):
        raise DataError(f"{flag} {str(path)!r} cannot be written (permission denied on {str(probe)!r})")
    _probe(probe, path, flag)
    return p


def _is_folder(folder: Path, path: str | os.PathLike, flag: str) -> None:
    if folder.is_dir():
        return
    above = next((a for a in (folder, *folder.parents) if a.exists()), None)
    if above is not None and not above.is_dir():  # a path through a plain file: no one can create it, not root
        raise DataError(f"{flag} {str(path)!r} cannot be written: {str(above)!r} is a file, not a folder")
    raise DataError(f"{flag} {str(path)!r}: folder {str(folder)!r} does not exist")


def _probe(folder: Path, path: str | os.PathLike, flag: str) -> None:
    """Create and remove an empty file in ``folder``: the one test of writability that file systems such as
    /proc, read-only mounts and ACLs (which ``os.access`` does not see, e.g. for root) all answer truly."""
    import tempfile

    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".archrank-probe-")
    except OSError as e:
        raise DataError(f"{flag} {str(path)!r} cannot be written in {str(folder)!r} "
                        f"({e.strerror or type(e).__name__})") from None
    os.close(fd)
    os.unlink(name)


def existing_file(path: str | os.PathLike, flag: str) -> Path:
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataError(f"{flag} {str(path)!r} not found" + (" (it is a folder)" if p.is_dir() else ""))
    return p


def existing_store(location: str | os.PathLike, flag: str = "--store") -> str | None:
    """Check that the store ``location`` exists before any work: a store file, ``table:NAME`` (a table
    with at least one shard) or ``table:all`` (every shipped table with shards, at least one).  Returns the table's source line for a table, else None."""
    from archrank.store import split_location

    backend, where = split_location(location)
    if backend != "table":
        existing_file(location, flag)
        return None
    from archrank.tables.store import ALL, AllTablesStore
    from archrank.tables.table import open_table

    if where == ALL:
        return AllTablesStore().source
    t = open_table(where)
    if not t.shards:
        raise DataError(f"{flag} {str(location)!r}: table {t.name} has no shards yet (build them with "
                        f"'archrank table build {t.name}')")
    return t.source


def positive(value: float | None, flag: str, *, allow_zero: bool = False) -> None:
    """An InvalidArgument naming ``flag`` unless ``value`` is > 0 (>= 0 with ``allow_zero``); None passes."""
    from archrank.errors import InvalidArgument

    if value is None:
        return
    ok = value >= 0 if allow_zero else value > 0
    if not ok or (isinstance(value, float) and not math.isfinite(value)):
        raise InvalidArgument(f"{flag} must be {'>= 0' if allow_zero else '> 0'}, got {value}")
