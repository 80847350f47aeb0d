from __future__ import annotations

import csv
import math
import os
import signal
import subprocess
import sys
import time

import pytest

from archrank.cli import main
from archrank.store import open_store

REGIME = "c3r2e8s0.5"  # 2 channels, 8x8 images, 1 epoch, half of the (limited) training images
KEY = f"{REGIME}/bs16/n40/v40"  # the regime key of _build_args: every setting that changes a result


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_import_matches_benchmark_table(shared_data, tmp_path, capsys):
    out = tmp_path / "t.csv"
    assert main(["bench", "import", str(shared_data / "nats" / "NATS-tss-v1_0-3ffb9-simple"), "--out", str(out),
                 "--hp", "200"]) == 0
    rows = {r["index"]: r for r in _rows(out)}
    ref = {r["index"]: r for r in _rows(shared_data / "nb201" / "nb201_cifar10.csv") if r["index"] in rows}
    assert sorted(rows) == ["0", "11", "284"]
    for i, r in rows.items():
        assert r["arch"] == ref[i]["arch"]
        for col in ("c10_test_200", "c10v_valid_200", "c10v_test_200", "c10v_train_seconds_200"):
            assert math.isclose(float(r[col]), float(ref[i][col]), abs_tol=0.01), col
    assert "c100_test_200" in rows["0"] and "c10_test_12" not in rows["0"]
    assert "wrote 3 architectures" in capsys.readouterr().out


def test_import_bad_input(shared_data, tmp_path, capsys):
    arc = str(shared_data / "nats" / "NATS-tss-v1_0-3ffb9-simple")
    assert main(["bench", "import", arc, "--out", str(tmp_path / "t.csv"), "--hp", "90"]) == 2
    assert "valid: 12, 200" in capsys.readouterr().err
    assert main(["bench", "import", arc, "--out", str(tmp_path / "t.csv"), "--datasets", "mnist"]) == 2
    assert "cifar10-valid" in capsys.readouterr().err
    assert main(["bench", "import", str(tmp_path), "--out", str(tmp_path / "t.csv")]) == 2
    assert main(["bench", "export", "--store", str(tmp_path / "none.db"), "--out", str(tmp_path / "e.csv")]) == 2


def _build_args(shared_data, store, n=3):
    return ["bench", "build", "--space", "nb201", "--archs", f"random:{n}", "--regime", REGIME, "--dataset",
            "cifar10", "--data-dir", str(shared_data), "--store", str(store), "--valid-images", "40",
            "--train-images", "40", "--batch-size", "16"]


@pytest.mark.slow
def test_build_export_correlate_and_resume_after_kill(shared_data, tmp_path, capsys):
    store = tmp_path / "b.db"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "archrank", *_build_args(shared_data, store, 3)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    n_before = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.5)
        if store.exists():
            with open_store(store) as s:
                n_before = len(s.training())
            if n_before >= 1:
                break
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert n_before >= 1
    assert main(_build_args(shared_data, store, 3)) == 0
    assert "already stored" in capsys.readouterr().out
    with open_store(store) as s:
        recs = s.training()
        scores = s.scores(heuristic=f"train_{KEY}")
    assert len(recs) == 3 and len({r.arch for r in recs}) == 3
    assert len(scores) == 3 and {r.arch for r in scores} == {r.arch for r in recs}
    assert all(0 <= r.metrics["valid_acc"] <= 100 and r.seconds > 0 and r.flops > 0 for r in recs)
    # rerunning changes nothing
    assert main(_build_args(shared_data, store, 3)) == 0
    with open_store(store) as s:
        assert len(s.training()) == 3
    capsys.readouterr()

    out = tmp_path / "e.csv"
    assert main(["bench", "export", "--store", str(store), "--out", str(out)]) == 0
    rows = _rows(out)
    assert len(rows) == 3 and {"index", "arch", KEY, f"{KEY}_seconds"} <= set(rows[0])
    capsys.readouterr()
    assert main(["correlate", "--store", str(store), "--benchmark", str(shared_data / "nb201" / "nb201_cifar10.csv"),
                 "--metric", "c10_test_200"]) == 0
    assert f"train_{KEY}" in capsys.readouterr().out
    # the exported table is itself a benchmark the store's scores can be correlated with
    assert main(["correlate", "--store", str(store), "--benchmark", str(out), "--metric", KEY]) == 0
    assert "1.000" in capsys.readouterr().out


def test_build_bad_regime(shared_data, tmp_path, capsys):
    args = _build_args(shared_data, tmp_path / "x.db")
    args[args.index(REGIME)] = "c1x"
    assert main(args) == 2
    assert "bad regime name" in capsys.readouterr().err


def test_train_command(shared_data, tmp_path, capsys):
    import json

    args = ["train", "--space", "nb201", "--arch", "6111", "--dataset", "cifar10", "--data-dir", str(shared_data),
            "--regime", "c3r2", "--epochs", "1", "--batch-size", "16", "--train-images", "32", "--valid-images",
            "20", "--checkpoint", str(tmp_path / "c.pt"), "--store", str(tmp_path / "t.db")]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["epochs"] == 1 and 0 <= out["valid_acc"] <= 100 and out["train_flops"] > 0
    assert main(args) == 0  # the checkpoint holds the finished run: nothing is retrained
    again = json.loads(capsys.readouterr().out)
    assert again["resumed_from"] == 1 and again["valid_acc"] == out["valid_acc"]
    with open_store(tmp_path / "t.db") as s:
        (rec,) = s.training()
    assert rec.regime == "c3r2e0s1/ep1/bs16/n32/v20" == out["regime_key"]
    assert rec.metrics["valid_acc"] == out["valid_acc"]
