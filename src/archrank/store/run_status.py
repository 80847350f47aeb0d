"""What a run row's status means: the statuses, and a ``running`` run whose process is gone.

A run row records the process id and host of the process that opened it last.  :func:`reported_status` is
how every backend's ``runs()`` reports a stored status: a run left ``running`` by a process that no longer
exists on this host (``kill -9``, a crash) is ``interrupted``.  A run opened on another host cannot be
checked and is reported as stored.  A process id reused by an unrelated process reads as alive.
"""

from __future__ import annotations

import os
import socket

#: ``incomplete``: a scoring run that ended with failures still held (see :mod:`archrank.run.scoring`).
RUN_STATUSES = ("running", "finished", "incomplete", "interrupted", "failed")


def this_host() -> str:
    """The name a run row records as its host."""
    return socket.gethostname()


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (a process of another user counts as alive)."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, ValueError):
        return False
    return True


def reported_status(status: str, pid: int | None, host: str | None) -> str:
    """A stored run status as :meth:`Store.runs` reports it: a ``running`` run whose process (same host,
    ``pid``) is gone is ``interrupted``.  A run opened on another host cannot be checked and stays as stored."""
    if status == "running" and pid is not None and host == this_host() and not process_alive(pid):
        return "interrupted"
    return status
