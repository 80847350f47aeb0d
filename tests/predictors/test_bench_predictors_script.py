"""benchmarks/bench_predictors.py: one cell per (predictor, features, N), resumed from its JSON, and a table."""

from __future__ import annotations

import json


def test_cells_table_and_resume(tmp_path, capsys, bench_script):
    mod = bench_script("bench_predictors")
    out = tmp_path / "cells.json"
    argv = ["--task", "nb201-cifar10", "--sets", "graph", "--predictors", "ridge_rank", "--labels", "10,30",
            "--seeds", "2", "--out", str(out)]
    assert mod.main(argv) == 0
    cells = json.loads(out.read_text())
    assert len(cells) == 2 and all(c["samples"] == 2 and c["population"] == 15625 for c in cells.values())
    text = capsys.readouterr().out
    assert "| ridge_rank | graph |" in text and "N=30" in text
    before = out.read_text()
    assert mod.main(argv) == 0  # every cell is held: nothing is refitted, the table is printed again
    assert out.read_text() == before and "| ridge_rank | graph |" in capsys.readouterr().out
