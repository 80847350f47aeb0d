"""``archrank train`` shows one progress bar of epochs on a terminal, and nothing with --quiet or off one."""

from __future__ import annotations

import json
import sys

import pytest

from archrank.cli import main

ARCH = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"


@pytest.fixture
def argv(shared_data):
    if not (shared_data / "cifar10").is_dir():
        pytest.skip("CIFAR-10 not in the shared data")
    return ["train", "--arch", ARCH, "--regime", "c3r3", "--epochs", "3", "--batch-size", "32", "--train-images",
            "64", "--valid-images", "32", "--no-augment", "--data-dir", str(shared_data / "cifar10"), "--threads", "1"]


@pytest.mark.parametrize("tty, quiet", [(True, False), (True, True), (False, False)], ids=["tty", "quiet", "pipe"])
def test_epoch_progress_on_a_terminal_only(argv, capsys, monkeypatch, tty, quiet):
    capsys.readouterr()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: tty)
    assert main(argv + (["--quiet"] if quiet else [])) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["epochs"] == 3  # the result on stdout either way
    if tty and not quiet:
        assert "training" in err and "3/3" in err and "epoch" in err and "valid_acc=" in err
    else:
        assert err == ""
