"""correlate compares heuristics on the architectures all of them scored, and says what it left out."""

from __future__ import annotations

import json

import pytest

from archrank.benchmarks.table import BenchmarkTable
from archrank.cli import main
from archrank.errors import InvalidArgument
from archrank.report.consistency import consistency_table, on_common_archs, paired_scores
from archrank.store import HeuristicInfo, ScoreRecord, SQLiteStore

ARCHS = [f"a{i}" for i in range(8)]


def _store(path):
    st = SQLiteStore(path)
    st.put_archs("toy", [(a, a, None) for a in ARCHS])
    st.put_heuristics([HeuristicInfo("wide", True), HeuristicInfo("narrow", True)])
    recs = [ScoreRecord("toy", a, "wide", "d", 4, 0, float(i)) for i, a in enumerate(ARCHS)]
    recs += [ScoreRecord("toy", a, "narrow", "d", 4, 0, float(-i)) for i, a in enumerate(ARCHS[:4])]
    recs.append(ScoreRecord("toy", ARCHS[4], "narrow", "d", 4, 0, float("nan"), error="ValueError: boom"))
    st.put_scores(recs)
    return st


def _table():
    return BenchmarkTable(columns={"arch": ARCHS, "acc": [float(i) for i in range(8)]})


def test_heuristics_are_restricted_to_the_common_set(tmp_path):
    with _store(tmp_path / "s.db") as st:
        paired = paired_scores(st, _table(), "acc")
    common = on_common_archs(paired)
    assert {h: len(p.archs) for h, p in common.items()} == {"wide": 5, "narrow": 5}
    assert (common["wide"].n_left_out, common["narrow"].n_left_out) == (3, 0)
    rows = consistency_table(common, vote=False)
    assert rows["wide"]["n"] == 5 and rows["narrow"]["n"] == 4 and rows["narrow"]["n_failed"] == 1
    assert rows["wide"]["n_left_out"] == 3
    assert consistency_table(paired, vote=False)["wide"]["n"] == 8
    paired["narrow"].archs[:] = []  # nothing in common
    with pytest.raises(InvalidArgument, match="no architecture was scored by every heuristic"):
        on_common_archs(paired)


def test_correlate_says_n_and_what_was_left_out(tmp_path, capsys):
    _store(tmp_path / "s.db").close()
    bench = tmp_path / "b.csv"
    bench.write_text("arch,acc\n" + "".join(f"{a},{i}\n" for i, a in enumerate(ARCHS)))
    base = ["correlate", "--store", str(tmp_path / "s.db"), "--benchmark", str(bench), "--metric", "acc"]
    assert main(base) == 0
    out = capsys.readouterr().out
    assert "compared on the 5 architectures every heuristic scored; left out: wide 3" in out
    assert main([*base, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows["wide"]["n"] == 5 and rows["wide"]["n_left_out"] == 3 and rows["wide"]["set"] == "common"
    assert main([*base, "--json", "--all-archs"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows["wide"]["n"] == 8 and rows["wide"]["set"] == "all"
    assert main([*base, "--all-archs"]) == 0
    assert "sets differ: n from 5 to 8" in capsys.readouterr().out
