"""The one torch-thread policy of every command (``--threads``), applied by :func:`torch_threads`.

The rule (:func:`thread_policy`): ``--threads N`` is used as given; without it, a command doing one
piece of work at a time (one training, one kernel, a demo, live scoring in a search) uses every core this
process may run on, and a command running several workers (``workers > 1``, e.g. Ray tasks) gives each
worker one thread, so that workers do not fight over cores.  Scoring pins its own count per task
(``ScoreSetting.threads``, default 1) because float reductions depend on it.  The previous count is
restored when the block ends.  torch is imported only when the block is entered.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from archrank.errors import InvalidArgument


def available_cores() -> int:
    """The number of cores this process may run on (its CPU affinity where the system tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def thread_policy(threads: int | None = None, *, workers: int = 1) -> int:
    """torch threads per worker: ``threads`` if given (>= 1), else all cores for one worker, else 1."""
    if threads is not None:
        if int(threads) < 1:
            raise InvalidArgument(f"threads must be a positive number, got {threads}", parameter="threads")
        return int(threads)
    if int(workers) < 1:
        raise InvalidArgument(f"workers must be a positive number, got {workers}", parameter="workers")
    return available_cores() if int(workers) == 1 else 1


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[int]:
    """Run a block with ``n`` torch intra-op threads; the previous count is restored afterwards."""
    import torch

    old = torch.get_num_threads()
    if n != old:
        torch.set_num_threads(int(n))
    try:
        yield int(n)
    finally:
        if torch.get_num_threads() != old:
            torch.set_num_threads(old)
