"""A run's status kept true when it stops: SIGINT/SIGTERM handling and the interrupted/failed marks.

:func:`guarded_run` wraps the body of a run that has been opened in a store.  While it runs, SIGTERM
raises :class:`RunInterrupted` in the main thread (SIGINT raises it too, instead of the bare
``KeyboardInterrupt``), so ``finally`` blocks run, the store's current transaction rolls back, and the run
row is set to ``interrupted``; any other exception sets it to ``failed``.  The previous handlers are
restored when the run ends.  Outside the main thread (where Python cannot install handlers) signals are
left alone, and a run killed with ``kill -9`` is recognised later by its dead process id
(:func:`archrank.store.run_status.reported_status`).
"""

from __future__ import annotations

import signal
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

HANDLED = (signal.SIGINT, signal.SIGTERM)


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by a signal (``signum``); a ``KeyboardInterrupt``, so the CLI exits with 130."""

    def __init__(self, signum: int):
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum


def _raise(signum: int, frame: Any) -> None:
    raise RunInterrupted(signum)


@contextmanager
def signals_raise() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`RunInterrupted` inside the block; old handlers restored after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in HANDLED}
    try:
        for s in HANDLED:
            signal.signal(s, _raise)
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)


@contextmanager
def guarded_run(store: Any, run_id: int | None) -> Iterator[None]:
    """Run the block with :func:`signals_raise`; mark run ``run_id`` of ``store`` ``interrupted`` when a
    signal or ``KeyboardInterrupt`` stops it and ``failed`` when an exception does, then re-raise.
    ``store`` None (nothing recorded) only handles the signals."""
    with signals_raise():
        try:
            yield
        except KeyboardInterrupt:
            _mark(store, run_id, "interrupted")
            raise
        except BaseException:
            _mark(store, run_id, "failed")
            raise


def _mark(store: Any, run_id: int | None, status: str) -> None:
    if store is None or run_id is None:
        return
    main = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in HANDLED} if main else {}
    try:  # a second signal while marking is ignored, so the mark is written whole
        store.finish_run(run_id, status)
    except Exception as e:  # noqa: BLE001 - the store itself failed: the original error is what matters
        warnings.warn(f"could not mark run {run_id} {status}: {type(e).__name__}: {e}", stacklevel=3)
    finally:
        for s, h in previous.items():
            signal.signal(s, h if h is not None else signal.SIG_DFL)
