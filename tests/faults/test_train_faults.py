"""SIGINT, SIGTERM and kill -9 during ``archrank train``, then the same command resumes from its checkpoint and
ends with the numbers of an uninterrupted training."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from stopping import check_stop_message, expected_code, start, stop_when

from archrank.cli import main
from archrank.store import open_store

ARCH = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"
EPOCHS = 4


def _args(shared_data, tmp_path, name):
    return ["train", "--space", "nb201", "--arch", ARCH, "--dataset", "cifar10", "--data-dir", str(shared_data),
            "--regime", "c3r3", "--epochs", str(EPOCHS), "--batch-size", "32", "--train-images", "128",
            "--valid-images", "40", "--no-augment", "--checkpoint", str(tmp_path / f"{name}.pt"),
            "--store", str(tmp_path / f"{name}.db")]


@pytest.fixture(scope="module")
def one_thread():
    """The subprocess trains with one thread; so does this process (float sums depend on the count)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def reference(shared_data, tmp_path_factory, one_thread):
    if not (shared_data / "cifar10").is_dir():
        pytest.skip("CIFAR-10 not in the shared data")
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(_args(shared_data, tmp_path_factory.mktemp("ref"), "ref")) == 0
    return json.loads(out.getvalue())


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["int", "term", "kill"])
def test_stopped_training_resumes_from_its_checkpoint(shared_data, tmp_path, capsys, reference, signum):
    ckpt = tmp_path / "t.pt"
    code, err = stop_when(start(_args(shared_data, tmp_path, "t")), ckpt.exists, signum)
    assert code == expected_code(signum), err
    check_stop_message(err, "train", signum)
    with open_store(tmp_path / "t.db") as st:
        assert st.training() == [] and [r.status for r in st.runs()] == ["interrupted"]

    assert main(_args(shared_data, tmp_path, "t")) == 0
    out = json.loads(capsys.readouterr().out)
    assert 1 <= out["resumed_from"] < EPOCHS and out["epochs"] == EPOCHS
    assert (out["valid_acc"], out["train_loss"]) == (reference["valid_acc"], reference["train_loss"])
    with open_store(tmp_path / "t.db") as st:
        (rec,) = st.training()
        assert rec.metrics["valid_acc"] == out["valid_acc"] and [r.status for r in st.runs()] == ["finished"]
