"""Executors: the local one, and equality of Ray execution with local execution on a real local cluster."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from archrank.errors import InvalidArgument, UnknownName
from archrank.execution import LocalExecutor, make_executor

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))


def _square_plus(item, context):
    if item < 0:
        raise ValueError(f"negative item {item}")
    return item * item + context


def test_local_executor_yields_positions_and_results():
    with LocalExecutor() as ex:
        assert list(ex.imap_unordered(_square_plus, [3, 1, 2], 10)) == [(0, 19), (1, 11), (2, 14)]
        with pytest.raises(ValueError, match="negative item -1"):
            list(ex.imap_unordered(_square_plus, [1, -1], 0))


def test_make_executor_names():
    assert isinstance(make_executor("local"), LocalExecutor)
    with pytest.raises(UnknownName, match="local, ray"):
        make_executor("dask")
    with pytest.raises(InvalidArgument, match="--ray-address"):
        make_executor("local", address="auto")


def test_ray_results_equal_local_results(tmp_path, monkeypatch):
    pytest.importorskip("ray")
    import archrank_toy_plugin as toy

    from archrank.execution.ray_executor import RayExecutor
    from archrank.run import ScoreSetting, run_scoring
    from archrank.store import SQLiteStore

    monkeypatch.setenv("ARCHRANK_PLUGINS", "archrank_toy_plugin")
    # Workers of the local cluster inherit this environment, so they can import the plugin.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    heuristics = ["toy_params", "toy_out", "toy_flaky", "toy_lower"]

    def records(executor, name):
        with SQLiteStore(tmp_path / f"{name}.db") as store:
            s = run_scoring(ScoreSetting("toy", dataset="toyset"), archs="all", heuristics=heuristics, store=store,
                            batch=toy.toy_batch(), num_classes=3, executor=executor, progress=False)
            assert s.computed == 40 and s.failed == 3
            return {r.key: (r.value, r.flops, r.error, r.computed, r.source_arch) for r in store.scores()}

    local = records(LocalExecutor(), "local")
    temp_dir = Path("/tmp") / f"ray_archrank_{os.getpid()}"  # short: Ray's socket paths have a length limit
    ex = RayExecutor(num_cpus=2, temp_dir=str(temp_dir))
    try:
        assert sorted(ex.imap_unordered(_square_plus, range(5), 1)) == [(i, i * i + 1) for i in range(5)]
        with pytest.raises(ValueError, match="negative item -3"):
            list(ex.imap_unordered(_square_plus, [1, -3], 0))
        remote = records(ex, "ray")
    finally:
        ex.close()
        shutil.rmtree(temp_dir, ignore_errors=True)
    assert len(local) == 27 * 4
    assert remote.keys() == local.keys()
    for k in local:  # identical, NaN included
        a, b = local[k], remote[k]
        assert (a[0] == b[0] or (a[0] != a[0] and b[0] != b[0])) and a[1:] == b[1:], k
