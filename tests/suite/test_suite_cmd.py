"""``archrank suite``: the table, its JSON, an ad-hoc --benchmark task, --search, and flag errors."""

from __future__ import annotations

import json

from archrank.cli import main
from archrank.spaces import get_space


def test_suite_ad_hoc_benchmark_json_and_plot(tmp_path, capsys):
    sp = get_space("nb201")
    rows = ["index,err"] + [f"{i},{100 - i % 97}" for i in range(0, 15625, 700)]
    f = tmp_path / "t.csv"
    f.write_text("\n".join(rows) + "\n")
    png = tmp_path / "h.png"
    args = ["suite", "--benchmark", str(f), "--space", "nb201", "--metric", "err", "--lower-is-better",
            "--heuristics", "params,hidden_cov", "--store", str(tmp_path / "s.db"), "--archs-per-task", "0",
            "--json", "--no-progress", "--plot", str(png)]
    assert main(args) == 0
    out = capsys.readouterr()
    js = json.loads(out.out)
    assert js["tasks"] == ["t"] and js["archs"] == {"t": len(rows) - 1}
    cells = {c["heuristic"]: c for c in js["cells"]}
    assert cells["params"]["n"] == len(rows) - 1 and cells["hidden_cov"]["skipped"]
    assert "skip hidden_cov" in out.err and png.is_file()
    assert sp.size == 15625


def test_suite_search_text(shared_data, capsys):
    assert main(["suite", "--search", "--tasks", "nds-darts", "--runs", "2", "--queries", "10",
                 "--data-dir", str(shared_data)]) == 0
    out = capsys.readouterr().out
    assert "nds-darts" in out and "rea" in out and "random" in out and "error" in out


def test_suite_errors_name_the_flag(capsys):
    assert main(["suite", "--tasks", "nb999", "--heuristics", "params", "--store", "memory://"]) == 2
    err = capsys.readouterr().err
    assert "nb999" in err and "nb201-cifar10" in err
    assert main(["suite", "--benchmark", "x.csv", "--heuristics", "params", "--store", "memory://"]) == 2
    assert "--space" in capsys.readouterr().err


def test_suite_search_with_a_stored_heuristic(shared_data, tmp_path, capsys):
    """--heuristics NAME --store S: BO with features=auto,zc reads the stored scores (no seconds: --charge 0)."""
    from archrank.store import HeuristicInfo, ScoreRecord, open_store
    from archrank.suite.search import task_objective
    from archrank.suite.tasks import TASKS

    space, _obj, truth = task_objective(TASKS.get("nb301-cifar10"), shared_data)
    db = tmp_path / "s.db"
    with open_store(db) as store:
        store.put_heuristics([HeuristicInfo("naslib:oracle", True)])
        store.put_scores([ScoreRecord("nb301", space.format(a), "naslib:oracle", "cifar10", 0, 0,
                                      truth[space.format(a)]) for a in space.archs])
    base = ["suite", "--search", "--tasks", "nb301-cifar10", "--strategies", "bo", "--runs", "1", "--queries", "8",
            "--data-dir", str(shared_data), "--heuristics", "naslib:oracle", "--store", str(db),
            "--param", "features=auto,zc", "--param", "init=4", "--param", "candidates=10", "--json"]
    assert main(base) == 2  # the stored scores have no seconds: a charge is needed
    assert "no measured seconds" in capsys.readouterr().err
    assert main([*base, "--charge", "0"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["strategy"] == "bo" and row["queries"] == 8 and row["heuristic_queries"] > 8
