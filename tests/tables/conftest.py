"""A small table built once per session (two shards of seven NB201 architectures), for the table tests."""

from __future__ import annotations

import pytest

from archrank.tables.build import build_table
from archrank.tables.catalog import TABLES, TableSpec

# Two pairs of NB201 architectures that compute the same function (same canonical class) and two others.
ARCHS = ("0", "3", "25", "7", "79", "100", "4000")
SPEC = TableSpec("test-tiny", "nb201", "cifar10", 8, 0, ARCHS, 2, description="test table")
if SPEC.name not in TABLES:
    TABLES.register(SPEC.name, SPEC)


@pytest.fixture(scope="session")
def built(tmp_path_factory, shared_data):
    out = tmp_path_factory.mktemp("tables") / "test-tiny"
    s = build_table("test-tiny", out=out, heuristics="params,naswot", data_dir=shared_data, workers=1)
    assert sorted(s.written) == [0, 1] and not s.left
    return out


