"""NATS size space: official order, strings, moves, encodings, errors."""

from __future__ import annotations

import bz2
import pickle

import numpy as np
import pytest
import torch

from archrank.errors import InvalidArgument
from archrank.models import build_model
from archrank.spaces import get_space


@pytest.fixture(scope="module")
def space():
    return get_space("nats_sss")


def test_official_order(space, shared_data):
    with bz2.open(shared_data / "nats" / "NATS-sss-v1_0-50262-simple" / "meta.pickle.pbz2", "rb") as f:
        meta = pickle.load(f)["meta_archs"]
    assert space.size == len(meta) == 32768
    assert [space.format(space.index_to_arch(i)) for i in range(space.size)] == meta
    assert all(space.arch_to_index(space.parse(meta[i])) == i for i in (0, 11, 284, 32767))


def test_parse_format_and_errors(space):
    assert space.parse("8:16:32:48:64") == (8, 16, 32, 48, 64)
    assert space.format((8, 16, 32, 48, 64)) == "8:16:32:48:64"
    assert space.canonical("64:64:64:64:64") == "64:64:64:64:64"
    assert space.num_canonical == 32768
    with pytest.raises(InvalidArgument, match="expected 5 widths"):
        space.parse("8:16:32")
    with pytest.raises(InvalidArgument, match="width 12 .*valid widths: 8, 16"):
        space.parse("8:12:32:48:64")
    with pytest.raises(InvalidArgument, match="malformed"):
        space.parse("8:16:x:48:64")
    with pytest.raises(InvalidArgument, match="out of range"):
        space.index_to_arch(32768)


def test_moves_and_encodings(space):
    rng = np.random.default_rng(1)
    arch = space.sample(rng)
    nb = space.neighbours(arch)
    assert len(nb) == 35 == len(set(nb)) and arch not in nb
    assert all(space.mutate(arch, rng) in nb for _ in range(10))
    v = space.encode(arch)
    assert v.shape == (40,) and v.sum() == 5
    assert space.decisions() == [8] * 5
    assert space.from_decisions(space.to_decisions(arch)) == arch
    with pytest.raises(InvalidArgument):
        space.from_decisions([8, 0, 0, 0, 0])


def test_build_forward(space):
    model = build_model(space, "8:16:8:24:16", num_classes=7)
    assert model(torch.zeros(2, 3, 16, 16)).shape == (2, 7)
