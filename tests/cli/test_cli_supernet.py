"""``archrank supernet train`` and ``archrank score --heuristics weight_sharing --supernet FILE``."""

from __future__ import annotations

import json
import shutil

import pytest

from archrank.cli import main
from archrank.run.context import file_digest
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
    name = "weight_sharing@" + file_digest(net)[:12]  # stored under the supernet's content hash
    with SQLiteStore(db) as st:
        values = [r.value for r in st.scores(heuristic=name)]
        assert [h for h in st.heuristic_info() if h.startswith("weight_sharing")] == [name]
    assert len(values) == 2 and all(0.0 <= v <= 100.0 for v in values)

    # Another supernet (another seed: other weights) is computed, not reused; the same file elsewhere is reused.
    other = tmp_path / "other.pt"
    assert main([*train[:3], str(other), *train[4:], "--seed", "1"]) == 0
    capsys.readouterr()
    assert file_digest(other) != file_digest(net)
    assert main(score + ["--supernet", str(other)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["computed"], summary["held"]) == (2, 0)
    copy = tmp_path / "copy" / "net.pt"
    copy.parent.mkdir()
    shutil.copyfile(net, copy)
    assert main(score + ["--supernet", str(copy)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["computed"], summary["held"]) == (0, 2)
    with SQLiteStore(db) as st:
        by = {}
        for r in st.scores():
            by.setdefault(r.heuristic, {})[r.arch] = r.value
    assert set(by) == {name, "weight_sharing@" + file_digest(other)[:12]} and sorted(by[name].values()) == sorted(values)
    assert by[name] != by["weight_sharing@" + file_digest(other)[:12]]

    # correlate takes the plain name when the store holds one supernet's scores, and asks when it holds two
    assert main(["correlate", "--store", str(db), "--benchmark", str(shared_data / "nb201" / "nb201_cifar10.csv"),
                 "--metric", "c10_test_200", "--heuristics", "weight_sharing"]) == 2
    err = capsys.readouterr().err
    assert "stored for several resources" in err and name in err


def test_a_missing_supernet_file_is_one_line_before_the_store(tmp_path, capsys):
    db = tmp_path / "s.db"
    assert main(["score", "--archs", "random:2", "--heuristics", "weight_sharing", "--supernet",
                 str(tmp_path / "none.pt"), "--store", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "none.pt' not found" in err and "(flag --supernet)" in err
    assert not db.exists()


def test_supernet_train_rejects_bad_values(tmp_path, capsys):
    assert main(["supernet", "train", "--out", str(tmp_path / "n.pt"), "--train-ratio", "2"]) == 2
    err = capsys.readouterr().err
    assert "train_ratio must be in (0, 1]" in err and "(flag --train-ratio)" in err
