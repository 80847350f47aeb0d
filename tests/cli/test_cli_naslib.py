"""``archrank bench import`` / ``export`` of NASLib zc files, and correlate against the packaged table."""

from __future__ import annotations

import json

import pytest

from archrank.cli import main


def test_bench_import_correlate_export(shared_data, tmp_path, capsys):
    src = shared_data / "naslib" / "zc_nasbench201.json"
    if not src.is_file():
        pytest.skip(f"{src} not found")
    db, table, out = tmp_path / "s.db", tmp_path / "acc.csv", tmp_path / "zc.json"
    assert main(["bench", "import", str(src), "--store", str(db), "--out", str(table)]) == 0
    text = capsys.readouterr().out
    assert "5401 new scores of 11 heuristics" in text and "naslib:jacov 7" in text
    assert table.read_text().splitlines()[0] == "arch,index,val_accuracy,flops,params"
    assert main(["correlate", "--store", str(db), "--benchmark", "nb201", "--metric", "c10_test_200", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["naslib:synflow"]["n"] == 491
    assert main(["bench", "export", "--store", str(db), "--space", "nb201", "--out", str(out),
                 "--benchmark", "nb201", "--metric", "c10v_valid_200"]) == 0
    assert "val_accuracy for 491" in capsys.readouterr().out
    assert len(json.loads(out.read_text())["nasbench201"]["cifar10"]) == 491


def test_bench_import_naslib_needs_a_destination(shared_data, capsys):
    src = shared_data / "naslib" / "zc_nasbench201.json"
    assert main(["bench", "import", str(src)]) == 2
    assert "--store" in capsys.readouterr().err
