"""Stored failures: reported, retried when they came from the environment or when asked; bad calls write
nothing; a run's status says how it ended."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "execution"))
import archrank_toy_plugin as toy

from archrank.errors import InvalidArgument, UnknownName
from archrank.heuristics.base import HEURISTICS, register_heuristic
from archrank.run import ScoreSetting, run_scoring
from archrank.store import SQLiteStore
from archrank.store.failures import is_environment_error

STATE = {"present": False}

if "test_env_file" not in HEURISTICS:
    @register_heuristic("test_env_file", needs=())
    def _env_file(ctx):
        if not STATE["present"]:
            raise FileNotFoundError("resource.bin")
        return 1.0


@pytest.fixture(autouse=True)
def plugin_env(monkeypatch):
    monkeypatch.setenv("ARCHRANK_PLUGINS", "archrank_toy_plugin")
    STATE["present"] = False


def run(store, heuristics, archs="all", **kw):
    setting = ScoreSetting("toy", dataset="toyset", batch_size=8, seed=kw.pop("seed", 0))
    return run_scoring(setting, archs=archs, heuristics=list(heuristics), store=store, progress=False,
                       batch=toy.toy_batch(), num_classes=3, **kw)


def test_the_environment_rule():
    assert is_environment_error("FileNotFoundError: x") and is_environment_error("MemoryError")
    assert is_environment_error("ModuleNotFoundError: No module named 'foo'")
    assert is_environment_error("torch.OutOfMemoryError: CUDA out of memory")
    assert not is_environment_error("NumericalError: toy failure") and not is_environment_error("ValueError: x")
    assert not is_environment_error(None)


def test_a_heuristic_failure_is_reported_not_retried(tmp_path):
    with SQLiteStore(tmp_path / "s.db") as st:
        first = run(st, ["toy_flaky"])
        assert first.failed == 3 and first.status == "incomplete"
        again = run(st, ["toy_flaky"])
        # 3 canonical classes fail, 7 architectures hold the failure
        assert again.computed == 0 and len(again.stored_failures) == 7 and again.retried == 0
        assert {e for _, _, e in again.stored_failures} == {"NumericalError: toy failure: too many zero slots"}
        assert st.runs()[-1].status == "incomplete"
        asked = run(st, ["toy_flaky"], retry_failed=True)
        assert asked.retried == 7 and asked.computed == 3 and asked.failed == 3 and st.count_scores() == 27


def test_an_environment_failure_is_retried_automatically(tmp_path):
    with SQLiteStore(tmp_path / "s.db") as st:
        first = run(st, ["test_env_file"], archs="random:4")
        n = first.n_classes
        assert first.failed == first.computed == n and first.recorded == 4 and first.status == "incomplete"
        STATE["present"] = True
        again = run(st, ["test_env_file"], archs="random:4")
        assert (again.retried, again.computed, again.failed, again.status) == (4, n, 0, "finished")
        assert all(r.ok and r.value == 1.0 for r in st.scores(heuristic="test_env_file"))
        assert run(st, ["test_env_file"], archs="random:4").computed == 0


@pytest.mark.parametrize("bad", [
    {"heuristics": ["no_such_heuristic"]},
    {"seed": -1},
    {"archs": "random:0"},
    {"archs": "random:99"},
])
def test_a_bad_call_creates_no_store(tmp_path, bad):
    path = tmp_path / "never.db"
    kw = {"heuristics": ["toy_params"], "archs": "all", **bad}
    with pytest.raises((InvalidArgument, UnknownName)):
        run(str(path), kw.pop("heuristics"), archs=kw.pop("archs"), **kw)
    assert not path.exists()


def test_unknown_dataset_and_missing_data_create_no_store(tmp_path):
    path = tmp_path / "never.db"
    with pytest.raises(UnknownName):
        run_scoring(ScoreSetting("toy", dataset="nope"), archs="all", heuristics=["toy_params"], store=str(path),
                    progress=False)
    from archrank.errors import DataError

    with pytest.raises(DataError, match="not found"):
        run_scoring(ScoreSetting("toy", dataset="cifar10", data_dir=str(tmp_path / "empty")), archs="all",
                    heuristics=["toy_out"], store=str(path), progress=False)
    assert not path.exists()


def test_a_location_is_opened_after_the_checks_and_closed(tmp_path):
    path = tmp_path / "s.db"
    s = run(str(path), ["toy_params"])
    assert s.computed > 0 and path.exists()
    with SQLiteStore(path) as st:
        assert st.count_scores() == 27 and [r.status for r in st.runs()] == ["finished"]
