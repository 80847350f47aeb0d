"""The executor contract (archrank.execution.base), checked against every registered executor.

Every test takes the ``executor`` fixture, parametrised over ``EXECUTORS``: a new executor is tested the
moment it is registered.  Ray is skipped, with the reason, where it is not installed or cannot start.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from archrank.errors import InvalidArgument, UnknownName
from archrank.execution import EXECUTORS, Executor, LocalExecutor, make_executor

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))


def _square_plus(item, context):
    if item < 0:
        raise ValueError(f"negative item {item}")
    return item * item + context


def _start(name: str, tmp_root: Path) -> Executor:
    if name == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            pytest.skip("executor 'ray' needs the ray package (pip install 'archrank[ray]')")
        # Short: Ray's socket paths have a length limit.
        temp_dir = Path("/tmp") / f"ray_archrank_{os.getpid()}"
        try:
            return make_executor("ray", num_cpus=2, temp_dir=str(temp_dir))
        except Exception as e:  # noqa: BLE001 - any start-up failure means Ray cannot run here
            shutil.rmtree(temp_dir, ignore_errors=True)
            pytest.skip(f"a local Ray cluster could not start here: {type(e).__name__}: {e}")
    return make_executor(name)


@pytest.fixture(scope="module", params=EXECUTORS.names())
def executor(request, tmp_path_factory):
    # Workers of a local cluster inherit this environment, so they can import this folder's modules.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARCHRANK_PLUGINS", "archrank_toy_plugin")
        mp.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
        ex = _start(request.param, tmp_path_factory.mktemp(request.param))
        try:
            yield ex
        finally:
            ex.close()
            if request.param == "ray":
                shutil.rmtree(Path("/tmp") / f"ray_archrank_{os.getpid()}", ignore_errors=True)


def test_registered_under_its_name(executor):
    assert EXECUTORS.get(executor.name) is type(executor)
    assert isinstance(executor, Executor)


def test_every_item_once_with_its_position(executor):
    got = list(executor.imap_unordered(_square_plus, range(7), 3))
    assert sorted(got) == [(i, i * i + 3) for i in range(7)]
    assert list(executor.imap_unordered(_square_plus, [], 0)) == []


def test_a_failing_task_raises_its_own_exception(executor):
    with pytest.raises(ValueError, match="negative item -3"):
        list(executor.imap_unordered(_square_plus, [1, -3, 2], 0))
    assert sorted(executor.imap_unordered(_square_plus, [2], 1)) == [(0, 5)]  # still usable


def test_stopping_early_leaves_the_executor_usable(executor):
    it = executor.imap_unordered(_square_plus, range(20), 0)
    first = next(it)
    assert first[1] == first[0] ** 2
    it.close()
    assert sorted(executor.imap_unordered(_square_plus, range(3), 0)) == [(0, 0), (1, 1), (2, 4)]


def _scores(executor: Executor, path: Path) -> dict:
    import archrank_toy_plugin as toy

    from archrank.run import ScoreSetting, run_scoring
    from archrank.store import SQLiteStore

    heuristics = ["toy_params", "toy_out", "toy_flaky", "toy_lower"]
    with SQLiteStore(path) as store:
        s = run_scoring(ScoreSetting("toy", dataset="toyset"), archs="all", heuristics=heuristics, store=store,
                        batch=toy.toy_batch(), num_classes=3, executor=executor, progress=False)
        assert s.computed == 40 and s.failed == 3
        return {r.key: (r.value, r.flops, r.error, r.computed, r.source_arch) for r in store.scores()}


def test_scoring_results_equal_local_results(executor, tmp_path):
    reference = _scores(LocalExecutor(), tmp_path / "reference.db")
    got = _scores(executor, tmp_path / f"{executor.name}.db")
    assert len(reference) == 27 * 4
    assert got.keys() == reference.keys()
    for k in reference:  # identical, NaN included
        a, b = reference[k], got[k]
        assert (a[0] == b[0] or (a[0] != a[0] and b[0] != b[0])) and a[1:] == b[1:], k


def test_local_executor_yields_in_input_order():
    with LocalExecutor() as ex:
        assert list(ex.imap_unordered(_square_plus, [3, 1, 2], 10)) == [(0, 19), (1, 11), (2, 14)]


def test_make_executor_names_and_options():
    assert isinstance(make_executor("local"), LocalExecutor)
    assert isinstance(make_executor("local", num_cpus=None, cpus_per_task=2, address=None), LocalExecutor)
    with pytest.raises(UnknownName, match="local, ray"):
        make_executor("dask")
    with pytest.raises(InvalidArgument, match="executor 'local' does not take option.*address"):
        make_executor("local", address="auto")
    assert "address" not in EXECUTORS.get("local").options
    for name in EXECUTORS.names():
        assert set(EXECUTORS.get(name).options) >= {"num_cpus", "cpus_per_task"}, name


def test_local_workers_give_one_worker_results(tmp_path):
    """Two worker processes give exactly the one-worker results (and so Ray's, tested above)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARCHRANK_PLUGINS", "archrank_toy_plugin")
        mp.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
        reference = _scores(LocalExecutor(), tmp_path / "one.db")
        with LocalExecutor(workers=2) as ex:
            assert sorted(ex.imap_unordered(_square_plus, range(5), 1)) == [(i, i * i + 1) for i in range(5)]
            with pytest.raises(ValueError, match="negative item -2"):
                list(ex.imap_unordered(_square_plus, [1, -2, 3], 0))
            got = _scores(ex, tmp_path / "two.db")
    assert got.keys() == reference.keys()
    for k in reference:
        a, b = reference[k], got[k]
        assert (a[0] == b[0] or (a[0] != a[0] and b[0] != b[0])) and a[1:] == b[1:], k


def test_local_workers_must_be_positive():
    with pytest.raises(InvalidArgument, match="workers must be positive, got 0"):
        LocalExecutor(workers=0)


def _pid(item, context):
    return os.getpid()


def test_kept_workers_serve_calls_with_the_same_task_until_closed():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
        ex = LocalExecutor(workers=2, keep_workers=True)

        def served(context) -> set[int]:
            return {p for _, p in ex.imap_unordered(_pid, range(6), context)}

        def workers() -> set[int]:
            # the pool's worker processes (which of them serves an item is up to the scheduler)
            return {proc.pid for proc in ex._pool._pool}

        try:
            first = served({"batch": [1, 2]})
            pool = workers()
            assert first <= pool and os.getpid() not in pool and len(pool) == 2
            again = served({"batch": [1, 2]})
            assert workers() == pool and again <= pool  # the same worker processes
            other = served({"batch": [3]})
            assert not workers() & pool and other <= workers()  # another context: new workers
            import torch

            served({"batch": torch.arange(4.0)})
            pool = workers()
            t2 = served({"batch": torch.arange(4.0)})
            assert workers() == pool and t2 <= pool  # equal tensors (another storage): the same workers
            with pytest.raises(ValueError, match="negative item -2"):
                list(ex.imap_unordered(_square_plus, [1, -2, 3], 0))
            assert sorted(ex.imap_unordered(_square_plus, range(3), 1)) == [(0, 1), (1, 2), (2, 5)]
        finally:
            ex.close()
        assert ex._pool is None
