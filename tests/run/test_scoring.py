"""Scoring runs on a toy space: selection, canonical dedupe, resume, failures."""

from __future__ import annotations

import math
import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "execution"))
import archrank_toy_plugin as toy

from archrank.errors import InvalidArgument, PluginError, UnknownName
from archrank.run import ScoreSetting, load_plugins, run_scoring, select_archs
from archrank.store import SQLiteStore


@pytest.fixture(autouse=True)
def plugin_env(monkeypatch):
    monkeypatch.setenv("ARCHRANK_PLUGINS", "archrank_toy_plugin")


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "r.db")
    yield s
    s.close()


def run(store, archs="all", heuristics=("toy_params", "toy_out"), threads=1, **kw):
    kw.setdefault("batch", toy.toy_batch())
    kw.setdefault("num_classes", 3)
    setting = ScoreSetting("toy", dataset="toyset", batch_size=8, seed=0, threads=threads)
    return run_scoring(setting, archs=archs, heuristics=list(heuristics), store=store, progress=False, **kw)


def test_select_all_random_and_file(tmp_path):
    space = toy.ToySpace()
    assert len(select_archs(space, "all")) == 27
    r5 = select_archs(space, "random:5", seed=3)
    assert len(set(r5)) == 5 and select_archs(space, "random:5", seed=3) == r5
    assert select_archs(space, "random:5", seed=4) != r5
    f = tmp_path / "archs.txt"
    f.write_text("# my picks\nlin-lin-id\n\n5\n  zero-zero-zero  \nlin-lin-id\n")
    assert select_archs(space, str(f)) == [("lin", "lin", "id"), space.index_to_arch(5), ("zero",) * 3]
    f.write_text("lin-lin-id\nlin-lin-conv\n")
    with pytest.raises(InvalidArgument, match=r"archs.txt:2: .*'lin-lin-conv'"):
        select_archs(space, str(f))
    with pytest.raises(InvalidArgument, match="random:28 asks for more"):
        select_archs(space, "random:28")
    with pytest.raises(InvalidArgument, match="random:N"):
        select_archs(space, "random:x")
    with pytest.raises(InvalidArgument, match="not an existing file"):
        select_archs(space, str(tmp_path / "nope.txt"))
    f.write_text("99\n")
    with pytest.raises(InvalidArgument, match="out of range"):
        select_archs(space, str(f))


def test_canonical_classes_are_computed_once_and_recorded_for_all(store):
    s = run(store)
    assert (s.n_archs, s.n_classes) == (27, 10)
    assert s.computed == 20 and s.recorded == 54 and s.failed == 0
    recs = store.scores(heuristic="toy_out")
    assert len(recs) == 27 and sum(r.computed for r in recs) == 10
    by_arch = {r.arch: r for r in recs}
    copy = by_arch["lin-id-zero"]
    if copy.computed:
        copy = by_arch["zero-id-lin"]
    src = by_arch[copy.source_arch]
    assert src.computed and copy.value == src.value and copy.seconds == src.seconds and copy.flops == 123.0
    assert toy.ToySpace().canonical(toy.ToySpace().parse(copy.arch)) == "id-lin-zero"
    assert store.heuristic_info()["toy_out"].higher_is_better is True
    assert len(store.archs("toy")) == 27


def test_values_equal_a_direct_evaluation(store):
    from archrank.heuristics import HEURISTICS, ScoreContext, evaluate

    run(store, archs="random:4", heuristics=["toy_out"])
    space = toy.ToySpace()
    inputs, targets = toy.toy_batch()
    computed = [r for r in store.scores() if r.computed]  # (toy classes are not true equivalences)
    assert computed
    for r in computed:
        ctx = ScoreContext(arch=space.parse(r.arch), space=space, inputs=inputs, targets=targets, num_classes=3)
        assert r.value == evaluate(HEURISTICS.get("toy_out"), ctx).value


def test_rerun_recomputes_nothing_and_fills_from_class_members(store, tmp_path, monkeypatch):
    calls = tmp_path / "calls.txt"
    monkeypatch.setenv("ARCHRANK_TOY_CALLS", str(calls))
    first = run(store, archs="random:6", heuristics=["toy_slow"])
    n_first = len(calls.read_text().split())
    assert n_first == first.computed == first.n_classes
    again = run(store, archs="random:6", heuristics=["toy_slow"])
    assert again.computed == 0 and again.recorded == 0 and again.held == 6
    assert len(calls.read_text().split()) == n_first
    full = run(store, archs="all", heuristics=["toy_slow"])
    lines = calls.read_text().split()
    assert len(lines) == 10 and len(set(lines)) == 10  # every class computed exactly once across the runs
    assert full.copied > 0 and full.computed == 10 - n_first
    assert store.count_scores() == 27
    assert len(store.runs("score")) == 2 and all(r.status == "finished" for r in store.runs())


def test_failures_are_recorded_and_the_run_goes_on(store):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # non-finite scores are counted in the summary, not warned about
        s = run(store, heuristics=["toy_flaky", "toy_params"])
    recs = {(r.arch, r.heuristic): r for r in store.scores()}
    assert len(recs) == 54
    bad = recs[("zero-lin-zero", "toy_flaky")]
    assert math.isnan(bad.value) and bad.error == "NumericalError: toy failure: too many zero slots"
    nan = recs[("id-id-id", "toy_flaky")]
    assert math.isnan(nan.value) and nan.error is None
    assert recs[("zero-lin-zero", "toy_params")].ok
    assert s.failed == 3  # classes with two or three zero slots: zzz, zz-id, zz-lin
    assert {e for _, _, e in s.failures} == {"NumericalError: toy failure: too many zero slots"}
    assert s.nonfinite == {"toy_flaky": 1} and s.nonfinite_line().startswith("1 of ")
    assert run(store, heuristics=["toy_flaky"]).computed == 0  # failures are held too ...
    retry = run(store, heuristics=["toy_flaky"], retry_failed=True)  # ... unless asked to retry them
    assert retry.computed == 3 and store.count_scores() == 54


def test_bad_heuristic_and_plugin_names():
    with pytest.raises(UnknownName, match="toy_params"):
        run(SQLiteStore(":memory:"), heuristics=["nonesuch"])
    with pytest.raises(PluginError, match="no_such_plugin_module"):
        load_plugins(["no_such_plugin_module"])


def test_tasks_run_with_the_requested_thread_count_which_is_then_restored(tmp_path):
    import torch

    before = torch.get_num_threads()
    for threads in (1, 2):
        with SQLiteStore(tmp_path / f"t{threads}.db") as s:
            run(s, archs="random:2", heuristics=["toy_threads"], threads=threads)
            assert {r.value for r in s.scores()} == {float(threads)}
    assert torch.get_num_threads() == before
    with pytest.raises(InvalidArgument, match="threads must be positive"):
        run(SQLiteStore(":memory:"), heuristics=["toy_threads"], threads=0)


def test_structural_heuristics_are_computed_for_every_member(store):
    s = run(store, heuristics=["toy_structural", "toy_params"])
    assert s.computed == 27 + 10
    recs = store.scores(heuristic="toy_structural")
    assert all(r.computed and r.source_arch is None for r in recs)
    space = toy.ToySpace()
    assert {r.arch: r.value for r in recs} == {space.format(space.index_to_arch(i)): float(i) for i in range(27)}
    assert sum(r.computed for r in store.scores(heuristic="toy_params")) == 10
    assert run(store, heuristics=["toy_structural", "toy_params"]).computed == 0
