"""``archrank.spaces.grid``: a space from a dict of choices and a build function."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from archrank.errors import InvalidArgument, UnknownName
from archrank.models import BUILDERS, build_model
from archrank.spaces import SPACES, GridSpace, get_space, grid
from archrank.spaces.grid import ENUMERATE_LIMIT, grid_builder

sys.path.insert(0, str(Path(__file__).resolve().parent))
import grid_family


def _linear(config):
    return nn.Linear(config["n"], 2)


def test_registered_with_its_builder_and_found_by_name():
    sp = get_space("gridnet")
    assert sp is grid_family.SPACE and isinstance(sp, GridSpace)
    assert "gridnet" in SPACES and "gridnet" in BUILDERS
    assert sp.domain == "image" and sp.keys == ("depth", "width", "act")


def test_size_index_order_and_constraint():
    sp = grid_family.SPACE
    assert sp.combinations == 8 and sp.size == 6  # (2, 8, relu) and (2, 8, gelu) are excluded
    archs = [sp.index_to_arch(i) for i in range(sp.size)]
    assert archs[0] == (1, 4, "relu") and archs[-1] == (2, 4, "gelu")
    assert all(grid_family.allowed(sp.config(a)) for a in archs)
    assert [sp.arch_to_index(a) for a in archs] == list(range(6))
    with pytest.raises(InvalidArgument, match="constraint"):
        sp.parse("depth=2,width=8,act=relu")
    with pytest.raises(InvalidArgument, match="out of range"):
        sp.index_to_arch(6)


def test_string_form_round_trip_and_parse_errors():
    sp = grid_family.SPACE
    for a in sp:
        assert sp.parse(sp.format(a)) == a
    assert sp.format((1, 8, "gelu")) == "depth=1,width=8,act=gelu"
    assert sp.parse(" act = gelu , width=8,depth=1") == (1, 8, "gelu")  # any key order, spaces
    assert sp.parse_any("3") == sp.index_to_arch(3)
    with pytest.raises(UnknownName, match="valid choices: depth, width, act"):
        sp.parse("depth=1,width=4,act=relu,bias=1")
    with pytest.raises(InvalidArgument, match="valid: 4, 8"):
        sp.parse("depth=1,width=5,act=relu")
    with pytest.raises(InvalidArgument, match="no value for act"):
        sp.parse("depth=1,width=4")
    with pytest.raises(InvalidArgument, match="twice"):
        sp.parse("depth=1,depth=2,width=4,act=relu")
    with pytest.raises(InvalidArgument, match="KEY=VALUE"):
        sp.parse("depth1")
    assert sp.canonical((1, 4, "relu")) == "depth=1,width=4,act=relu"


def test_sample_neighbours_mutate_and_encode():
    sp = grid_family.SPACE
    rng = np.random.default_rng(0)
    draws = [sp.sample(rng) for _ in range(600)]
    counts = {a: draws.count(a) for a in sp}
    assert set(counts) == set(sp) and min(counts.values()) > 60  # uniform over the 6 allowed
    a = (1, 8, "relu")
    nbrs = sp.neighbours(a)
    assert set(nbrs) == {(1, 4, "relu"), (1, 8, "gelu")}  # (2, 8, relu) is excluded by the constraint
    assert all(sum(x != y for x, y in zip(a, b)) == 1 for b in nbrs)
    assert sp.mutate(a, np.random.default_rng(1)) in nbrs
    enc = sp.encode(a)
    assert enc.tolist() == [1, 0, 0, 1, 1, 0]


def test_sequential_decisions_only_without_a_constraint():
    with pytest.raises(InvalidArgument, match="constraint"):
        grid_family.SPACE.decisions()
    sp = GridSpace(name="grid_free", choices={"n": [2, 3, 5], "m": ["a", "b"]}, domain="vector")
    assert sp.decisions() == [3, 2] and sp.size == 6
    for a in sp:
        assert sp.from_decisions(sp.to_decisions(a)) == a
    with pytest.raises(InvalidArgument, match="do not fit"):
        sp.from_decisions([3, 0])


def test_build_model_passes_the_config_num_classes_and_seed():
    net = build_model("gridnet", "depth=2,width=4,act=gelu", 7, seed=3)
    assert net(torch.randn(2, 3, 8, 8)).shape == (2, 7)
    assert sum(isinstance(m, nn.GELU) for m in net.modules()) == 2
    again = build_model("gridnet", (2, 4, "gelu"), 7, seed=3)
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), again.parameters()))
    # (spaces made here are not registered, so that no other test meets them)
    # a build function without num_classes gets the config alone; an option it does not take is refused
    sp = GridSpace(name="grid_plain", choices={"n": [2, 4]}, domain="vector")
    builder = grid_builder(sp, _linear)
    assert builder("n=4", 10).in_features == 4
    with pytest.raises(InvalidArgument, match="unknown build option"):
        builder("n=4", 10, width=3)
    with pytest.raises(InvalidArgument, match="not an nn.Module"):
        grid_builder(sp, lambda c: "not a module")((2,), 10)
    # **kwargs receive num_classes and the options
    seen = {}
    grid_builder(sp, lambda c, **kw: seen.update(kw) or nn.Linear(c["n"], 2))((2,), 5, width=3)
    assert seen == {"num_classes": 5, "width": 3}


def test_registering_again_returns_the_space_or_refuses():
    again = grid("gridnet", grid_family.CHOICES, grid_family.build, constraint=grid_family.allowed)
    assert again is grid_family.SPACE
    with pytest.raises(InvalidArgument, match="already registered"):
        grid("gridnet", {"depth": [1]}, grid_family.build)
    with pytest.raises(InvalidArgument, match="already registered"):
        grid("nb201", {"depth": [1]}, grid_family.build)


@pytest.mark.parametrize("choices, match", [
    ({}, "non-empty dict"),
    ({"depth": []}, "non-empty list"),
    ({"depth": "123"}, "non-empty list"),
    ({"depth": [1, [2]]}, "finite int, float, string or bool"),
    ({"depth": [1, float("nan")]}, "finite"),
    ({"depth": [1, "1"]}, "written alike"),
    ({"act": ["relu", "a,b"]}, "without ','"),
    ({"bad key": [1]}, "must be a name"),
])
def test_bad_choices_are_refused(choices, match):
    with pytest.raises(InvalidArgument, match=match):
        GridSpace(name="x", choices=choices)


def test_bad_name_domain_build_and_empty_constraint():
    with pytest.raises(InvalidArgument, match="space name"):
        grid("a,b", {"n": [1]}, _linear)
    with pytest.raises(UnknownName, match="image, sequence, vector"):
        grid("grid_dom", {"n": [1]}, _linear, domain="audio")
    with pytest.raises(InvalidArgument, match="build must be a function"):
        grid("grid_nobuild", {"n": [1]}, None)
    with pytest.raises(InvalidArgument, match="allows none"):
        grid("grid_none", {"n": [1, 2]}, _linear, constraint=lambda c: False)
    assert "grid_none" not in SPACES and "grid_dom" not in SPACES


def test_large_grids_are_sampled_not_enumerated():
    choices = {f"k{i}": list(range(10)) for i in range(7)}  # 10^7 combinations
    assert 10**7 > ENUMERATE_LIMIT
    sp = GridSpace(name="grid_big", choices=choices, constraint=lambda c: c["k0"] % 2 == 0, domain="vector")
    assert sp.size is None
    a = sp.sample(np.random.default_rng(0))
    assert a[0] % 2 == 0 and sp.parse(sp.format(a)) == a
    with pytest.raises(InvalidArgument, match="no index order"):
        sp.index_to_arch(0)


def test_register_space_registers_a_space_and_its_builder_in_one_call():
    from archrank.spaces import register_space

    class Pair(GridSpace):
        name = "pair_space"

        def __init__(self):
            super().__init__(name="pair_space", choices={"a": [1, 2], "b": [3, 4]}, domain="vector")

    def build(arch, num_classes=10):
        return nn.Linear(arch[0] + arch[1], num_classes)

    with pytest.raises(InvalidArgument, match="named 'pair_space', not 'other'"):
        register_space("other", Pair, build=build)
    with pytest.raises(InvalidArgument, match="already registered"):
        register_space("gridnet", grid_family.SPACE, build=build)
    assert "other" not in SPACES
    register_space("pair_space", Pair, build=build)
    assert get_space("pair_space").size == 4
    assert build_model("pair_space", "a=2,b=4", 3).in_features == 6
