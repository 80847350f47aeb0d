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


def test_predict_untrained_archs_with_a_saved_predictor(tmp_path, capsys):
    from archrank.predictors.saved import load_predictor
    from archrank.spaces import get_space

    saved = tmp_path / "p.json"
    assert main(["predict", "--benchmark", "nb201-cifar10", "--labels", "30", "--features", "graph",
                 "--predictor", "gp", "--seeds", "1", "--population", "200", "--save", str(saved)]) == 0
    capsys.readouterr()
    sp = get_space("nb201")
    names = [sp.format(sp.index_to_arch(i)) for i in (5, 77, 1234, 9000)]
    (tmp_path / "archs.txt").write_text("# four cells\n" + "\n".join(names) + "\n5\n")  # index 5 repeats one
    assert main(["predict", "--load", str(saved), "--archs", str(tmp_path / "archs.txt"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["archs"] == 4 and out["missing"] == [] and out["higher_is_better"] is True
    rows = out["predictions"]
    assert sorted(r["arch"] for r in rows) == sorted(names) and [r["rank"] for r in rows] == [1, 2, 3, 4]
    means = [r["mean"] for r in rows]
    assert means == sorted(means, reverse=True) and all(r["std"] > 0 for r in rows)
    # the same numbers as the loaded predictor's own predictions (the CLI adds nothing but the order)
    direct = load_predictor(saved).predict_archs([sp.parse_any(r["arch"]) for r in rows]).mean
    assert direct.tolist() == means
    assert main(["predict", "--load", str(saved), "--archs", "random:7", "--top", "3"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "7 architectures of nb201" in lines[0] and len(lines) == 4
    (tmp_path / "bad.txt").write_text("|nor_conv_3x3~0|+|bogus|\n")  # a malformed line: one error line, exit 2
    assert main(["predict", "--load", str(saved), "--archs", str(tmp_path / "bad.txt")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "bad.txt:1" in err


def test_predict_archs_lacking_scores_are_reported_not_predicted(tmp_path, capsys):
    store = str(tmp_path / "s.db")
    assert main(["score", "--archs", "random:40", "--heuristics", "params", "--store", store, "--quiet"]) == 0
    saved = tmp_path / "p.json"
    assert main(["predict", "--benchmark", "nb201-cifar10", "--labels", "20", "--features", "graph,zc:params",
                 "--predictor", "ridge_rank", "--store", store, "--no-compute", "--seeds", "1",
                 "--save", str(saved)]) == 0
    capsys.readouterr()
    from archrank.spaces import get_space
    from archrank.store import open_store

    sp = get_space("nb201")
    with open_store(store) as st:
        held = sorted({r.arch for r in st.scores(space="nb201", heuristic="params")})
    unheld = next(sp.format(sp.index_to_arch(i)) for i in range(sp.size) if sp.format(sp.index_to_arch(i)) not in held)
    (tmp_path / "a.txt").write_text("\n".join([held[0], held[1], unheld]) + "\n")
    assert main(["predict", "--load", str(saved), "--archs", str(tmp_path / "a.txt"), "--store", store,
                 "--no-compute", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["missing"] == [unheld] and {r["arch"] for r in out["predictions"]} == {held[0], held[1]}
