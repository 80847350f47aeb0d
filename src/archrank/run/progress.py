"""The one progress bar of every command: a tqdm bar on stderr.

Scoring runs (architectures), training (epochs), searches (runs) and the demo's phases all draw this bar,
so they look and refresh alike; :func:`progress_callback` drives the same bar from a ``progress(done,
total)`` callback for loops that report their own count (the kernel block loops of
:mod:`archrank.kernels`).  Whether to show it is the caller's choice (the CLI shows it on a terminal only,
not with ``--quiet`` or ``--json``: :func:`archrank.cli.output.show_progress`).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any


def progress_bar(total: int, *, enabled: bool = True, unit: str = "arch", desc: str = "scoring") -> Any:
    """A tqdm bar of ``total`` ``unit``\\ s labelled ``desc`` on stderr; disabled (draws nothing) unless
    ``enabled``."""
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, disable=not enabled, dynamic_ncols=True,
                mininterval=0.5)


@contextlib.contextmanager
def progress_callback(*, enabled: bool, unit: str, desc: str) -> Iterator[Callable[[int, int], None] | None]:
    """A ``progress(done, total)`` callback that moves a :func:`progress_bar` to ``done`` of ``total``, or
    None when not ``enabled`` (so that the loop skips the calls); the bar is closed when the block ends."""
    if not enabled:
        yield None
        return
    bar = progress_bar(0, enabled=True, unit=unit, desc=desc)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
            bar.refresh()
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()
