"""Store export: one row per (architecture, heuristic, setting), CSV without pandas, Parquet with it."""

from __future__ import annotations

import csv
import math
import sys

import pytest

from archrank.cli import main
from archrank.errors import InvalidArgument
from archrank.store import HeuristicInfo, ScoreRecord, open_store
from archrank.store.export import COLUMNS, score_rows, write_scores


@pytest.fixture()
def store(tmp_path):
    with open_store(tmp_path / "s.db") as st:
        st.put_archs("nb201", [("a", "ca", 3), ("b", "cb", None)])
        st.put_heuristics([HeuristicInfo("snip", True)])
        st.put_scores([
            ScoreRecord("nb201", "a", "snip", "cifar10", 64, 0, 1.5, seconds=0.25),
            ScoreRecord("nb201", "b", "snip", "cifar10", 64, 0, math.nan),
            ScoreRecord("nb201", "a", "snip", "cifar10", 64, 1, math.inf),
            ScoreRecord("nb201", "a", "zen", "cifar10", 64, 0, math.nan, error="ValueError: x"),
        ])
        yield st


def test_rows_one_per_setting(store):
    rows = score_rows(store)
    assert len(rows) == 4
    a = next(r for r in rows if r["arch"] == "a" and r["heuristic"] == "snip" and r["seed"] == 0)
    assert (a["index"], a["canonical"], a["higher_is_better"], a["seconds"]) == (3, "ca", True, 0.25)
    assert next(r for r in rows if r["heuristic"] == "zen")["higher_is_better"] is None


def test_csv_keeps_non_finite_values(store, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # the CSV path must not need pandas
    out = write_scores(score_rows(store), tmp_path / "s.csv")
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == COLUMNS
    values = sorted(r["value"] for r in rows)
    assert values == ["1.5", "inf", "nan", "nan"]
    assert {r["error"] for r in rows} == {"", "ValueError: x"}


def test_parquet_without_pandas_is_one_clear_error(store, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(InvalidArgument, match=r"pandas and pyarrow: pip install 'archrank\[parquet\]'"):
        write_scores(score_rows(store), tmp_path / "s.parquet")


def test_parquet_round_trip(store, tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    out = write_scores(score_rows(store), tmp_path / "s.parquet")
    frame = pd.read_parquet(out)
    assert list(frame.columns) == list(COLUMNS) and len(frame) == 4
    assert frame["value"].isna().sum() == 2 and math.isinf(frame["value"].max())


def test_cli_export(store, tmp_path, capsys):
    db = tmp_path / "s.db"
    assert main(["export", "--store", str(db), "--out", str(tmp_path / "o.csv"), "--heuristic", "snip"]) == 0
    assert "wrote 3 scores (1 heuristics, 2 architectures)" in capsys.readouterr().out
    assert main(["export", "--store", str(db), "--out", str(tmp_path / "o.txt")]) == 2
    assert ".csv or .parquet" in capsys.readouterr().err
