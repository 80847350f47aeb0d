"""The benchmark-reader contract (archrank.benchmarks.base), checked over every registered reader.

Each reader is opened on the real files of ../shared/data that it reads.  A reader registered without an
entry in ``DATA`` fails ``test_every_reader_has_test_data``, so a new reader is tested once it is added.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from archrank.benchmarks import READERS, open_benchmark
from archrank.benchmarks.base import METRIC_NAMES, BenchmarkReader, Metrics
from archrank.errors import ArchrankError, InvalidArgument, UnknownName
from archrank.spaces import get_space

# reader name -> files under ../shared/data it is tested on.
DATA = {
    "nats_tss": ["nats/NATS-tss-v1_0-3ffb9-simple"],
    "nats_sss": ["nats/NATS-sss-v1_0-50262-simple"],
    "nb101": ["nb101/nb101_cifar10_500.json", "nb101/nb101_raw_records_30.pkl"],
    "nds": ["nds/DARTS_in.json", "nds/ENAS_in.json"],
}
CASES = [(name, rel) for name in READERS.names() for rel in DATA.get(name, [])]
_opened: dict[tuple[str, str], BenchmarkReader] = {}


def test_every_reader_has_test_data():
    assert set(DATA) == set(READERS.names())


@pytest.fixture(params=CASES, ids=[f"{n}:{rel.rsplit('/', 1)[-1]}" for n, rel in CASES])
def reader(request, shared_data) -> BenchmarkReader:
    name, rel = request.param
    path = shared_data / rel
    if not path.exists():
        pytest.skip(f"{path} is absent")
    if request.param not in _opened:  # opening reads an index; once per file is enough
        _opened[request.param] = open_benchmark(name, path)
    return _opened[request.param]


def _queryable(reader: BenchmarkReader) -> list[str]:
    """Architectures whose results the files hold (a NATS sample archive holds only a few)."""
    archs = reader.architectures()
    if hasattr(reader, "available"):
        return [archs[i] for i in reader.available()]
    return archs[:: max(1, len(archs) // 5)][:5]


def test_names_architectures_and_data_sets(reader):
    archs = reader.architectures()
    assert archs and all(isinstance(a, str) and a for a in archs)
    assert len(set(archs)) == len(archs) == len(reader)
    assert reader.datasets() and all(isinstance(d, str) for d in reader.datasets())
    assert _queryable(reader)


def test_queries_give_finite_metrics_where_recorded(reader):
    for arch in _queryable(reader):
        for dataset in reader.datasets():
            m = reader.query(arch, dataset=dataset)
            assert isinstance(m, Metrics) and m.dataset == dataset
            assert m.test_acc is not None and 0.0 <= m.test_acc <= 100.0, (arch, dataset, m.test_acc)
            for name in METRIC_NAMES:  # a recorded value is a finite number; an absent one is None
                v = getattr(m, name)
                assert v is None or math.isfinite(v), (arch, dataset, name, v)
            for name in ("train_acc", "valid_acc"):
                v = getattr(m, name)
                assert v is None or 0.0 <= v <= 100.0, (arch, dataset, name, v)
            assert m.train_time is None or m.train_time >= 0
            assert m.params is None or m.params > 0
            again = reader.query(arch, dataset=dataset)
            assert again.to_dict() == m.to_dict() or _same_with_nan(again, m)


def _same_with_nan(a: Metrics, b: Metrics) -> bool:
    da, db = a.to_dict(), b.to_dict()
    return da.keys() == db.keys() and all(
        x == y or (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y))
        for x, y in zip(da.values(), db.values()))


def test_architectures_parse_in_their_space(reader):
    if reader.arch_space is None:
        pytest.skip(f"{reader.name} names architectures of no archrank space")
    space = get_space(reader.arch_space)
    archs = reader.architectures()
    picks = sorted({*map(int, np.random.default_rng(0).choice(len(archs), size=min(50, len(archs)),
                                                            replace=False))})
    # NB101 strings come from the stored graph of a held result; the others are the keys themselves.
    keys = _queryable(reader) if reader.arch_space == "nb101" else [archs[i] for i in picks]
    for key in keys:
        text = reader.space_arch(key)
        arch = space.parse(text)
        assert space.format(space.parse(space.format(arch))) == space.format(arch)
        if reader.arch_space == "nb101":  # the benchmark's key is the cell's graph hash
            assert space.canonical(arch) == key


def test_unknown_names_are_clear_errors(reader):
    arch = _queryable(reader)[0]
    with pytest.raises(UnknownName):
        reader.query(arch, dataset="no-such-dataset")
    with pytest.raises((InvalidArgument, UnknownName)):
        reader.query("no such architecture", dataset=reader.datasets()[0])


def test_open_benchmark_resolves_aliases_and_refuses_unknown_names(shared_data):
    tss = shared_data / "nats" / "NATS-tss-v1_0-3ffb9-simple"
    if not tss.is_dir():
        pytest.skip(f"{tss} is absent")
    assert open_benchmark("NB201", tss).name == "nats_tss"
    assert open_benchmark("nats-tss", tss).arch_space == "nb201"
    with pytest.raises(ArchrankError, match="surrogate"):
        open_benchmark("nasbench301", tss)
    with pytest.raises(UnknownName, match="nats_sss, nats_tss, nb101, nds, nb301"):
        open_benchmark("nope", tss)
    with pytest.raises(InvalidArgument, match="needs a path"):
        open_benchmark("nds")
