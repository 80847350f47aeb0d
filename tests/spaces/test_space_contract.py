"""The contract every registered search space keeps, checked for each entry of ``SPACES``.

A space registered later (a built-in one or a plugin's) is collected here automatically; the toy plugin
space of ``tests/execution/archrank_toy_plugin.py`` and the grid space of ``grid_family.py`` (made with
``archrank.spaces.grid``) are loaded first to show it.  ``TINY`` holds small
builder options and the input shape for the forward-pass check; a space not listed there is built with its
default options on an input chosen by its domain (images 2x3x8x8, vectors 2x4).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from archrank.errors import InvalidArgument
from archrank.models import BUILDERS, build_model
from archrank.spaces import SPACES, get_space

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "execution"))
import archrank_toy_plugin  # noqa: F401  (registers the plugin space "toy" and its builder)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import grid_family  # noqa: F401  (registers the grid space "gridnet" and its builder)

SPACE_NAMES = SPACES.names()
SEEDS = (0, 1, 2)

# name -> (builder options, input shape) for a quick forward pass
TINY: dict[str, tuple[dict, tuple[int, ...]]] = {
    "nb201": ({"C": 4, "N": 1}, (2, 3, 8, 8)),
    "nats_sss": ({}, (2, 3, 8, 8)),
    "nb101": ({"stem_channels": 4, "num_stacks": 1, "cells_per_stack": 1}, (2, 3, 8, 8)),
    "generic": ({}, (2, 3, 8, 8)),
    "generic_mlp": ({}, (2, 5)),
}
_DOMAIN_INPUT = {"image": (2, 3, 8, 8), "vector": (2, 4)}


@pytest.fixture(params=SPACE_NAMES)
def space(request):
    return get_space(request.param)


def _samples(space) -> list:
    return [space.sample(np.random.default_rng(s)) for s in SEEDS]


def _decisions_supported(space) -> bool:
    try:
        space.decisions()
    except InvalidArgument:
        return False
    return True


def test_builtin_spaces_are_registered_with_builders():
    assert {"nb201", "nb101", "nats_sss", "generic", "generic_mlp", "toy", "gridnet"} <= set(SPACE_NAMES)
    assert set(SPACE_NAMES) <= set(BUILDERS.names())


def test_get_space_returns_one_instance(space):
    assert get_space(space.name) is space
    assert space.domain in ("image", "sequence", "vector")


def test_size(space):
    n = space.size
    assert n is None or (isinstance(n, int) and n > 0)
    c = space.num_canonical
    assert c is None or (isinstance(c, int) and c > 0)
    if n is not None and c is not None:
        assert c <= n


def test_index_round_trip_or_clear_refusal(space):
    n = space.size
    if n is None:
        with pytest.raises(InvalidArgument):
            space.index_to_arch(0)
        with pytest.raises(InvalidArgument):
            iter(space)
        return
    rng = np.random.default_rng(0)
    for i in {0, n - 1, *(int(k) for k in rng.integers(n, size=5))}:
        a = space.index_to_arch(i)
        assert space.arch_to_index(a) == i
        assert space.parse_any(str(i)) == a
    for bad in (-1, n):
        with pytest.raises(InvalidArgument):
            space.index_to_arch(bad)


def test_parse_format_round_trip(space):
    for a in _samples(space):
        text = space.format(a)
        assert isinstance(text, str)
        b = space.parse(text)
        assert b == a and hash(b) == hash(a)
        assert space.format(b) == text
    with pytest.raises(InvalidArgument):
        space.parse("not an architecture of any space")


def test_canonical_form_is_stable(space):
    for a in _samples(space):
        key = space.canonical(a)
        assert isinstance(key, str) and key
        assert space.canonical(space.parse(space.format(a))) == key
        assert space.canonical(a) == key


def test_sample_is_deterministic_under_seed(space):
    first = [space.format(a) for a in _samples(space)]
    assert [space.format(a) for a in _samples(space)] == first
    many = {space.format(space.sample(np.random.default_rng(s))) for s in range(20)}
    assert len(many) > 1  # the seed matters


def test_mutate_changes_one_decision_and_stays_valid(space):
    for s, a in enumerate(_samples(space)):
        m1 = space.mutate(a, np.random.default_rng(100 + s))
        m2 = space.mutate(a, np.random.default_rng(100 + s))
        assert m1 == m2  # deterministic under seed
        assert m1 != a
        assert m1 in space.neighbours(a)  # one decision away
        assert space.parse(space.format(m1)) == m1


def test_neighbours_are_distinct_valid_and_one_move_away(space):
    for a in _samples(space):
        nbrs = space.neighbours(a)
        assert nbrs, "every sampled architecture has a neighbour"
        assert a not in nbrs
        assert len(set(nbrs)) == len(nbrs)
        for b in nbrs[:: max(1, len(nbrs) // 10)]:
            assert space.parse(space.format(b)) == b


def test_encode_has_fixed_length_and_finite_values(space):
    vecs = [np.asarray(space.encode(a)) for a in _samples(space)]
    assert all(v.ndim == 1 and v.size > 0 for v in vecs)
    assert len({v.shape for v in vecs}) == 1
    assert all(np.isfinite(v).all() for v in vecs)
    a, b = _samples(space)[:2]
    if a != b and space.canonical(a) != space.canonical(b):
        assert not np.array_equal(space.encode(a), space.encode(b))


def test_decisions_round_trip_where_supported(space):
    if not _decisions_supported(space):
        pytest.skip(f"space {space.name!r} has no sequential decisions")
    spec = space.decisions()
    assert spec and all(isinstance(k, int) and k >= 1 for k in spec)
    for a in _samples(space):
        d = space.to_decisions(a)
        assert len(d) == len(spec) and all(0 <= int(c) < k for c, k in zip(d, spec))
        assert space.from_decisions(d) == a
    with pytest.raises(InvalidArgument):
        space.from_decisions([0] * (len(spec) + 1))


def test_build_model_gives_num_classes_outputs(space):
    options, shape = TINY.get(space.name, ({}, _DOMAIN_INPUT.get(space.domain)))
    if shape is None:
        pytest.skip(f"no example input for domain {space.domain!r}")
    a = _samples(space)[0]
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(0))
    m1 = build_model(space, a, 3, seed=0, **options)
    m2 = build_model(space, space.format(a), 3, seed=0, **options)  # the string form builds the same model
    with torch.no_grad():
        y1, y2 = m1.eval()(x), m2.eval()(x)
    assert y1.shape == (shape[0], 3) and torch.isfinite(y1).all()
    torch.testing.assert_close(y1, y2)


def test_build_model_rejects_unknown_options(space):
    if space.name == "toy":
        pytest.skip("the toy plugin's builder accepts any option")
    with pytest.raises(InvalidArgument, match="unknown build option"):
        build_model(space, _samples(space)[0], 3, no_such_option=1)
