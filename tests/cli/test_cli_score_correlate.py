"""``archrank score`` and ``archrank correlate`` end to end on a toy space; resume after kill -9."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

HELPERS = Path(__file__).resolve().parents[1] / "execution"
sys.path.insert(0, str(HELPERS))
import archrank_toy_plugin as toy

from archrank.cli import main
from archrank.metrics import kendall_tau, majority_agreement, spearman, spearman_interval, top_k_overlap
from archrank.store import HeuristicInfo, ScoreRecord, SQLiteStore


@pytest.fixture(autouse=True)
def plugin_env(monkeypatch):
    monkeypatch.setenv("ARCHRANK_PLUGINS", "archrank_toy_plugin")


@pytest.fixture
def bench(tmp_path):
    """A benchmark CSV over the toy space: accuracy grows with the number of 'lin' slots, plus noise."""
    space = toy.ToySpace()
    rng = np.random.default_rng(0)
    p = tmp_path / "toy_bench.csv"
    lines = ["index,arch,acc,name"]
    for i in range(space.size):
        a = space.index_to_arch(i)
        lines.append(f"{i},{space.format(a)},{a.count('lin') * 10 + rng.normal():.4f},n{i}")
    p.write_text("\n".join(lines) + "\n")
    return p


def score(store, *extra):
    return main(["score", "--space", "toy", "--archs", "all", "--dataset", "cifar10", "--store", str(store),
                 "--no-progress", *extra])


def test_score_then_correlate_json_text_and_plot(tmp_path, bench, capsys):
    db = tmp_path / "r.db"
    assert score(db, "--heuristics", "toy_params,toy_lower,toy_flaky", "--json") == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["archs"] == 27 and summary["canonical_classes"] == 10 and summary["computed"] == 30
    assert summary["failed"] == 3

    png = tmp_path / "plot.png"
    assert main(["correlate", "--store", str(db), "--benchmark", str(bench), "--metric", "acc", "--json",
                 "--plot", str(png)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"toy_params", "toy_lower", "toy_flaky"}
    for row in out.values():
        assert {"spearman", "kendall", "top10", "n", "seconds_per_arch"} <= set(row)

    with SQLiteStore(db) as s:
        recs = {r.arch: r.value for r in s.scores(heuristic="toy_params")}
    import csv

    acc = {r["arch"]: float(r["acc"]) for r in csv.DictReader(bench.open())}
    archs = sorted(recs)
    x, y = np.array([recs[a] for a in archs]), np.array([acc[a] for a in archs])
    assert out["toy_params"]["spearman"] == pytest.approx(spearman(x, y))
    assert out["toy_params"]["kendall"] == pytest.approx(kendall_tau(x, y))
    assert out["toy_params"]["top10"] == pytest.approx(top_k_overlap(x, y))
    assert out["toy_params"]["n"] == 27 and out["toy_params"]["spearman"] > 0.5
    # lower-is-better is flipped: the same numbers with the opposite direction give the opposite rho
    assert out["toy_lower"]["spearman"] == pytest.approx(-out["toy_params"]["spearman"])
    # failures (the 7 archs with two or more zero slots) and the NaN (id-id-id) are excluded and counted
    assert out["toy_flaky"]["n"] + out["toy_flaky"]["n_excluded"] == 27
    assert out["toy_flaky"]["n_failed"] == 7 and out["toy_flaky"]["n_excluded"] == 8
    assert out["toy_params"]["seconds_per_arch"] > 0
    # top1: the metric of the best-scored architecture (the mean over architectures tied at the top)
    best = x.max()
    assert out["toy_params"]["top1"] == pytest.approx(float(y[x == best].mean()))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    assert main(["correlate", "--store", str(db), "--benchmark", str(bench), "--metric", "acc"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0] == "rank consistency against acc"
    assert text[1].split() == ["heuristic", "spearman", "ci95", "kendall", "top10", "pairwise", "top1", "n", "excluded",
                                "s/arch"]
    assert [ln.split()[0] for ln in text[2:5]] == ["toy_params", "toy_flaky", "toy_lower"]  # best rho first
    assert len({len(ln) for ln in text[1:5]}) == 1  # aligned
    row = next(ln.split() for ln in text if ln.startswith("toy_params"))
    lo, hi = spearman_interval(out["toy_params"]["spearman"], out["toy_params"]["n"])
    assert row[2] == f"[{lo:.2f},{hi:.2f}]" and lo < out["toy_params"]["spearman"] < hi
    assert out["toy_params"]["spearman_low"] == pytest.approx(lo)


def test_scatter_table_is_the_plotted_data(tmp_path, bench):
    from archrank.benchmarks.table import BenchmarkTable
    from archrank.report.consistency import paired_scores
    from archrank.report.plots import plot_scatter, scatter_table

    db = tmp_path / "r.db"
    assert score(db, "--heuristics", "toy_params,toy_flaky") == 0
    with SQLiteStore(db) as s:
        paired = paired_scores(s, BenchmarkTable.from_file(bench), "acc")
    table = scatter_table(paired)
    assert set(table) == {"toy_params", "toy_flaky"}
    assert table["toy_params"]["score"].size == 27 and table["toy_flaky"]["score"].size == 19
    assert np.isfinite(table["toy_flaky"]["score"]).all()
    assert table["toy_params"]["rho"] == pytest.approx(spearman(table["toy_params"]["score"],
                                                                table["toy_params"]["metric"]))
    assert plot_scatter(table, tmp_path / "p.png", metric_name="acc").stat().st_size > 1000


def test_vote_of_snip_synflow_jacob_cov(tmp_path, bench, capsys):
    space = toy.ToySpace()
    rng = np.random.default_rng(1)
    archs = [space.format(space.index_to_arch(i)) for i in range(space.size)]
    truth = {a: float(i) for i, a in enumerate(archs)}
    db = tmp_path / "vote.db"
    bench2 = tmp_path / "b.csv"
    bench2.write_text("arch,acc\n" + "".join(f"{a},{truth[a]}\n" for a in archs))
    noisy = {h: {a: truth[a] + rng.normal(scale=8.0) for a in archs} for h in ("snip", "synflow", "jacob_cov")}
    noisy["synflow"] = {a: -v for a, v in noisy["synflow"].items()}  # pretend synflow were lower-is-better
    with SQLiteStore(db) as s:
        s.put_heuristics([HeuristicInfo("snip", True), HeuristicInfo("synflow", False),
                          HeuristicInfo("jacob_cov", True)])
        s.put_scores(ScoreRecord("toy", a, h, "cifar10", 64, 0, v, seconds=0.5)
                     for h, vals in noisy.items() for a, v in vals.items())
    assert main(["correlate", "--store", str(db), "--benchmark", str(bench2), "--metric", "acc", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"snip", "synflow", "jacob_cov", "vote"}
    m = np.array([[noisy["snip"][a] for a in sorted(archs)], [-noisy["synflow"][a] for a in sorted(archs)],
                  [noisy["jacob_cov"][a] for a in sorted(archs)]])
    y = np.array([truth[a] for a in sorted(archs)])
    assert out["vote"]["pairwise"] == pytest.approx(majority_agreement(m, y))
    assert out["vote"]["n"] == 27 and out["vote"]["seconds_per_arch"] == pytest.approx(1.5)
    assert out["synflow"]["spearman"] > 0.5  # direction taken from the store


def test_bad_inputs_are_one_line_errors(tmp_path, bench, capsys):
    db = tmp_path / "r.db"
    assert score(db, "--heuristics", "toy_params") == 0
    capsys.readouterr()
    cases = [
        (["correlate", "--store", str(db), "--benchmark", str(bench), "--metric", "accuracy"],
         "unknown benchmark column 'accuracy'; valid choices: index, arch, acc, name"),
        (["correlate", "--store", str(db), "--benchmark", str(bench), "--metric", "name"], "not numeric"),
        (["correlate", "--store", str(tmp_path / "none.db"), "--benchmark", str(bench), "--metric", "acc"],
         "not found"),
        (["correlate", "--store", str(bench), "--benchmark", str(bench), "--metric", "acc"],
         "not an archrank store"),
        (["correlate", "--store", str(db), "--benchmark", str(bench), "--metric", "acc", "--heuristics", "zz"],
         "unknown heuristic in the store 'zz'; valid choices: toy_params"),
        (["score", "--space", "toy", "--archs", "random:99", "--heuristics", "toy_params", "--store", str(db)],
         "random:99 asks for more"),
        (["score", "--space", "toy", "--archs", "all", "--heuristics", "nope", "--store", str(db)],
         "unknown heuristic 'nope'"),
        (["score", "--space", "toy", "--archs", "all", "--heuristics", "toy_params", "--store", str(db),
          "--ray-address", "auto"], "--ray-address is only valid with --executor ray"),
    ]
    for argv, msg in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert msg in err and len(err.strip().splitlines()) == 1, (argv, err)


def _store_snapshot(db: Path) -> tuple[int, set[str]]:
    with SQLiteStore(db) as s:
        recs = s.scores(heuristic="toy_slow")
    return len(recs), {r.arch for r in recs if r.computed}


def test_resume_after_kill_9_recomputes_and_duplicates_nothing(tmp_path):
    db, calls = tmp_path / "r.db", tmp_path / "calls.txt"
    env = dict(os.environ, ARCHRANK_PLUGINS="archrank_toy_plugin", ARCHRANK_TOY_SLEEP="0.4",
               ARCHRANK_TOY_CALLS=str(calls),
               PYTHONPATH=os.pathsep.join([str(HELPERS), os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable, "-m", "archrank", "score", "--space", "toy", "--archs", "all", "--heuristics",
           "toy_slow", "--dataset", "cifar10", "--store", str(db), "--no-progress"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and (not calls.exists() or len(calls.read_text().split()) < 4):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    n_before, done_before = _store_snapshot(db)
    lines_before = len(calls.read_text().split())
    assert 3 <= len(done_before) < 10 and n_before < 27  # killed mid-way, with work stored

    env["ARCHRANK_TOY_SLEEP"] = "0"
    rerun = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    new_calls = calls.read_text().split()[lines_before:]
    assert not set(new_calls) & done_before  # nothing stored was recomputed
    assert len(new_calls) == len(set(new_calls))
    n_after, done_after = _store_snapshot(db)
    assert n_after == 27 and len(done_after) == 10  # every arch exactly once, every class computed once
    with SQLiteStore(db) as s:
        assert len({r.arch for r in s.scores()}) == 27 and s.count_scores() == 27
    rerun2 = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, timeout=120)
    assert rerun2.returncode == 0 and "0 computed" in rerun2.stdout
    assert calls.read_text().split()[lines_before:] == new_calls


def test_num_classes_sets_the_head_and_does_not_go_with_model(tmp_path, capsys):
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    (tmp_path / "a.txt").write_text(arch + "\n")
    params = {}
    for n in (None, 100):
        db = tmp_path / f"s{n}.db"
        argv = ["score", "--space", "nb201", "--archs", str(tmp_path / "a.txt"), "--heuristics", "params",
                "--store", str(db), "--workers", "1", "--device", "cpu", "--quiet", "--no-progress"]
        assert main(argv + ([] if n is None else ["--num-classes", str(n)])) == 0
        (rec,) = SQLiteStore(db).scores()
        params[n] = rec.value
    assert params[100] - params[None] == 90 * (64 + 1)  # the classifier: 64 features + bias, 90 more outputs
    capsys.readouterr()
    assert main(["score", "--model", "torch.nn:Identity", "--heuristics", "params", "--num-classes", "5"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--num-classes does not go with --model" in err[0]
