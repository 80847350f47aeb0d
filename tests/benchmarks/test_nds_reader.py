from __future__ import annotations

import json
import math

import pytest

from archrank.benchmarks import open_benchmark
from archrank.benchmarks.nds import NDSBenchmark, genotype_string
from archrank.errors import DataError, InvalidArgument, UnknownName


@pytest.fixture(scope="module", params=["DARTS_in.json", "ENAS_in.json"])
def nds(request, shared_data):
    path = shared_data / "nds" / request.param
    return NDSBenchmark(path), json.loads(path.read_text())


def test_keys_are_genotypes(nds):
    bench, rows = nds
    assert len(bench) == len(rows) and bench.datasets() == ["imagenet"]
    keys = bench.architectures()
    assert len(set(keys)) == len(keys)
    assert keys[0].startswith("Genotype(normal=[(") and "reduce_concat=[" in keys[0]
    assert keys[0].split("@")[0] == genotype_string(rows[0]["net"]["genotype"])


def test_values(nds):
    bench, rows = nds
    for i in (0, 5, len(rows) - 1):
        r = rows[i]
        m = bench.query(bench.architectures()[i])
        assert math.isclose(m.test_acc, 100 - r["test_ep_top1"][-1])
        assert m.extra["min_test_error"] == r["min_test_top1"] and m.extra["width"] == r["net"]["width"]
        assert math.isclose(m.params, r["params"] / 1e6) and math.isclose(m.flops, r["flops"] / 1e6)
        assert m.epoch == len(r["test_ep_top1"])
        assert bench.query(i, epoch=1).test_acc == 100 - r["test_ep_top1"][0]
        # the genotype dictionary itself is accepted as the architecture
        if "@" not in bench.architectures()[i]:
            assert bench.query(r["net"]["genotype"]).test_acc == m.test_acc


def test_errors(shared_data, tmp_path):
    b = NDSBenchmark(shared_data / "nds" / "DARTS_in.json")
    assert b.name == "nds_darts"
    with pytest.raises(UnknownName, match="imagenet"):
        b.query(0, dataset="cifar10")
    with pytest.raises(InvalidArgument):
        b.query("Genotype(normal=[])")
    with pytest.raises(InvalidArgument, match="epoch"):
        b.query(0, epoch=51)
    (tmp_path / "X.json").write_text('[{"no": 1}]')
    with pytest.raises(DataError):
        NDSBenchmark(tmp_path / "X.json")
    assert isinstance(open_benchmark("nds", shared_data / "nds" / "ENAS_in.json"), NDSBenchmark)


def test_duplicate_genotypes_get_distinct_keys(shared_data, tmp_path):
    rows = json.loads((shared_data / "nds" / "DARTS_in.json").read_text())[:2]
    twin = json.loads(json.dumps(rows[0]))
    twin["net"]["width"] = rows[0]["net"]["width"] + 16
    p = tmp_path / "DUP.json"
    p.write_text(json.dumps([rows[0], twin, rows[0], rows[1]]))
    b = NDSBenchmark(p)
    keys = b.architectures()
    assert len(set(keys)) == 4 and b.dataset == "cifar10"
    assert sum("@w" in k for k in keys) == 3 and sum(k.endswith(("#1", "#2")) for k in keys) == 2
