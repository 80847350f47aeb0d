"""The progress bar shared by scoring and the kernel block loops."""

from __future__ import annotations

import io
import sys

from archrank.run.progress import progress_bar, progress_callback


def test_disabled_callback_is_none_and_draws_nothing(capsys):
    with progress_callback(enabled=False, unit="block", desc="kernel") as cb:
        assert cb is None
    assert capsys.readouterr().err == ""


def test_callback_moves_the_bar_to_done_of_total(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    with progress_callback(enabled=True, unit="block", desc="kernel") as cb:
        assert cb is not None
        for done in range(1, 8):
            cb(done, 7)
    text = err.getvalue()
    assert "kernel:" in text and "7/7" in text and "block" in text and "8/7" not in text


def test_scoring_bar_is_the_same_bar(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    bar = progress_bar(3, enabled=True)
    bar.update(3)
    bar.close()
    assert "scoring:" in err.getvalue() and "3/3" in err.getvalue() and "arch" in err.getvalue()
    before = err.getvalue()
    quiet = progress_bar(3, enabled=False)
    quiet.update(3)
    quiet.close()
    assert err.getvalue() == before  # a disabled bar draws nothing
