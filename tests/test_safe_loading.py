"""Untrusted files cannot run code: each reader of a pickled format is fed a file whose pickle would call
``os.system`` to create a marker file; the reader refuses it in one line and the marker never appears.

Readers: CIFAR and ImageNet16 batches, NATS-Bench ``.pickle.pbz2`` records, NB101 API records (restricted
unpickler, :mod:`archrank.safe_pickle`), training checkpoints and supernet files (``torch.load(...,
weights_only=True)``).  Through the command line where a command reads the file: exit 2, one line on stderr,
nothing written."""

from __future__ import annotations

import bz2
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from archrank import safe_pickle
from archrank.cli import main
from archrank.errors import DataError

REPO = Path(__file__).resolve().parents[1]


class _Payload:
    """Unpickling this calls os.system(command): what a malicious data file would do."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


@pytest.fixture
def marker(tmp_path) -> Path:
    return tmp_path / "ran"


def _evil(marker: Path, wrap=lambda p: p) -> bytes:
    return pickle.dumps(wrap(_Payload(f"touch {marker}")), protocol=2)


def _refused(argv: list[str], capsys) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1, (code, err)
    assert out == ""
    return err


def test_the_payload_would_run_with_a_plain_unpickler(marker):
    # the check that the tests below can fail: pickle.load runs the command
    pickle.loads(_evil(marker))
    assert marker.exists()


def test_restricted_unpickler_admits_the_data_types_and_nothing_else(marker):
    from collections import OrderedDict

    data = {b"data": np.arange(12, dtype=np.uint8).reshape(3, 4), "x": np.float64(2.5), "o": OrderedDict(a=1),
            "s": {1, 2}, "f": frozenset({3}), "c": 1j, "b": b"bytes"}
    import io

    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        back = safe_pickle.load(io.BytesIO(pickle.dumps(data, protocol=protocol)))
        assert np.array_equal(back[b"data"], data[b"data"]) and back["x"] == 2.5 and back["o"] == data["o"]
        assert back["s"] == {1, 2} and back["b"] == b"bytes"
    with pytest.raises(safe_pickle.ForbiddenGlobal, match="system"):
        safe_pickle.load(io.BytesIO(_evil(marker)))
    with pytest.raises(safe_pickle.ForbiddenGlobal):  # an object array smuggling a payload
        safe_pickle.load(io.BytesIO(pickle.dumps(np.array([_Payload(f"touch {marker}")], dtype=object))))
    assert not marker.exists()


def test_cifar_batch(tmp_path, marker, capsys):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    blob = _evil(marker, lambda p: {b"data": p, b"labels": [0]})
    for name in ("batches.meta", "test_batch", *(f"data_batch_{i}" for i in range(1, 6))):
        (folder / name).write_bytes(blob)
    err = _refused(["score", "--dataset", "cifar10", "--data-dir", str(tmp_path), "--archs", "random:1",
                    "--heuristics", "synflow", "--store", str(tmp_path / "s.db")], capsys)
    assert "system" in err and not marker.exists() and not (tmp_path / "s.db").exists()
    # training reads its data before the store is opened: no store created, an existing one byte-identical
    held = tmp_path / "held.db"
    assert main(["score", "--archs", "random:1", "--heuristics", "params", "--store", str(held), "--quiet"]) == 0
    before = held.read_bytes()
    capsys.readouterr()
    for argv in (["--arch", "0"], ["--archs", "random:2"]):
        for store in (tmp_path / "s.db", held):
            err = _refused(["train", *argv, "--epochs", "1", "--data-dir", str(tmp_path), "--store", str(store)],
                           capsys)
            assert "system" in err and not marker.exists() and not (tmp_path / "s.db").exists()
            assert held.read_bytes() == before


def test_imagenet16_batch(tmp_path, marker, capsys):
    from archrank.data.imagenet16 import read_imagenet16_batch

    folder = tmp_path / "ImageNet16"
    folder.mkdir()
    blob = _evil(marker, lambda p: {"data": p, "labels": [1]})
    for name in ("val_data", *(f"train_data_batch_{i}" for i in range(1, 11))):
        (folder / name).write_bytes(blob)
    with pytest.raises(DataError, match="system"):
        read_imagenet16_batch(folder / "val_data")
    _refused(["score", "--dataset", "imagenet16-120", "--data-dir", str(tmp_path), "--archs", "random:1",
              "--heuristics", "synflow", "--store", str(tmp_path / "s.db")], capsys)
    assert not marker.exists() and not (tmp_path / "s.db").exists()


def test_nats_archive(tmp_path, marker, capsys):
    archive = tmp_path / "NATS-tss-v1_0-3ffb9-simple"
    archive.mkdir()
    with bz2.open(archive / "meta.pickle.pbz2", "wb") as f:
        f.write(_evil(marker, lambda p: {"meta_archs": p}))
    err = _refused(["bench", "import", str(archive), "--out", str(tmp_path / "t.csv")], capsys)
    assert "system" in err and not marker.exists() and not (tmp_path / "t.csv").exists()


def test_nb101_records(tmp_path, marker):
    from archrank.benchmarks.nb101 import open_nb101

    path = tmp_path / "records.pkl"
    path.write_bytes(_evil(marker, lambda p: {"h": (p, {})}))
    with pytest.raises(DataError, match="system"):
        open_nb101(path)
    assert not marker.exists()


def _torch_evil(path: Path, marker: Path, blob: dict) -> None:
    torch.save({**blob, "payload": _Payload(f"touch {marker}")}, path)


def test_training_checkpoint(tmp_path, marker, capsys, shared_data):
    ckpt = tmp_path / "c.pt"
    _torch_evil(ckpt, marker, {"model": {}, "epoch": 1})
    err = _refused(["train", "--arch", "0", "--epochs", "1", "--regime", "c3r3e7s1", "--train-images", "64",
                    "--valid-images", "32", "--data-dir", str(shared_data / "cifar10"), "--checkpoint", str(ckpt),
                    "--store", str(tmp_path / "s.db")], capsys)
    assert "tensors and plain types" in err and "system" in err
    assert not marker.exists() and not (tmp_path / "s.db").exists()


def test_supernet_file(tmp_path, marker, capsys):
    from archrank.train.supernet import load_supernet

    net = tmp_path / "supernet.pt"
    _torch_evil(net, marker, {"config": {}, "state": {}, "info": {}})
    with pytest.raises(DataError, match="tensors and plain types"):
        load_supernet(net)
    before = net.read_bytes()
    _refused(["supernet", "train", "--out", str(net)], capsys)  # an existing file is read, not retrained
    _refused(["score", "--heuristics", "weight_sharing", "--supernet", str(net), "--archs", "random:1",
              "--dataset", "synthetic", "--store", str(tmp_path / "s.db")], capsys)
    assert not marker.exists() and net.read_bytes() == before and not (tmp_path / "s.db").exists()


def test_files_archrank_writes_are_read_back_safely(tmp_path):
    from archrank.train.checkpoint import load_file, plain, save_atomic
    from archrank.train.supernet import Supernet, load_supernet, save_supernet

    torch.manual_seed(0)
    net = Supernet(C=2, N=1, num_classes=10, resolution=8)
    save_supernet(net, tmp_path / "s.pt", final_loss=np.float32(1.5), steps=np.int64(3))
    back = load_supernet(tmp_path / "s.pt")
    assert all(torch.equal(a, b) for a, b in zip(net.state_dict().values(), back.state_dict().values()))
    assert load_file(tmp_path / "s.pt")["info"] == {"final_loss": 1.5, "steps": 3}
    with pytest.raises(Exception, match="plain types"):
        plain({"x": object()})
    with pytest.raises(Exception, match="plain types"):
        save_atomic({"x": object()}, tmp_path / "bad.pt")
    assert not (tmp_path / "bad.pt").exists()


def test_a_refusal_in_a_real_process(tmp_path, marker):
    ckpt = tmp_path / "c.pt"
    _torch_evil(ckpt, marker, {"model": {}})
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    r = subprocess.run([sys.executable, "-m", "archrank", "supernet", "train", "--out", str(ckpt)],
                       capture_output=True, text=True, env=env, timeout=120, check=False)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and not marker.exists(), r.stderr


def test_checkpoint_folder_of_a_training_run(tmp_path, marker, shared_data):
    from archrank.run import TrainSetting, run_training
    from archrank.run.training import arch_checkpoint

    setting = TrainSetting("nb201", regime="c3r3e7s1", data_dir=str(shared_data / "cifar10"), batch_size=32,
                           train_limit=64, valid_limit=32, augment=False)
    arch = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"
    folder = tmp_path / "ckpts"
    folder.mkdir()
    _torch_evil(arch_checkpoint(setting, folder, arch), marker, {"model": {}})
    with pytest.raises(DataError, match="tensors and plain types"):
        run_training(setting, archs=[arch], checkpoint_dir=folder, store=tmp_path / "s.db")
    assert not marker.exists() and not (tmp_path / "s.db").exists()
