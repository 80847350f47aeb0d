"""``archrank report``: the page and its tables from a store, with the packaged nb201 table by default."""

from __future__ import annotations

from archrank.cli import main


def test_report_command(report_store, tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["report", "--store", str(report_store), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "1 task(s)" in text and "spearman.csv" in text
    assert (out / "index.html").is_file() and (out / "search_curves.csv").is_file()
    assert main(["report", "--store", str(tmp_path / "missing.db"), "--out", str(out)]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["report", "--store", str(report_store), "--out", str(out), "--metric", "nope"]) == 2
    assert "no column 'nope'" in capsys.readouterr().err
