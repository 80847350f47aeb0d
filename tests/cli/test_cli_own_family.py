"""A user's own family (a space made with ``archrank.spaces.grid``) through every command, and the loop
"search on a heuristic, train the winners, compare the two rankings" from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "spaces"))
import grid_family  # noqa: F401  (the space "gridnet": 6 configurations)

from archrank.cli import main
from archrank.store import open_store

TINY_TRAIN = ["--regime", "c0r1", "--epochs", "1", "--train-images", "60", "--valid-images", "40",
              "--batch-size", "32"]


@pytest.fixture(autouse=True)
def plugin_env(monkeypatch):
    monkeypatch.setenv("ARCHRANK_PLUGINS", "grid_family")


def _json(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_spaces_describe_and_score(tmp_path, shared_data, capsys):
    assert main(["spaces"]) == 0
    assert "grid of depth: 1, 2; width: 4, 8; act: relu, gelu (with a constraint)" in capsys.readouterr().out
    assert main(["describe", "--space", "gridnet", "--index", "5", "--json"]) == 0
    d = _json(capsys)
    assert d["arch"] == "depth=2,width=4,act=gelu" and d["params_m"] > 0
    store = tmp_path / "s.db"
    assert main(["score", "--space", "gridnet", "--archs", "all", "--heuristics", "params,synflow,naswot",
                 "--store", str(store), "--data-dir", str(shared_data), "--batch-size", "8", "--quiet"]) == 0
    with open_store(store) as s:
        recs = s.scores(space="gridnet")
    assert len(recs) == 18
    by = {(r.arch, r.heuristic): r for r in recs}
    assert by[("depth=1,width=8,act=relu", "params")].value > by[("depth=1,width=4,act=relu", "params")].value
    assert all(r.error is None for r in recs if r.heuristic != "naswot")


def test_search_train_correlate_loop(tmp_path, shared_data, capsys):
    store, top = tmp_path / "loop.db", tmp_path / "top.txt"
    data = ["--data-dir", str(shared_data)]
    assert main(["search", "--space", "gridnet", "--objective", "heuristic:synflow", "--budget-archs", "5",
                 "--top", "3", "--out", str(top), "--store", str(store), "--batch-size", "8", "--json", *data]) == 0
    found = _json(capsys)
    assert found["scored"] == 5 and len(found["top"]) == 3
    values = [r["score"] for r in found["top"]]
    assert values == sorted(values, reverse=True)
    lines = [ln for ln in top.read_text().splitlines() if not ln.startswith("#")]
    assert lines == [r["arch"] for r in found["top"]]
    with open_store(store) as s:  # the live scores were kept
        assert len(s.scores(space="gridnet", heuristic="synflow")) == 5
    # the same search again reads every score from the store
    assert main(["search", "--space", "gridnet", "--objective", "heuristic:synflow", "--budget-archs", "5",
                 "--store", str(store), "--batch-size", "8", "--json", *data]) == 0
    again = _json(capsys)
    assert again["scores"] == {"stored": 5, "live": 0}
    assert [(r["arch"], r["score"]) for r in again["top"][:3]] == [(r["arch"], r["score"]) for r in found["top"]]

    assert main(["train", "--space", "gridnet", "--archs", str(top), "--store", str(store), "--json",
                 *TINY_TRAIN, *data]) == 0
    trained = _json(capsys)
    assert trained["trained"] == 3 and [r["arch"] for r in trained["results"]] == lines
    assert "2 epochs" not in trained["stated"] and "60 cifar10 training images" in trained["stated"]
    assert main(["train", "--space", "gridnet", "--archs", str(top), "--store", str(store), "--json",
                 *TINY_TRAIN, *data]) == 0
    assert _json(capsys)["held"] == 3  # nothing trained twice

    assert main(["correlate", "--store", str(store), "--metric", "trained", "--json"]) == 0
    rows = _json(capsys)
    assert set(rows) == {"synflow"} and rows["synflow"]["n"] == 3 and rows["synflow"]["n_missing"] == 2
    from archrank.metrics import spearman

    with open_store(store) as s:
        acc = {r.arch: r.metrics["valid_acc"] for r in s.training(space="gridnet")}
        score = {r.arch: r.value for r in s.scores(space="gridnet", heuristic="synflow")}
    archs = sorted(acc)
    assert rows["synflow"]["spearman"] == pytest.approx(spearman([score[a] for a in archs], [acc[a] for a in archs]))


def test_suite_and_report_on_a_grid_space(tmp_path, shared_data, capsys):
    table = tmp_path / "truth.csv"  # a made-up ground truth: wider and deeper is better
    from archrank.spaces import get_space

    sp = get_space("gridnet")
    rows = ["arch,acc"] + [f"\"{sp.format(a)}\",{a[0] * 10 + a[1]}" for a in sp]
    table.write_text("\n".join(rows) + "\n")
    store = tmp_path / "suite.db"
    assert main(["suite", "--benchmark", str(table), "--space", "gridnet", "--metric", "acc", "--heuristics",
                 "params", "--store", str(store), "--archs-per-task", "6", "--data-dir", str(shared_data),
                 "--batch-size", "8", "--json", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "params" in out
    report = tmp_path / "report"
    assert main(["report", "--store", str(store), "--benchmark", str(table), "--metric", "acc",
                 "--out", str(report)]) == 0
    assert (report / "index.html").is_file()


def test_demo_on_a_grid_space_with_its_own_table(tmp_path, shared_data, capsys):
    from archrank.spaces import get_space

    sp = get_space("gridnet")
    table = tmp_path / "truth.csv"
    table.write_text("arch,acc\n" + "".join(f"\"{sp.format(a)}\",{a[0] * 10 + a[1]}\n" for a in sp))
    assert main(["demo", "--space", "gridnet", "--benchmark", str(table), "--metric", "acc", "--archs", "6",
                 "--heuristics", "params,synflow", "--batch-size", "8", "--train", "3", "--regime", "c0r1e5",
                 "--train-images", "30", "--test-images", "20", "--data-dir", str(shared_data), "--report", "none",
                 "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["space"] == "gridnet" and res["n_archs"] == 6 and res["search"] == {}
    assert "NB201 search-protocol columns" in res["search_skipped"]
    params = next(r for r in res["ranking"] if r["heuristic"] == "params")
    from archrank.metrics import spearman
    from archrank.models import build_model

    counts = [sum(p.numel() for p in build_model("gridnet", a).parameters()) for a in sp]
    assert params["spearman"] == pytest.approx(spearman(counts, [a[0] * 10 + a[1] for a in sp]))
    assert res["training"]["n"] == 3 and all(t["index"] is not None for t in res["training"]["archs"])
    assert any("gridnet architectures" in line for line in res["answer"])
