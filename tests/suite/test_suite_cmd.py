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
