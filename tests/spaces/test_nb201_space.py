"""NB201 space: official order, strings, canonical classes, local moves, encodings."""

from __future__ import annotations

import bz2
import csv
import pickle

import numpy as np
import pytest

from archrank.errors import ArchrankError, InvalidArgument, UnknownName
from archrank.spaces import get_space
from archrank.spaces.nb201 import OPS, NB201Space

BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


@pytest.fixture(scope="module")
def space() -> NB201Space:
    return get_space("nb201")


@pytest.fixture(scope="module")
def csv_rows(shared_data):
    with open(shared_data / "nb201" / "nb201_cifar10.csv", newline="") as f:
        return list(csv.DictReader(f))


def test_size_and_official_order(space, shared_data):
    with bz2.open(shared_data / "nats" / "NATS-tss-v1_0-3ffb9-simple" / "meta.pickle.pbz2", "rb") as f:
        meta = pickle.load(f)["meta_archs"]
    assert space.size == len(meta) == 15625
    assert [space.format(space.index_to_arch(i)) for i in range(space.size)] == meta
    for i in (0, 11, 284, 15624):
        assert space.arch_to_index(space.parse(meta[i])) == i


def test_canonical_partition_equals_benchmark(space, csv_rows):
    mine: dict[str, set[str]] = {}
    theirs: dict[str, set[str]] = {}
    for row in csv_rows:
        key = space.canonical(space.index_to_arch(int(row["index"])))
        mine.setdefault(key, set()).add(row["isomorphism_class"])
        theirs.setdefault(row["isomorphism_class"], set()).add(key)
    assert len(mine) == len(theirs) == 6466
    assert all(len(v) == 1 for v in mine.values())
    assert all(len(v) == 1 for v in theirs.values())
    assert space.num_canonical == 6466


def test_class_representatives(space):
    reps = space.class_representatives()
    assert len(reps) == 6466 and list(reps) == sorted(reps)
    assert len({space.canonical(space.index_to_arch(i)) for i in reps}) == 6466
    cls = space.class_of_index()
    assert cls.shape == (15625,) and set(np.unique(cls)) == set(reps)
    i = 1234
    assert space.canonical(space.index_to_arch(int(cls[i]))) == space.canonical(space.index_to_arch(i))


def test_canonical_equivalences(space):
    # sums commute and skip connections pass their input through
    a = "|skip_connect~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|skip_connect~1|nor_conv_1x1~2|"
    b = "|skip_connect~0|+|nor_conv_1x1~0|skip_connect~1|+|skip_connect~0|skip_connect~1|nor_conv_1x1~2|"
    assert space.canonical(a) == space.canonical(b)
    # a node fed only by `none` is dead, whatever follows it
    c = "|none~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|avg_pool_3x3~1|nor_conv_1x1~2|"
    d = "|none~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|none~0|nor_conv_3x3~1|nor_conv_1x1~2|"
    assert space.canonical(c) == space.canonical(d)
    assert space.canonical(BEST) != space.canonical(a)


def test_parse_format_roundtrip_and_errors(space):
    arch = space.parse(BEST)
    assert arch == ("nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_3x3", "nor_conv_3x3")
    assert space.format(arch) == BEST
    assert space.parse_any("0") == space.index_to_arch(0)
    with pytest.raises(InvalidArgument, match="malformed"):
        space.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|")
    with pytest.raises(InvalidArgument, match="node 2"):
        space.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|")
    with pytest.raises(InvalidArgument, match="op~1"):
        space.parse(BEST.replace("nor_conv_3x3~1|+", "nor_conv_3x3~0|+"))
    with pytest.raises(UnknownName, match="conv_5x5.*avg_pool_3x3"):
        space.parse(BEST.replace("skip_connect", "conv_5x5"))
    with pytest.raises(InvalidArgument, match="out of range"):
        space.index_to_arch(15625)
    with pytest.raises(ArchrankError):
        space.coerce(("none",) * 5)


def test_sample_mutate_neighbours(space):
    rng = np.random.default_rng(0)
    arch = space.sample(rng)
    assert len(arch) == 6 and set(arch) <= set(OPS)
    assert space.sample(np.random.default_rng(5)) == space.sample(np.random.default_rng(5))
    nb = space.neighbours(arch)
    assert len(nb) == 24 == len(set(nb)) and arch not in nb
    assert all(sum(x != y for x, y in zip(arch, n)) == 1 for n in nb)
    for _ in range(20):
        m = space.mutate(arch, rng)
        assert m in nb


def test_encode_and_decisions(space):
    arch = space.parse(BEST)
    v = space.encode(arch)
    assert v.shape == (30,) and v.sum() == 6 and v[3] == 1 and v[5 * 3 + 1] == 1
    assert space.decisions() == [5] * 6
    d = space.to_decisions(arch)
    assert d == [3, 3, 3, 1, 3, 3] and space.from_decisions(d) == arch
    with pytest.raises(InvalidArgument):
        space.from_decisions([5, 0, 0, 0, 0, 0])
