"""The shard file: columns and metadata round-trip; values beyond float32 keep their magnitude; bad files."""

from __future__ import annotations

import numpy as np
import pytest

from archrank.errors import DataError
from archrank.tables.catalog import shard_of
from archrank.tables.shard import Shard, make_column, read_shard, shard_file_name, write_shard


def _shard(values, seconds=(0.5, None, 0.25)) -> Shard:
    info = {"version": 3, "higher_is_better": False, "canonical_invariant": True, "date": "2026-01-01"}
    col = make_column(list(values), list(seconds), info, {1: "ValueError: singular"})
    return Shard("t", 2, 5, {"space": "nb201", "dataset": "cifar10", "batch_size": 64, "seed": 0},
                 ["a", "b", "c"], ["ca", "cb"], np.array([0, 0, 1]), {"h": col})


def test_round_trip_keeps_every_field(tmp_path):
    path = write_shard(_shard([1.5, np.nan, -np.inf]), tmp_path)
    assert path.name == shard_file_name(2, 5) == "shard-2-of-5.npz"
    s = read_shard(path)
    assert (s.table, s.index, s.n_shards, s.archs, s.classes) == ("t", 2, 5, ["a", "b", "c"], ["ca", "cb"])
    assert s.protocol["batch_size"] == 64 and list(s.klass) == [0, 0, 1]
    c = s.columns["h"]
    assert c.values.dtype == np.float32 and c.values[0] == 1.5 and np.isnan(c.values[1]) and c.values[2] == -np.inf
    assert c.seconds[0] == 0.5 and np.isnan(c.seconds[1])
    assert c.version == 3 and c.info["higher_is_better"] is False and c.errors == {1: "ValueError: singular"}
    assert not list(tmp_path.glob("*.tmp"))


def test_values_beyond_float32_are_kept_in_float64(tmp_path):
    s = read_shard(write_shard(_shard([1e50, 2.0, 3.0]), tmp_path))
    assert s.columns["h"].values.dtype == np.float64 and s.columns["h"].values[0] == 1e50
    small = read_shard(write_shard(_shard([1e30, 2.0, 3.0]), tmp_path / "x"))
    assert small.columns["h"].values.dtype == np.float32
    assert small.columns["h"].values[0] == np.float32(1e30)


def test_a_file_that_is_not_a_shard_is_a_data_error(tmp_path):
    bad = tmp_path / "shard-0-of-1.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(DataError, match="cannot read table shard"):
        read_shard(bad)


def test_partition_rule_is_stable_and_spreads():
    # The rule is part of the format: these numbers must never change for a given class and shard count.
    assert shard_of("(0)@nor_conv_3x3", 64) == 60
    assert shard_of("#+(0)@nor_conv_3x3+((0)@nor_conv_3x3)@avg_pool_3x3+(0)@nor_conv_3x3", 64) == 37
    counts = np.bincount([shard_of(f"class-{i}", 8) for i in range(4000)], minlength=8)
    assert counts.min() > 400 and counts.max() < 600
