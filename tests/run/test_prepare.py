"""The one preparation step of a scoring run: everything checked before a store is opened."""

from __future__ import annotations

import pytest

from archrank.errors import ArchrankError, InvalidArgument
from archrank.run import ScoreSetting, prepare_scoring, run_prepared
from archrank.run.prepare import worker_count


def test_worker_rule():
    assert worker_count(None, None, 1, "cpu") is None  # the caller's executor keeps its own default
    assert worker_count("local", 3, 1, "cpu") == 3
    assert worker_count("local", None, 1, "cuda") == 1  # one process drives the GPU
    assert worker_count("local", None, 1, "cpu") >= worker_count("local", None, 2, "cpu") >= 1
    with pytest.raises(InvalidArgument, match="only valid with the local executor"):
        worker_count("ray", 2, 1, "cpu")
    with pytest.raises(InvalidArgument, match="positive"):
        worker_count("local", 0, 1, "cpu")


@pytest.mark.parametrize("kwargs,match", [
    ({"heuristics": "nope"}, "unknown heuristic 'nope'"),
    ({"archs": "random:x"}, "random:N"),
    ({"heuristics": "weight_sharing"}, "supernet"),
    ({"store": "nosuch://x"}, "store backend"),
])
def test_a_bad_argument_fails_before_the_store_exists(tmp_path, kwargs, match):
    store = tmp_path / "s.db"
    args = {"archs": "random:2", "heuristics": "params", "store": str(store), **kwargs}
    with pytest.raises(ArchrankError, match=match):
        prepare_scoring(ScoreSetting("nb201"), **args)
    assert not store.exists()


def test_a_prepared_run_executes_without_checking_again(tmp_path):
    store = tmp_path / "s.db"
    prepared = prepare_scoring(ScoreSetting("nb201"), archs="random:3", heuristics="params,flops", store=str(store))
    assert prepared.batch is None and prepared.names == ("params", "flops") and len(prepared.selection) == 3
    assert not store.exists()
    summary = run_prepared(prepared, store=str(store))
    assert summary.computed == 6 and summary.status == "finished"
    again = run_prepared(prepared, store=str(store))
    assert again.computed == 0 and again.held == 6
