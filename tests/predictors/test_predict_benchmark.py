"""``archrank predict`` end to end on the packaged NB201 table (no data files needed)."""

from __future__ import annotations

import json

from archrank.cli import main
from archrank.suite.predict import evaluate_saved, predict_benchmark


def test_predict_nb201_graph_features_and_saved_predictor(tmp_path):
    rep = predict_benchmark("nb201-cifar10", labels=40, features="graph", predictor="ridge_rank", samples=3,
                            population=400, save=tmp_path / "p.json")
    out = rep.to_json()
    assert out["population"] == 400 and out["samples"] == 3 and out["label_metric"] == "c10_test_200"
    assert out["spearman"] > 0.5  # graph features of NB201 cells rank far above chance with 40 labels
    loaded = evaluate_saved(tmp_path / "p.json", "nb201-cifar10")
    assert loaded["labels"] == 40 and loaded["population"] == 15625 - 40
    assert loaded["spearman"] > 0.5


def test_cheap_label_and_cli_json(tmp_path, capsys):
    code = main(["predict", "--benchmark", "nb201-cifar10", "--labels", "30", "--label-metric", "c10v_valid_12",
                 "--features", "encoding,graph", "--predictor", "rf", "--param", "trees=30", "--seeds", "2",
                 "--population", "300", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["label_metric"] == "c10v_valid_12" and out["metric"] == "c10_test_200" and out["params"] == {"trees": 30}
    assert len(out["per_sample"]) == 2


def test_zc_features_from_a_store(tmp_path, capsys):
    store = str(tmp_path / "s.db")
    assert main(["score", "--archs", "random:60", "--heuristics", "params", "--store", store, "--quiet"]) == 0
    capsys.readouterr()
    code = main(["predict", "--benchmark", "nb201-cifar10", "--labels", "20", "--features", "zc:params",
                 "--predictor", "ridge_rank", "--store", store, "--no-compute", "--seeds", "2", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["population"] == 60 and out["excluded"] == 15625 - 60
    assert out["single_heuristics_spearman"]["params"] > 0.3
