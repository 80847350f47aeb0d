"""The packaged NAS-Bench-201 table: equal to the shared CSV on its columns, opened by name."""

from __future__ import annotations

import csv
import math

import pytest

from archrank.benchmarks.packaged import PACKAGED, packaged_path, resolve_name
from archrank.benchmarks.table import BenchmarkTable
from archrank.errors import DataError, UnknownName

COLUMNS = ("isomorphism_class", "c10_test_200", "c10v_valid_12", "c10v_valid_200", "c10v_train_seconds_200")


def test_packaged_file_is_small_and_documented():
    path = packaged_path("nb201")
    assert path.stat().st_size < 1_000_000
    note = (path.parent / "NB201_SOURCE.txt").read_text()
    assert "MIT" in note and "NATS-Bench" in note


def test_packaged_table_equals_shared_csv(shared_data):
    src = shared_data / "nb201" / "nb201_cifar10.csv"
    if not src.is_file():
        pytest.skip(f"{src} not found")
    with open(src, newline="") as f:
        rows = {int(r["index"]): r for r in csv.DictReader(f)}
    table = BenchmarkTable.from_file("nb201")
    assert len(table) == len(rows) == 15625
    for col in COLUMNS[1:]:
        vals = table.values(col)
        for i in (0, 1, 6111, 15624):
            assert vals[table.row(i)] == float(rows[i][col])
        want = [float(rows[int(k)][col]) for k in table._cols["index"]]
        assert all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(vals.tolist(), want))
    iso = table._cols["isomorphism_class"]
    assert all(iso[table.row(i)] == rows[i]["isomorphism_class"] for i in rows)
    # the arch column is derived from the index and must agree with the official strings
    assert all(table.row(rows[i]["arch"]) == table.row(i) for i in rows)


def test_names_resolve_and_unknown_names_fail():
    assert resolve_name("NB201") == resolve_name("nats-tss") == "nb201"
    assert resolve_name("nb101") is None
    assert set(PACKAGED) == {"nb201"}
    t = BenchmarkTable.packaged("nb201_cifar10")
    assert t.source == "packaged:nb201"
    assert t.lookup(6111, "c10_test_200") == pytest.approx(94.3733)
    with pytest.raises(UnknownName):
        packaged_path("nb999")
    with pytest.raises(DataError, match="packaged tables: nb201"):
        BenchmarkTable.from_file("no_such_table.csv")
