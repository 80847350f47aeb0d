"""``archrank search --strategy a,b,c``: one comparison table and one plot, the same runs as one at a time."""

from __future__ import annotations

import json

import pytest

from archrank.cli import main
from archrank.errors import InvalidArgument
from archrank.search.compare import entries_with_params, format_comparison


@pytest.fixture
def nb201_csv(shared_data):
    p = shared_data / "nb201" / "nb201_cifar10.csv"
    if not p.is_file():
        pytest.skip("NB201 table not present")
    return str(p)


def test_several_strategies_give_one_table_equal_to_single_runs(nb201_csv, tmp_path, capsys):
    base = ["--benchmark", nb201_csv, "--budget-seconds", "1500", "--runs", "2", "--seed", "3"]
    assert main(["search", "--strategy", "random,rea", *base, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["strategy"] for r in rows] == ["random", "rea"]
    for r in rows:
        assert main(["search", "--strategy", r["strategy"], *base, "--json"]) == 0
        single = json.loads(capsys.readouterr().out)
        assert (single["test_mean"], single["queries_mean"]) == (r["test_mean"], r["queries_mean"])
    png = tmp_path / "cmp.png"
    assert main(["search", "--strategy", "random,rea", *base, "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "| random | - | 1500 | 2 |" in out and "| rea | - | 1500 | 2 |" in out
    assert png.is_file() and png.with_suffix(".csv").is_file()
    curves = png.with_suffix(".csv").read_text()
    assert "random" in curves and "rea" in curves


def test_parameters_go_to_the_strategies_that_have_them():
    e = entries_with_params(["random", "rea"], ["population=7", "rea.sample=3"])
    assert e[0].params == {} and e[1].params == {"population": 7, "sample": 3}
    with pytest.raises(InvalidArgument, match="no strategy of random, rea has parameter 'nonesuch'"):
        entries_with_params(["random", "rea"], ["nonesuch=1"])
    table = format_comparison([{"label": "x", "heuristic": None, "budget": 5.0, "skipped": "no scores",
                                "target": 90.0}])
    assert "skipped: no scores" in table and "target" in table.splitlines()[0]
