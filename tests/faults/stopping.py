"""Helpers of the fault tests: start an archrank command in a subprocess and stop it mid-run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start(args: list[str]) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.Popen([sys.executable, "-m", "archrank", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def stop_when(proc: subprocess.Popen, ready: Callable[[], bool], signum: int, *, timeout: float = 60.0
              ) -> tuple[int, str]:
    """Send ``signum`` to ``proc`` once ``ready()`` holds; return its exit code and stderr."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and not ready():
        time.sleep(0.05)
    assert proc.poll() is None, f"the command ended before it could be stopped: {proc.communicate()}"
    assert ready(), "the command made no progress in time"
    os.kill(proc.pid, signum)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, err


def expected_code(signum: int) -> int:
    """The exit code of a stopped run: 128 + the signal's number when archrank handled it (130 for SIGINT,
    143 for SIGTERM), -9 for kill -9."""
    return -signal.SIGKILL if signum == signal.SIGKILL else 128 + signum


def check_stop_message(err: str, command: str, signum: int) -> None:
    """A handled signal leaves one line on stderr naming the command and the signal, and no traceback."""
    if signum == signal.SIGKILL:
        return
    assert "Traceback" not in err, err
    assert err.strip().splitlines()[-1] == f"archrank {command}: interrupted by {signal.Signals(signum).name}", err


def score_rows(store: Path) -> int:
    """Rows in the ``scores`` table of the SQLite store at ``store``, read-only (0 while it is not there yet
    or is locked mid-write)."""
    if not store.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0
