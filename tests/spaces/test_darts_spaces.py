"""DARTS-family spaces (five NDS design spaces, NAS-Bench-301): parsing, rules, canonical form, moves."""

from __future__ import annotations

import json

import numpy as np
import pytest

from archrank.errors import InvalidArgument, UnknownName
from archrank.spaces import get_space, space_names
from archrank.spaces.darts_genotype import DartsArch
from archrank.spaces.nb301 import NB301_OPS

NAMES = ("nds_darts", "nds_enas", "nds_amoeba", "nds_nasnet", "nds_pnas", "nb301")
# node count, vocabulary size, concat rule, distinct inputs
RULES = {
    "nds_darts": (4, 8, "all", False),
    "nds_enas": (5, 5, "loose", False),
    "nds_amoeba": (5, 8, "loose", False),
    "nds_nasnet": (5, 13, "loose", False),
    "nds_pnas": (5, 8, "all", False),
    "nb301": (4, 7, "all", True),
}
# DARTS-V2 (Liu et al., ICLR 2019), in the DARTS repository's Genotype repr
DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))"
)


def _records(shared_data, name):
    with open(shared_data / "nds" / f"{name}_in.json") as f:
        return json.load(f)


def test_registered_with_their_rules():
    for name in NAMES:
        assert name in space_names()
        sp = get_space(name)
        assert sp.name == name and sp.size is None
        assert (sp.num_nodes, len(sp.ops), sp.concat_rule, sp.distinct_inputs) == RULES[name]
    assert get_space("nb301").ops == NB301_OPS and "none" not in NB301_OPS
    assert "none" in get_space("nds_darts").ops


@pytest.mark.parametrize("name,space", [("DARTS", "nds_darts"), ("ENAS", "nds_enas")])
def test_records_parse_and_round_trip(shared_data, name, space):
    sp = get_space(space)
    recs = _records(shared_data, name)
    for r in recs:
        a = sp.from_json(r["net"])
        g = r["net"]["genotype"]
        assert a.width == r["net"]["width"] and a.depth == r["net"]["depth"]
        assert list(a.normal_concat) == g["normal_concat"] and list(a.reduce_concat) == g["reduce_concat"]
        assert sp.parse(sp.format(a)) == a
        assert sp.parse(json.dumps(r["net"])) == a
        assert sp.from_json(sp.to_json(a)) == a
    # the NDS spaces let both edges of a node read the same state, and the records use that
    assert any(c[2 * k][1] == c[2 * k + 1][1] for r in recs for c in (sp.from_json(r["net"]).normal,)
               for k in range(sp.num_nodes))


def test_concat_follows_the_rule():
    enas = get_space("nds_enas")
    cell = "skip_connect~0+skip_connect~1|skip_connect~2+skip_connect~2|skip_connect~3+skip_connect~0|" \
           "skip_connect~1+skip_connect~1|skip_connect~5+skip_connect~3"
    a = enas.parse(f"normal={cell};reduce={cell};width=32;depth=6")
    assert a.normal_concat == (4, 6)  # states 4 and 6 are read by no node
    with pytest.raises(InvalidArgument, match="loose"):
        enas.parse(f"normal={cell};reduce={cell};width=32;depth=6;normal_concat=2,3,4,5,6")
    assert get_space("nds_pnas").parse(f"normal={cell};reduce={cell};width=32;depth=6").normal_concat == (2, 3, 4, 5, 6)


def test_bad_architectures_are_named():
    nb = get_space("nb301")
    ok = "sep_conv_3x3~0+sep_conv_3x3~1|" * 3 + "sep_conv_3x3~0+sep_conv_3x3~1"
    nb.parse(f"normal={ok};reduce={ok}")
    with pytest.raises(UnknownName, match="conv_9x9"):
        nb.parse(f"normal={ok.replace('sep_conv_3x3', 'conv_9x9', 1)};reduce={ok}")
    with pytest.raises(InvalidArgument, match="valid inputs are 0..1"):
        nb.parse(f"normal={ok.replace('~1', '~2', 1)};reduce={ok}")
    with pytest.raises(InvalidArgument, match="distinct"):
        nb.parse(f"normal={ok.replace('~1', '~0', 1)};reduce={ok}")
    with pytest.raises(InvalidArgument, match="8"):
        nb.parse(f"normal=sep_conv_3x3~0+sep_conv_3x3~1;reduce={ok}")
    with pytest.raises(InvalidArgument, match="fixes the network"):
        nb.parse(f"normal={ok};reduce={ok};width=32;depth=8")
    with pytest.raises(InvalidArgument, match="width and depth"):
        get_space("nds_darts").parse(f"normal={ok};reduce={ok}")
    with pytest.raises(InvalidArgument, match="even"):
        get_space("nds_darts").parse(f"normal={ok};reduce={ok};width=33;depth=8")
    with pytest.raises(InvalidArgument, match="operation~input"):
        nb.parse("normal=sep_conv_3x3;reduce=x")
    with pytest.raises(InvalidArgument, match="JSON"):
        nb.parse("{not json")


