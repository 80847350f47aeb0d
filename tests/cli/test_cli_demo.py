"""The demo end to end on a small setting, its strict JSON, and its argument checks made before any work."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from archrank.cli import main
from archrank.demo import mean_rank_scores
from archrank.demo.guided_search import ScoredPool
from archrank.demo.ranking import MEAN_RANK, best_single, ranking_rows

SMALL = ["--archs", "8", "--runs", "2", "--heuristics", "params,synflow,naswot", "--budget-seconds", "3000"]


def _strict(text: str):
    def bad(token):
        raise AssertionError(f"non-strict JSON token {token}")

    return json.loads(text, parse_constant=bad)


def test_mean_rank_scores_orients_and_ranks_nan_last():
    cols = {"a": np.array([1.0, 2.0, 3.0]), "b": np.array([3.0, np.nan, 1.0])}
    # a: higher better -> ranks 1,2,3; b: lower better -> values -3, nan(-inf), -1 -> ranks 2,1,3
    got = mean_rank_scores(cols, {"a": True, "b": False})
    assert np.allclose(got, [(1 + 2) / 2, (2 + 1) / 2, (3 + 3) / 2])


def test_ranking_rows_best_first_with_cost_and_nonfinite_counts():
    truth = np.arange(6.0)
    cols = {"good": truth * 2, "bad": -truth, "holey": np.array([0, np.nan, 2, 3, 4, 5.0])}
    secs = {"good": [0.1, 0.3], "bad": [], "holey": [1.0]}
    rows = ranking_rows(cols, secs, {"good": True, "bad": True, "holey": True}, truth)
    by = {r["heuristic"]: r for r in rows}
    assert [r["heuristic"] for r in rows][:2] == ["good", "holey"]  # holey ties at 1.0 on its 5 finite pairs
    assert by["good"]["seconds_per_arch"] == pytest.approx(0.2) and math.isnan(by["bad"]["seconds_per_arch"])
    assert by["holey"]["nonfinite"] == 1 and by["holey"]["n"] == 5
    assert by["bad"]["spearman"] == pytest.approx(-1.0)
    assert MEAN_RANK in by and best_single(rows)["heuristic"] == "good"


def test_scored_pool_samples_only_its_architectures_and_mutates_in_the_space():
    from archrank.spaces import get_space

    sp = get_space("nb201")
    rng = np.random.default_rng(0)
    pool = [sp.index_to_arch(i) for i in (3, 77, 1000)]
    ps = ScoredPool(sp, pool)
    assert ps.size == 3 and {ps.sample(rng) for _ in range(30)} == set(pool)
    assert ps.name == "nb201" and ps.format(pool[0]) == sp.format(pool[0])
    assert ps.mutate(pool[0], rng) != pool[0]


def test_small_demo_end_to_end_prints_the_answer_and_writes_the_report(shared_data, tmp_path, capsys):
    report = tmp_path / "report"
    args = ["demo", "--data-dir", str(shared_data / "cifar10"), *SMALL, "--report", str(report), "--quiet"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert err == ""  # --quiet: nothing on stderr
    assert "Best ranking heuristic:" in out and "Guided search" in out and "REA" in out
    assert "8 NB201 architectures" in out and "cifar10" in out
    page = report / "index.html"
    assert page.is_file()
    html = page.read_text()
    for section in ("Rank consistency", "Search: best so far", "Cost against fidelity"):
        assert section in html
    best = out.split("Best ranking heuristic: ")[1].split(",")[0]
    curves = (report / "search_curves.csv").read_text().splitlines()
    assert {line.split(",")[0] for line in curves[1:]} == {"rea", "random", f"zc_warmup ({best})"}


def test_demo_json_is_strict_and_complete_and_reruns_from_the_store(shared_data, tmp_path, capsys):
    store = tmp_path / "demo.db"
    args = ["demo", "--data-dir", str(shared_data), *SMALL, "--store", str(store), "--report", "none", "--json"]
    assert main(args) == 0
    out = capsys.readouterr().out
    res = _strict(out)  # one object, nothing else on stdout
    assert res["dataset"] == "cifar10" and res["n_archs"] == 8 and res["report"] is None
    names = [r["heuristic"] for r in res["ranking"]]
    assert sorted(names) == sorted(["params", "synflow", "naswot", MEAN_RANK])
    spear = [r["spearman"] for r in res["ranking"] if r["spearman"] is not None]
    assert spear == sorted(spear, reverse=True) and all(-1 <= s <= 1 for s in spear)
    assert res["best"]["heuristic"] == res["search"]["heuristic"] != MEAN_RANK
    rows = {r["strategy"]: r for r in res["search"]["rows"]}
    assert set(rows) == {"rea", "random", "zc_warmup"}
    assert all(r["runs"] == 2 and r["simulated_seconds_mean"] >= 3000 for r in rows.values())
    assert rows["zc_warmup"]["stored_scores_used"] >= 8 and rows["zc_warmup"]["live_scores"] == 0
    assert res["answer"] and res["answer"][0].startswith("Best ranking heuristic: " + res["best"]["heuristic"])
    # rerun on the same store: nothing recomputed, the same scores and so the same ranking
    assert main(args) == 0
    again = _strict(capsys.readouterr().out)
    assert again["ranking"] == res["ranking"]


@pytest.fixture
def one_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)  # training uses the process's threads; one keeps the test quick on a busy machine
    yield
    torch.set_num_threads(before)


def test_demo_trains_for_real_when_asked_and_states_the_caveat(shared_data, tmp_path, capsys, one_thread):
    args = ["demo", "--data-dir", str(shared_data / "cifar10"), "--archs", "3", "--runs", "1", "--heuristics",
            "params", "--train", "3", "--train-images", "40", "--test-images", "50", "--regime", "c2r2e5",
            "--report", "none", "--budget-seconds", "500", "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "trained for real: 3 architectures" in out and "CAVEAT: short training" in out
    assert "c2r2e5" in out and "40 training images" in out  # the regime is stated


@pytest.mark.parametrize("extra, needle", [
    (["--archs", "1"], "--archs"),
    (["--heuristics", "nope"], "nope"),
    (["--data-dir", "/no/such/folder"], "/no/such/folder"),
    (["--benchmark", "no_such_table"], "no_such_table"),
    (["--regime", "bogus"], "bogus"),
    (["--runs", "0"], "--runs"),
    (["--train", "2"], "--train"),
])
def test_demo_rejects_bad_arguments_with_one_line_before_any_work(extra, needle, tmp_path, capsys, monkeypatch):
    import archrank.run

    def no_work(*a, **k):
        raise AssertionError("work started before the arguments were checked")

    monkeypatch.setattr(archrank.run, "run_scoring", no_work)
    report = tmp_path / "report"
    assert main(["demo", "--report", str(report), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0], err
    assert not report.exists()


def test_demo_unknown_heuristic_lists_the_valid_ones(capsys):
    assert main(["demo", "--heuristics", "params,nope"]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "naswot" in err
