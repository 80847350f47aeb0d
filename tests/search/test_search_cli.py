"""``archrank search`` on the real NB201 CIFAR-10 table with small budgets."""

from __future__ import annotations

import json

import pytest

from archrank.cli import main


@pytest.fixture
def nb201_csv(shared_data):
    p = shared_data / "nb201" / "nb201_cifar10.csv"
    if not p.is_file():
        pytest.skip("NB201 table not present")
    return str(p)


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_json_summary_keys_and_determinism(nb201_csv, capsys):
    argv = ["search", "--strategy", "rea", "--benchmark", nb201_csv, "--budget-seconds", "2000", "--runs", "3",
            "--seed", "7", "--json"]
    a = _json(capsys, argv)
    b = _json(capsys, argv)
    assert set(a) == {"strategy", "runs", "test_mean", "test_std", "regret_mean", "queries_mean",
                      "simulated_seconds_mean", "wall_seconds"}
    assert a["strategy"] == "rea" and a["runs"] == 3
    a.pop("wall_seconds"), b.pop("wall_seconds")
    assert a == b
    assert 2000 <= a["simulated_seconds_mean"] < 2000 + 210  # one query's simulated cost at most over
    assert a["regret_mean"] == pytest.approx(94.3733 - a["test_mean"], abs=1e-4)
    assert 80 < a["test_mean"] <= 94.3733


def test_cost_scale_and_columns_change_the_protocol(nb201_csv, capsys):
    base = ["search", "--strategy", "random", "--benchmark", nb201_csv, "--runs", "2", "--json"]
    a = _json(capsys, base + ["--budget-seconds", "10", "--cost-column", "none", "--cost-scale", "1"])
    assert a["queries_mean"] == 10 and a["simulated_seconds_mean"] == 10
    b = _json(capsys, base + ["--budget-seconds", "5", "--cost-column", "none", "--cost-scale", "1",
                              "--signal", "c10v_valid_200", "--report", "c10v_test_200"])
    assert b["queries_mean"] == 5 and b["test_mean"] < 100


def test_store_receives_trajectories_and_plot_is_drawn(nb201_csv, tmp_path, capsys):
    store_path = tmp_path / "s.db"
    png = tmp_path / "curve.png"
    a = _json(capsys, ["search", "--strategy", "random", "--benchmark", nb201_csv, "--budget-seconds", "1000",
                       "--runs", "2", "--json", "--store", str(store_path), "--plot", str(png)])
    from archrank.store import open_store

    with open_store(store_path) as st:
        runs = st.runs(kind="search")
        assert len(runs) == 2 and {r.config["fidelity"] for r in runs} == {"signal"}
        steps = [len(st.trajectory(r.run_id)) for r in runs]
    assert sum(steps) / 2 == a["queries_mean"]
    assert png.is_file() and png.stat().st_size > 1000
    table = (tmp_path / "curve.csv").read_text().splitlines()
    assert table[0] == "strategy,seconds,mean,std,runs" and len(table) == 201


def test_stored_heuristic_scores_are_used_and_charged(nb201_csv, tmp_path, capsys):
    from archrank.spaces import get_space
    from archrank.store import ScoreRecord, open_store

    sp = get_space("nb201")
    store_path = tmp_path / "h.db"
    with open_store(store_path) as st:
        st.put_scores(ScoreRecord("nb201", sp.format(a), "params", "cifar10", 64, 0, float(i % 97), 0.25)
                      for i, a in enumerate(sp))
    a = _json(capsys, ["search", "--strategy", "naswot", "--param", "n=40", "--heuristic", "params",
                       "--benchmark", nb201_csv, "--budget-seconds", "1e9", "--store", str(store_path),
                       "--no-live", "--json"])
    assert a["queries_mean"] == 40 and a["simulated_seconds_mean"] == pytest.approx(40 * 0.25)


def test_guided_search_charges_are_reproducible_by_default(nb201_csv, tmp_path, capsys):
    """Live scores are charged the median stored seconds (not the clock): two runs charge the same."""
    from archrank.spaces import get_space
    from archrank.store import ScoreRecord, open_store

    sp = get_space("nb201")
    store_path = tmp_path / "h.db"
    with open_store(store_path) as st:  # 30 stored scores at 0.1/0.2/0.3 s; the search also scores live
        st.put_scores(ScoreRecord("nb201", sp.format(sp.index_to_arch(i)), "params", "cifar10", 64, 0, float(i),
                                  0.1 * (1 + i % 3)) for i in range(30))
    argv = ["search", "--strategy", "naswot", "--param", "n=6", "--heuristic", "params", "--benchmark", nb201_csv,
            "--budget-seconds", "1e9", "--json", "--seed", "3"]
    a = _json(capsys, [*argv, "--store", str(store_path)])
    with open_store(tmp_path / "h2.db") as st:
        st.put_scores(ScoreRecord("nb201", sp.format(sp.index_to_arch(i)), "params", "cifar10", 64, 0, float(i),
                                  0.1 * (1 + i % 3)) for i in range(30))
    b = _json(capsys, [*argv, "--store", str(tmp_path / "h2.db")])
    assert a["simulated_seconds_mean"] == b["simulated_seconds_mean"] == pytest.approx(6 * 0.2)  # the median
    fixed = _json(capsys, [*argv, "--charge", "0.5"])
    assert fixed["simulated_seconds_mean"] == pytest.approx(6 * 0.5)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--strategy", "nope"], "unknown strategy 'nope'; valid choices: "),
        (["--strategy", "rea", "--signal", "foo"], "unknown column 'foo'; valid choices: index, arch"),
        (["--strategy", "rea", "--param", "foo=1"], "has no parameter 'foo'; valid parameters: population"),
        (["--strategy", "naswot"], "needs --heuristic NAME"),
        (["--strategy", "naswot", "--heuristic", "nope"], "unknown heuristic 'nope'; valid choices: "),
        (["--strategy", "rea", "--runs", "0"], "argument --runs: must be >= 1"),
    ],
)
def test_bad_input_is_one_line_with_choices(nb201_csv, capsys, extra, message):
    rc = main(["search", "--benchmark", nb201_csv, "--budget-seconds", "100", *extra])
    err = capsys.readouterr().err
    assert rc == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_benchmark_file(capsys, tmp_path):
    rc = main(["search", "--strategy", "rea", "--benchmark", str(tmp_path / "x.csv"), "--budget-seconds", "1"])
    assert rc == 2 and "not found" in capsys.readouterr().err  # the one benchmark-table reader
