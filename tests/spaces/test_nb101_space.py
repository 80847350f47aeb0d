"""NB101 cell space: validity, pruning, the benchmark graph hash, strings, sampling and local moves."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest

from archrank.errors import ArchrankError, InvalidArgument, UnknownName
from archrank.spaces import get_space
from archrank.spaces.nb101 import (
    CONV1X1,
    CONV3X3,
    MAXPOOL3X3,
    NB101Arch,
    NB101Space,
    graph_hash,
    is_valid,
    prune,
)

SPACE = NB101Space()
CHAIN = "0100,0010,0001,0000|input,conv3x3-bn-relu,maxpool3x3,output"


@pytest.fixture(scope="module")
def raw_records(shared_data):
    with open(shared_data / "nb101" / "nb101_raw_records_30.pkl", "rb") as f:
        return pickle.load(f)


@pytest.fixture(scope="module")
def cells_500(shared_data):
    with open(shared_data / "nb101" / "nb101_cifar10_500.json") as f:
        return json.load(f)


def test_registered_and_sizes():
    s = get_space("nb101")
    assert isinstance(s, NB101Space)
    assert s.size is None and s.num_canonical == 423_624
    for call in (
        lambda: s.index_to_arch(0),
        lambda: s.arch_to_index(s.parse(CHAIN)),
        lambda: s.check_index(0),
        lambda: list(s),
    ):
        with pytest.raises(InvalidArgument):
            call()
    with pytest.raises(InvalidArgument):
        s.parse_any("5")
    assert s.parse_any(CHAIN) == s.parse(CHAIN)


def test_hash_matches_all_raw_records(raw_records):
    matched = 0
    for key, (fixed, _computed) in raw_records.items():
        arch = SPACE.make(fixed["module_adjacency"], fixed["module_operations"])
        matched += SPACE.canonical(arch) == key
    assert matched == len(raw_records) == 30


def test_500_cells_hash_prune_roundtrip(cells_500):
    hashes = set()
    for (matrix, ops), acc in cells_500:
        arch = SPACE.make(matrix, ops)
        assert 0.0 < acc < 1.0
        assert SPACE.parse(SPACE.format(arch)) == arch
        assert SPACE.parse(json.dumps([matrix, ops])) == arch
        p = prune(arch)
        assert p == arch  # benchmark cells are stored pruned
        assert SPACE.canonical(p) == SPACE.canonical(arch)
        assert SPACE.encode(arch).shape == (56,)
        hashes.add(SPACE.canonical(arch))
    assert len(hashes) == 500


def test_hash_invariant_under_relabelling_and_dead_vertices():
    # two parallel branches: swapping their order relabels the interior vertices only
    a = SPACE.parse("01100,00010,00010,00001,00000|input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,output")
    b = SPACE.parse("01100,00010,00010,00001,00000|input,conv1x1-bn-relu,conv3x3-bn-relu,maxpool3x3,output")
    assert a != b and SPACE.canonical(a) == SPACE.canonical(b)
    c = SPACE.parse("01100,00010,00010,00001,00000|input,conv1x1-bn-relu,conv1x1-bn-relu,maxpool3x3,output")
    assert SPACE.canonical(c) != SPACE.canonical(a)
    # vertex 2 has an input but no path to the output: pruned, same hash as the chain
    dead = SPACE.parse(
        "01100,00010,00000,00001,00000|input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,output"
    )
    assert prune(dead) == SPACE.parse(CHAIN)
    assert SPACE.canonical(dead) == SPACE.canonical(CHAIN)


def test_validity_errors():
    bad = {
        "010,000,000|input,conv3x3-bn-relu,output": "the output vertex is not reachable",
        "010,001,100|input,conv3x3-bn-relu,output": "upper triangular",
        "011,001,000|conv3x3-bn-relu,conv3x3-bn-relu,output": "first operation",
        "011,001,000|input,conv3x3-bn-relu,conv1x1-bn-relu": "last operation",
        "011,001|input,conv3x3-bn-relu,output": "expected 2 rows",
        "01,00|input,conv3x3-bn-relu,output": "3 operations",
        "0111,0011,0001|input,x,output": "expected 3 rows",
        "no bar here": "malformed",
        "[[0,1],[0,0]]": "of shape (2,) is not square",
        '[[[0,1],[0,0]],"input"]': "expected [adjacency, ops]",
        "[[0,1": "malformed",
    }
    for text, part in bad.items():
        with pytest.raises(InvalidArgument) as info:
            SPACE.parse(text)
        assert part in str(info.value)
    with pytest.raises(UnknownName, match="conv5x5"):
        SPACE.parse("011,001,000|input,conv5x5,output")
    big = "0" * 8
    with pytest.raises(InvalidArgument, match="at most 7"):
        SPACE.parse(",".join([big] * 8) + "|" + ",".join(["input"] + ["maxpool3x3"] * 6 + ["output"]))
    # 10 edges on 7 vertices, all on input-output paths
    m = np.zeros((7, 7), dtype=int)
    m[0, 1:6] = 1
    m[1:6, 6] = 1
    assert m.sum() == 10
    with pytest.raises(InvalidArgument, match="at most 9 edges"):
        SPACE.make(m, ["input"] + [CONV3X3] * 5 + ["output"])
    assert issubclass(InvalidArgument, ArchrankError)


def test_aliases_and_format_uses_official_names():
    a = SPACE.parse("0100,0010,0001,0000|in,conv3x3,maxpool,out")
    assert SPACE.format(a) == CHAIN
    assert SPACE.parse("01,00|input,output").num_vertices == 2


def test_sample_mutate_neighbours_deterministic():
    rng = np.random.default_rng(0)
    archs = [SPACE.sample(rng) for _ in range(30)]
    assert archs == [SPACE.sample(g) for g in [np.random.default_rng(0)] for _ in range(30)]
    assert all(is_valid(a) and a.num_vertices == 7 for a in archs)
    assert len({SPACE.canonical(a) for a in archs}) > 20
    for a in archs[:5]:
        nbrs = SPACE.neighbours(a)
        assert nbrs and all(is_valid(b) and b != a for b in nbrs)
        assert len(set(nbrs)) == len(nbrs)
        for b in nbrs:  # one edge flip or one op change
            diff = int((np.array(b.matrix) != np.array(a.matrix)).sum()) + sum(
                x != y for x, y in zip(a.ops, b.ops)
            )
            assert diff == 1
        m = SPACE.mutate(a, np.random.default_rng(1))
        assert m in nbrs and SPACE.canonical(m) != SPACE.canonical(a)


def test_neighbours_of_small_cell_use_padded_form():
    a = SPACE.parse(CHAIN)
    nbrs = SPACE.neighbours(a)
    padded_ops = a.ops[:3] + (CONV3X3,) * 3 + ("output",)
    # 5 interior vertices of the padded cell, 2 alternative ops each
    assert sum(x.ops != padded_ops for x in nbrs) == 10
    assert all(x.num_vertices == 7 for x in nbrs)
    assert {MAXPOOL3X3, CONV1X1} <= {x.ops[1] for x in nbrs}
    # a dead vertex (has an input, no path to the output) is revived by one edge flip
    dead = SPACE.parse(
        "01100,00010,00000,00001,00000|input,conv3x3-bn-relu,conv1x1-bn-relu,maxpool3x3,output"
    )
    assert any(prune(x).num_vertices == 7 - 2 for x in SPACE.neighbours(dead))


def test_encode_and_decisions():
    a = SPACE.parse(CHAIN)
    e = SPACE.encode(a)
    assert e.shape == (56,) and e[:21].sum() == 3 and e[21:].sum() == 4
    d = SPACE.to_decisions(a)
    assert len(d) == len(SPACE.decisions()) == 26
    back = SPACE.from_decisions(d)
    assert SPACE.canonical(back) == SPACE.canonical(a)
    with pytest.raises(InvalidArgument):
        SPACE.from_decisions([0] * 26)  # no edges: output unreachable
    with pytest.raises(InvalidArgument):
        SPACE.from_decisions([3] * 26)


def test_arch_is_hashable_value():
    a = SPACE.parse(CHAIN)
    b = SPACE.parse(CHAIN)
    assert isinstance(a, NB101Arch) and a == b and hash(a) == hash(b)
    assert len(graph_hash(a)) == 32