def test_darts_v2_genotype_repr():
    a = get_space("nb301").parse(DARTS_V2)
    assert a.normal[7] == ("dil_conv_3x3", 2) and a.reduce_concat == (2, 3, 4, 5)


def test_canonical_ignores_the_order_of_an_add_and_zero_inputs():
    nb = get_space("nb301")
    a = nb.parse(DARTS_V2)
    swapped = DartsArch(
        (a.normal[1], a.normal[0]) + a.normal[2:], a.normal_concat, a.reduce[:2] + (a.reduce[3], a.reduce[2]) + a.reduce[4:],
        a.reduce_concat,
    )
    assert swapped != a and nb.format(swapped) != nb.format(a)
    assert nb.canonical(swapped) == nb.canonical(a)
    changed = a.with_cell("normal", (("sep_conv_5x5", 0),) + a.normal[1:], a.normal_concat)
    assert nb.canonical(changed) != nb.canonical(a)
    darts = get_space("nds_darts")
    cell = "none~0+sep_conv_3x3~1|none~2+max_pool_3x3~0|skip_connect~3+none~1|avg_pool_3x3~4+dil_conv_3x3~1"
    x = darts.parse(f"normal={cell};reduce={cell};width=32;depth=6")
    y = darts.parse(f"normal={cell.replace('none~2', 'none~1')};reduce={cell};width=32;depth=6")
    assert darts.canonical(x) == darts.canonical(y)
    # none inputs are left alone where no none exists; in ENAS every input decides the concat list
    enas = get_space("nds_enas")
    e = enas.sample(np.random.default_rng(0))
    flipped = e.with_cell("normal", (e.normal[1], e.normal[0]) + e.normal[2:], ())
    assert enas.canonical(enas.check(flipped)) == enas.canonical(e)


@pytest.mark.parametrize("name", NAMES)
def test_sample_mutate_neighbours_encode(name):
    sp = get_space(name)
    rng = np.random.default_rng(1)
    a = sp.sample(rng)
    assert sp.sample(np.random.default_rng(1)) == a
    assert sp.check(a) == a and sp.parse(sp.format(a)) == a
    n, n_ops = sp.num_nodes, len(sp.ops)
    nbrs = sp.neighbours(a)
    assert len(set(nbrs)) == len(nbrs) and a not in nbrs
    if sp.distinct_inputs:
        per_cell = 2 * n * (n_ops - 1) + sum(2 * (k + 2 - 2) for k in range(n))
    else:
        per_cell = 2 * n * (n_ops - 1) + sum(2 * (k + 2 - 1) for k in range(n))
    extra = (len(sp.widths) - 1 + len(sp.depths) - 1) if sp.widths else 0
    assert len(nbrs) == 2 * per_cell + extra
    for _ in range(20):
        b = sp.mutate(a, rng)
        assert b in nbrs and sp.canonical(b) != sp.canonical(a)
    v = sp.encode(a)
    assert v.shape == (2 * 2 * n * (n_ops + n + 1) + (2 if sp.widths else 0),)
    assert np.all((v >= 0) & (v <= 1)) and v[: 2 * 2 * n * (n_ops + n + 1)].sum() == 2 * 2 * 2 * n
    assert len(sp.decisions()) == len(sp.to_decisions(a))
    back = sp.from_decisions(sp.to_decisions(a))
    assert sp.canonical(back) == sp.canonical(a)
    with pytest.raises(InvalidArgument):
        sp.from_decisions([0])


def test_samples_cover_the_vocabulary():
    sp = get_space("nds_nasnet")
    rng = np.random.default_rng(0)
    seen = {op for _ in range(40) for op, _i in sp.sample(rng).normal}
    assert seen == set(sp.ops)


def test_nb301_compact_round_trip_on_all_keys(shared_data):
    with open(shared_data / "naslib" / "zc_nasbench301.json") as f:
        keys = list(json.load(f)["nasbench301"]["cifar10"])
    nb = get_space("nb301")
    assert len(keys) == 500
    for k in keys:
        a = nb.from_compact(k)
        assert nb.compact_key(a) == k
        assert nb.parse(k) == a and nb.parse(nb.format(a)) == a
    first = nb.from_compact(keys[0])
    assert first.normal[:2] == (("sep_conv_5x5", 0), ("sep_conv_3x3", 1))
    with pytest.raises(InvalidArgument, match="out of range"):
        nb.from_compact([[(0, 7)] * 8, [(0, 1)] * 8])
