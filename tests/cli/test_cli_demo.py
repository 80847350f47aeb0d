"""The demo end to end on a tiny setting, and its bad-input handling."""

from __future__ import annotations

import json

import numpy as np

from archrank.cli import main
from archrank.demo import mean_rank_scores


def _strict(constant: str):
    raise ValueError(f"not JSON: {constant}")


def test_mean_rank_scores_orients_and_ranks_nan_last():
    cols = {"a": np.array([1.0, 2.0, 3.0]), "b": np.array([3.0, np.nan, 1.0])}
    # a: higher better -> ranks 1,2,3; b: lower better -> values -3, nan(-inf), -1 -> ranks 2,1,3
    got = mean_rank_scores(cols, {"a": True, "b": False})
    assert np.allclose(got, [(1 + 2) / 2, (2 + 1) / 2, (3 + 3) / 2])


def test_demo_runs_on_cifar10_and_reports_every_heuristic(shared_data, tmp_path, capsys):
    store = tmp_path / "demo.db"
    args = ["demo", "--data-dir", str(shared_data / "cifar10"), "--archs", "6", "--train", "3",
            "--train-images", "100", "--heuristics", "params,naswot", "--store", str(store),
            "--benchmark", str(shared_data / "nb201" / "nb201_cifar10.csv"), "--json"]
    assert main(args) == 0
    res = json.loads(capsys.readouterr().out, parse_constant=_strict)
    assert res["dataset"] == "cifar10"
    assert res["n_archs"] == 6 and res["n_trained"] == 3
    assert set(res["vs_trained"]) == {"params", "naswot", "mean_rank"}
    for row in res["vs_trained"].values():
        assert row["spearman"] is None or -1.0 <= row["spearman"] <= 1.0  # NaN is written as null
    assert set(res["vs_benchmark"]) == {"params", "naswot", "mean_rank"}
    accs = [t["test_acc"] for t in res["trained"]]
    assert all(0.0 <= a <= 100.0 for a in accs)
    assert res["best_trained"]["test_acc"] == max(accs)
    # Rerunning against the same store reuses every stored result: identical accuracies.
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert [t["test_acc"] for t in again["trained"]] == accs


def test_demo_rejects_bad_input_with_one_line(capsys, tmp_path):
    assert main(["demo", "--archs", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--archs" in err[0]
    assert main(["demo", "--heuristics", "nope", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope" in err[0] and "naswot" in err[0]
