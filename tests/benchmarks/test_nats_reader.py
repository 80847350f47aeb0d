from __future__ import annotations

import bz2
import csv
import math
import pickle

import pytest

from archrank.benchmarks import open_benchmark
from archrank.benchmarks.nats import NATSArchive
from archrank.errors import ArchrankError, DataError, InvalidArgument, UnknownName


@pytest.fixture(scope="module")
def tss(shared_data):
    return NATSArchive(shared_data / "nats" / "NATS-tss-v1_0-3ffb9-simple")


@pytest.fixture(scope="module")
def table_rows(shared_data):
    with open(shared_data / "nb201" / "nb201_cifar10.csv", newline="") as f:
        return {int(r["index"]): r for r in csv.DictReader(f) if int(r["index"]) in (0, 11, 284)}


def test_meta_and_available(tss):
    assert len(tss) == 15625 and tss.name == "nats_tss"
    assert tss.available() == [0, 11, 284]
    assert tss.hps() == ["12", "200"]


@pytest.mark.parametrize("index", [0, 11, 284])
def test_matches_benchmark_table(tss, table_rows, index):
    row = table_rows[index]
    assert tss.architectures()[index] == row["arch"]
    assert tss.index_of(row["arch"]) == index
    assert math.isclose(tss.query(index, dataset="cifar10", hp=200).test_acc, float(row["c10_test_200"]), abs_tol=1e-3)
    assert math.isclose(tss.query(index, dataset="cifar10", hp="12").test_acc, float(row["c10_test_12"]), abs_tol=1e-3)
    v12 = tss.query(row["arch"], dataset="cifar10-valid", hp=12)
    assert math.isclose(v12.valid_acc, float(row["c10v_valid_12"]), abs_tol=1e-3)
    v200 = tss.query(index, dataset="cifar10-valid", hp=200)
    assert math.isclose(v200.valid_acc, float(row["c10v_valid_200"]), abs_tol=1e-3)
    assert math.isclose(v200.test_acc, float(row["c10v_test_200"]), abs_tol=1e-3)
    assert math.isclose(v200.train_time, float(row["c10v_train_seconds_200"]), abs_tol=0.01)
    assert math.isclose(tss.cost(index, dataset="cifar10-valid", hp=200), float(row["c10v_train_seconds_200"]),
                        abs_tol=0.01)


def test_seeds_epochs_splits(tss):
    assert tss.seeds(0, dataset="cifar10-valid", hp=200) == [777, 888, 999]
    one = tss.query(0, dataset="cifar10-valid", hp=200, seed=777)
    assert one.seeds == (777,)
    mean = tss.query(0, dataset="cifar10-valid", hp=200)
    per_seed = [tss.query(0, dataset="cifar10-valid", hp=200, seed=s).valid_acc for s in (777, 888, 999)]
    assert math.isclose(mean.valid_acc, sum(per_seed) / 3)
    e1 = tss.query(0, dataset="cifar10", hp=200, epoch=1, seed=777)
    assert e1.epoch == 1 and e1.test_acc < one.test_acc - 10 and e1.train_time < one.train_time
    c100 = tss.query(0, dataset="cifar100", hp=200)
    assert c100.test_acc == c100.extra["x-test_acc"] and "ori-test_acc" in c100.extra
    assert c100.params > 0 and c100.flops > 0
    assert tss.metric(0, "x-valid_acc", dataset="cifar100", hp=200) == c100.valid_acc


def test_lazy_lru(shared_data):
    r = NATSArchive(shared_data / "nats" / "NATS-tss-v1_0-3ffb9-simple", cache_size=1)
    assert r.files_read == 0
    r.query(0, dataset="cifar10")
    r.query(0, dataset="cifar10", hp=12)
    assert r.files_read == 1
    r.query(11, dataset="cifar10")
    r.query(0, dataset="cifar10")
    assert r.files_read == 3 and len(r._cache) == 1


def test_size_space(shared_data):
    s = NATSArchive(shared_data / "nats" / "NATS-sss-v1_0-50262-simple")
    assert s.name == "nats_sss" and len(s) == 32768 and s.hps() == ["01", "12", "90"]
    m = s.query(11, dataset="cifar10", hp=90)
    assert m.arch == s.architectures()[11] and 10 < m.test_acc <= 100
    assert len(s.seeds(11, dataset="cifar10", hp="12")) == 3


def test_errors(tss, tmp_path):
    with pytest.raises(UnknownName, match="cifar10-valid"):
        tss.query(0, dataset="mnist")
    with pytest.raises(UnknownName, match="200"):
        tss.query(0, dataset="cifar10", hp=90)
    with pytest.raises(UnknownName):
        tss.query(0, dataset="cifar10", seed=5)
    with pytest.raises(DataError, match="000001.pickle.pbz2"):
        tss.query(1, dataset="cifar10")
    with pytest.raises(InvalidArgument):
        tss.query(99999, dataset="cifar10")
    with pytest.raises(InvalidArgument):
        tss.query("|bogus|", dataset="cifar10")
    with pytest.raises(InvalidArgument, match="epoch"):
        tss.query(0, dataset="cifar10", hp=12, epoch=13)
    with pytest.raises(DataError):
        NATSArchive(tmp_path / "missing")
    (tmp_path / "meta.pickle.pbz2").write_bytes(b"not bz2")
    with pytest.raises(DataError):
        NATSArchive(tmp_path)
    with bz2.open(tmp_path / "meta.pickle.pbz2", "wb") as f:
        pickle.dump({"other": 1}, f)
    with pytest.raises(DataError, match="meta_archs"):
        NATSArchive(tmp_path)


def test_open_benchmark_and_nb301(shared_data):
    r = open_benchmark("nats_tss", shared_data / "nats" / "NATS-tss-v1_0-3ffb9-simple")
    assert isinstance(r, NATSArchive)
    with pytest.raises(ArchrankError, match="surrogate"):
        open_benchmark("nb301")
    with pytest.raises(UnknownName, match="nds"):
        open_benchmark("nope", "x")
