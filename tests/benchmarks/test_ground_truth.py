"""Ground-truth tables of the suite: space strings as keys, repeated cells averaged, values from the files."""

from __future__ import annotations

import json
import math

import pytest

from archrank.benchmarks.ground_truth import merge_rows, naslib_table, nb101_table, nbnlp_table, nds_table
from archrank.errors import DataError
from archrank.spaces import get_space


def test_merge_rows_averages_repeats_and_ignores_nan():
    t = merge_rows([("a", {"x": 1.0, "y": math.nan}), ("b", {"x": 5.0}), ("a", {"x": 3.0, "y": 2.0})],
                   ["x", "y"], "mem")
    assert t.as_columns()["arch"] == ["a", "b"]
    assert list(t.values("x")) == [2.0, 5.0] and t.values("y")[0] == 2.0 and math.isnan(t.values("y")[1])


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="not found"):
        nbnlp_table(tmp_path / "none.json")


def test_nds_table_matches_the_records(shared_data):
    path = shared_data / "nds" / "ENAS_in.json"
    t = nds_table(path, "nds_enas")
    recs = json.loads(path.read_text())
    sp = get_space("nds_enas")
    key = sp.format(sp.from_json(recs[0]["net"]))
    assert t.lookup(key, "error") == pytest.approx(float(recs[0]["test_ep_top1"][-1]))
    assert t.lookup(key, "params") == pytest.approx(recs[0]["params"] / 1e6)


def test_nbnlp_table_keys_parse_and_losses_match(shared_data):
    path = shared_data / "nbnlp" / "nbnlp_ptb_with_graphs.json"
    t = nbnlp_table(path)
    recs = json.loads(path.read_text())
    sp = get_space("nbnlp")
    key = sp.format(sp.parse(recs[0]["recepie"]))
    same = [r["ptb_test_loss"] for r in recs if sp.format(sp.parse(r["recepie"])) == key]
    assert t.lookup(key, "ptb_test_loss") == pytest.approx(sum(same) / len(same))
    assert len(t) < len(recs)  # repeated cells merged


def test_nb101_and_naslib_tables(shared_data):
    t = nb101_table(shared_data / "nb101" / "nb101_cifar10_500.json")
    assert 80 < float(max(t.values("test_acc"))) < 100
    z = naslib_table(shared_data / "naslib" / "zc_nasbench301.json")
    assert len(z) == 500 and z.columns == ["arch", "val_accuracy", "flops", "params"]
    sp = get_space("nb301")
    a = z.as_columns()["arch"][0]
    assert sp.format(sp.parse(a)) == a
