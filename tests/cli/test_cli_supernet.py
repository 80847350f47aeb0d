"""``archrank supernet train`` and ``archrank score --heuristics weight_sharing --supernet FILE``."""

from __future__ import annotations

import json

import pytest

from archrank.cli import main
from archrank.store import SQLiteStore


def test_train_a_supernet_then_score_with_it(shared_data, tmp_path, capsys):
    data = shared_data / "cifar10"
    if not data.is_dir():
        pytest.skip("CIFAR-10 not in the shared data")
    net = tmp_path / "net.pt"
    train = ["supernet", "train", "--out", str(net), "--data-dir", str(data), "--channels", "4", "--cells", "1",
             "--resolution", "8", "--train-images", "128", "--train-ratio", "0.5", "--epochs", "1", "--json"]
    assert main(train) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["trained"] and info["images"] == 64 and net.is_file()
    assert main(train) == 0  # an existing checkpoint is kept
    assert json.loads(capsys.readouterr().out)["trained"] is False

    db = tmp_path / "s.db"
    score = ["score", "--archs", "random:2", "--heuristics", "weight_sharing",
             "--data-dir", str(data), "--store", str(db), "--no-progress", "--json"]
    assert main(score) == 2  # no supernet: one line naming the flag
    err = capsys.readouterr().err.strip()
    assert "needs a trained supernet" in err and "(flag --supernet)" in err and len(err.splitlines()) == 1
    assert main(score + ["--supernet", str(net)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["computed"] == 2 and summary["failed"] == 0
    with SQLiteStore(db) as st:
        values = [r.value for r in st.scores(heuristic="weight_sharing")]
    assert len(values) == 2 and all(0.0 <= v <= 100.0 for v in values)


def test_supernet_train_rejects_bad_values(tmp_path, capsys):
    assert main(["supernet", "train", "--out", str(tmp_path / "n.pt"), "--train-ratio", "2"]) == 2
    err = capsys.readouterr().err
    assert "train_ratio must be in (0, 1]" in err and "(flag --train-ratio)" in err
