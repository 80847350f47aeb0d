"""The one progress bar of every command: a tqdm bar on stderr.

Scoring runs (architectures), training (epochs), searches (runs) and the demo's phases all draw this bar,
so they look and refresh alike.  Whether to show it is the caller's choice (the CLI shows it on a terminal
only, not with ``--quiet`` or ``--json``: :func:`archrank.cli.output.show_progress`).
"""

from __future__ import annotations

import sys
from typing import Any


def progress_bar(total: int, *, unit: str, desc: str, enabled: bool = True) -> Any:
    """A tqdm bar of ``total`` ``unit``\\ s labelled ``desc`` on stderr; disabled (draws nothing) unless
    ``enabled``."""
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, disable=not enabled, dynamic_ncols=True,
                mininterval=0.5)
