"""Where data lives: an explicit ``--data-dir``, else ``$ARCHRANK_DATA``, else ``~/.cache/archrank/data``."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir(explicit: str | os.PathLike | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("ARCHRANK_DATA")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "archrank" / "data"
