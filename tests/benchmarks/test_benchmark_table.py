"""Benchmark tables: CSV reading, lookups by arch string or index, clear errors."""

from __future__ import annotations

import gzip
import math

import numpy as np
import pytest

from archrank.benchmarks.table import BenchmarkTable
from archrank.errors import DataError, InvalidArgument, UnknownName


@pytest.fixture
def csv_file(tmp_path):
    p = tmp_path / "bench.csv"
    p.write_text("index,arch,acc,note\n0,a-b,91.5,x\n1,b-c,88.0,y\n2,c-d,,z\n")
    return p


def test_lookup_by_arch_and_index(csv_file):
    t = BenchmarkTable.from_file(csv_file)
    assert t.columns == ["index", "arch", "acc", "note"] and t.metric_columns == ["acc", "note"]
    assert len(t) == 3
    assert t.lookup("b-c", "acc") == 88.0 and t.lookup(0, "acc") == 91.5 and t.lookup("1", "acc") == 88.0
    assert math.isnan(t.lookup("c-d", "acc"))
    np.testing.assert_array_equal(t.values("acc")[:2], [91.5, 88.0])
    assert t.has("a-b") and not t.has("z-z") and not t.has(7)
    assert t.numeric_columns() == ["acc"]


def test_errors_name_the_problem(csv_file, tmp_path):
    t = BenchmarkTable.from_file(csv_file)
    with pytest.raises(UnknownName, match="unknown benchmark column 'accuracy'; valid choices: index, arch, acc"):
        t.values("accuracy")
    with pytest.raises(InvalidArgument, match="'note' is not numeric; numeric columns: acc"):
        t.values("note")
    with pytest.raises(UnknownName, match="'z-z'"):
        t.lookup("z-z", "acc")
    with pytest.raises(UnknownName, match="index"):
        t.lookup(9, "acc")
    with pytest.raises(DataError, match="not found"):
        BenchmarkTable.from_file(tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,acc\nx,1\n")
    with pytest.raises(DataError, match="neither an 'arch' nor an 'index' column; columns: name, acc"):
        BenchmarkTable.from_file(bad)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("arch,acc\nx,1\ny\n")
    with pytest.raises(DataError, match="line 3"):
        BenchmarkTable.from_file(ragged)


def test_gzip_and_index_only_tables(tmp_path):
    p = tmp_path / "b.csv.gz"
    p.write_bytes(gzip.compress(b"index,acc\n5,1.0\n6,2.0\n"))
    t = BenchmarkTable.from_file(p)
    assert t.lookup(6, "acc") == 2.0
    with pytest.raises(InvalidArgument, match="look architectures up by index"):
        t.lookup("a-b", "acc")


def test_parquet_without_a_reader_is_a_clear_error(tmp_path):
    try:
        import pyarrow  # noqa: F401
        pytest.skip("pyarrow is installed")
    except ImportError:
        pass
    try:
        import pandas  # noqa: F401
        pytest.skip("pandas is installed")
    except ImportError:
        pass
    p = tmp_path / "b.parquet"
    p.write_bytes(b"PAR1")
    with pytest.raises(DataError, match="needs pyarrow or pandas"):
        BenchmarkTable.from_file(p)


def test_nb201_table(shared_data):
    t = BenchmarkTable.from_file(shared_data / "nb201" / "nb201_cifar10.csv")
    assert len(t) == 15625
    assert t.lookup(6111, "c10_test_200") == pytest.approx(94.3733)
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    assert t.row(arch) == t.row(int(t._cols["index"][t.row(arch)]))
    assert int(np.nanargmax(t.values("c10_test_200"))) == 6111
