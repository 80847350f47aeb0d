"""The promises written on archrank.store.base.Store, checked against every registered backend."""

from __future__ import annotations

import math
import multiprocessing as mp
import sqlite3
import threading

import pytest

from archrank.errors import DataError, InvalidArgument, UnknownName
from archrank.store import (
    STORES,
    HeuristicInfo,
    ScoreRecord,
    SQLiteStore,
    TrainingRecord,
    TrajectoryStep,
    open_store,
)
from archrank.store.memory import MemoryStore

# Where each backend keeps a test store (a new backend must add its entry: the suite then covers it).
LOCATIONS = {
    "sqlite": lambda tmp_path: str(tmp_path / "results.sqlite"),
    "memory": lambda tmp_path: f"memory://{tmp_path}/results",
}

# Read-only backends (a precomputed table, ``table:NAME``) keep no writes: their own tests are in tests/tables.
WRITABLE = [n for n in STORES.names() if not STORES.get(n).read_only]


@pytest.fixture(params=WRITABLE)
def backend(request):
    return request.param


@pytest.fixture
def path(tmp_path, backend):
    """The location of the test store (a file path or a URL, as ``open_store`` takes it)."""
    return LOCATIONS[backend](tmp_path)


@pytest.fixture
def store(path):
    s = open_store(path)
    yield s
    s.close()


def test_every_backend_has_a_test_location():
    assert set(LOCATIONS) == set(WRITABLE)
    assert set(STORES.names()) - set(WRITABLE) == {"table"}


def rec(arch: str, value: float, heuristic: str = "h", **kw) -> ScoreRecord:
    return ScoreRecord("space", arch, heuristic, "cifar10", 64, 0, value, **kw)


def test_scores_round_trip_with_nonfinite_values_and_failures(store):
    store.put_scores([
        rec("a", 1.5, seconds=0.25, flops=1e6),
        rec("b", math.nan, seconds=0.1),
        rec("c", math.inf),
        rec("d", -math.inf),
        rec("e", math.nan, error="OutOfMemoryError: CPU ran out of memory"),
        rec("f", 2.0, computed=False, source_arch="a"),
    ])
    got = {r.arch: r for r in store.scores()}
    assert got["a"].value == 1.5 and got["a"].seconds == 0.25 and got["a"].flops == 1e6 and got["a"].ok
    assert math.isnan(got["b"].value) and got["b"].error is None
    assert got["c"].value == math.inf and got["d"].value == -math.inf
    assert math.isnan(got["e"].value) and got["e"].error.startswith("OutOfMemoryError") and not got["e"].ok
    assert got["f"].computed is False and got["f"].source_arch == "a" and got["a"].computed is True
    assert store.score_keys(space="space", dataset="cifar10", batch_size=64, seed=0) == {
        (a, "h") for a in "abcdef"
    }
    assert ("e", "h") not in store.score_keys(space="space", dataset="cifar10", batch_size=64, seed=0,
                                             include_errors=False)


def test_rewrites_are_idempotent_and_keep_the_first_value(store):
    batch = [rec(a, float(i)) for i, a in enumerate("abc")]
    assert store.put_scores(batch) == 3
    assert store.put_scores(batch) == 0
    assert store.put_scores([rec("a", 99.0), rec("z", 5.0)]) == 1  # overlap: only the new key is added
    assert store.count_scores() == 4
    assert {r.arch: r.value for r in store.scores()}["a"] == 0.0
    assert store.put_scores([rec("a", 99.0)], replace=True) == 1
    assert {r.arch: r.value for r in store.scores()}["a"] == 99.0
    assert store.count_scores() == 4


def test_key_includes_setting_but_not_run(store):
    store.put_scores([rec("a", 1.0, run_id=1)])
    store.put_scores([rec("a", 2.0, run_id=2)])  # same key from another run: no duplicate
    store.put_scores([ScoreRecord("space", "a", "h", "cifar10", 32, 0, 3.0)])  # other batch size
    store.put_scores([ScoreRecord("space", "a", "h", "cifar10", 64, 1, 4.0)])  # other seed
    store.put_scores([ScoreRecord("space", "a", "h", "cifar100", 64, 0, 5.0)])  # other data
    store.put_scores([rec("a", 6.0, heuristic="g")])
    assert store.count_scores() == 5
    assert [r.value for r in store.scores(heuristic="h", dataset="cifar10", batch_size=64, seed=0)] == [1.0]
    assert store.scores(heuristic="h", dataset="cifar10", batch_size=64, seed=0)[0].run_id == 1


def test_a_failing_batch_writes_nothing(store):
    store.put_scores([rec("a", 1.0)])
    bad = [rec("b", 2.0), rec("c", 3.0), ScoreRecord("space", ["x"], "h", "cifar10", 64, 0, 1.0)]  # type: ignore
    with pytest.raises(InvalidArgument, match="cannot store"):
        store.put_scores(bad)
    assert [r.arch for r in store.scores()] == ["a"]
    store.put_scores([rec("b", 2.0)])  # the store is usable afterwards
    assert store.count_scores() == 2


def test_runs_resume_by_kind_and_config(store):
    r1 = store.open_run("score", {"archs": "random:10", "seed": 0})
    assert store.open_run("score", {"seed": 0, "archs": "random:10"}) == r1  # key order does not matter
    r2 = store.open_run("score", {"archs": "random:10", "seed": 1})
    r3 = store.open_run("search", {"archs": "random:10", "seed": 0})
    assert len({r1, r2, r3}) == 3
    store.finish_run(r1)
    runs = {r.run_id: r for r in store.runs()}
    assert runs[r1].status == "finished" and runs[r2].status == "running"
    assert runs[r1].config == {"archs": "random:10", "seed": 0}
    assert [r.run_id for r in store.runs("search")] == [r3]


def test_archs_and_heuristics_register_once(store):
    store.put_archs("space", [("a", "A", 0), ("b", "A", 1), ("c", "C", None)])
    store.put_archs("space", [("a", "X", 5)])
    assert store.archs("space") == {"a": ("A", 0), "b": ("A", 1), "c": ("C", None)}
    assert store.archs("other") == {}
    store.put_heuristics([HeuristicInfo("h", False, ("data", "labels"), "a test")])
    store.put_heuristics([HeuristicInfo("h", True)])
    info = store.heuristic_info()["h"]
    assert info.higher_is_better is False and info.needs == ("data", "labels")


def test_training_and_trajectories(store):
    t = TrainingRecord("space", "a", "12ep", "cifar10", 0, {"acc": 91.5, "loss": 0.3}, seconds=12.0)
    assert store.put_training([t, t]) == 1
    assert store.put_training([TrainingRecord("space", "a", "12ep", "cifar10", 0, {"acc": 1.0})]) == 0
    assert store.training(regime="12ep") == [t]
    steps = [TrajectoryStep(7, i, f"a{i}", float(i), cost=1.0, best_so_far=float(i), space="space")
             for i in range(3)]
    steps.append(TrajectoryStep(7, 3, "a3", math.nan, cost=1.0, best_so_far=2.0))
    assert store.put_trajectory(steps) == 4
    assert store.put_trajectory(steps[:2]) == 0
    got = store.trajectory(7)
    assert [s.step for s in got] == [0, 1, 2, 3] and got[:3] == steps[:3] and math.isnan(got[3].value)
    assert store.trajectory(8) == []


def test_records_survive_reopening(path):
    with open_store(path) as s:
        run = s.open_run("score", {"x": 1})
        s.put_scores([rec("a", 1.0, run_id=run)])
    with open_store(path) as s:
        assert s.open_run("score", {"x": 1}) == run
        assert [(r.arch, r.value, r.run_id) for r in s.scores()] == [("a", 1.0, run)]


def _writer(path: str, start: int, stop: int) -> None:
    s = open_store(path)
    for i in range(start, stop):  # one transaction per record: many interleavings with the other writer
        s.put_scores([rec(f"a{i:04d}", float(i))])
    s.close()


def test_concurrent_writers_in_two_threads(path):
    open_store(path).close()
    threads = [threading.Thread(target=_writer, args=(path, 0, 120)),
               threading.Thread(target=_writer, args=(path, 60, 180))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with open_store(path) as s:
        got = s.scores()
    assert len(got) == 180 and sorted(r.value for r in got) == [float(i) for i in range(180)]


def test_concurrent_writers_in_two_processes(path, backend):
    if not STORES.get(backend).multiprocess:
        pytest.skip(f"store backend {backend!r} lives in one process")
    open_store(path).close()
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, 0, 120)), ctx.Process(target=_writer, args=(path, 60, 180))]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    with open_store(path) as s:
        got = s.scores()
    assert len(got) == 180 and sorted(r.value for r in got) == [float(i) for i in range(180)]


def test_not_a_store_is_a_clear_data_error(tmp_path, backend):
    if backend == "memory":
        pytest.skip("an in-memory store opens no file")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is certainly not a database file" * 100)
    with pytest.raises(DataError, match="junk.db"):
        open_store(f"{backend}://{junk}")
    with pytest.raises(DataError, match="does not exist"):
        open_store(f"{backend}://{tmp_path / 'missing-folder' / 'x.db'}")


def test_open_store_chooses_the_backend_by_location(tmp_path):
    with open_store(tmp_path / "a.db") as s:
        assert isinstance(s, SQLiteStore) and s.path == str(tmp_path / "a.db")
    with open_store(f"sqlite://{tmp_path / 'b.db'}") as s:
        assert isinstance(s, SQLiteStore) and s.path == str(tmp_path / "b.db")
    with open_store(":memory:") as s:
        assert isinstance(s, SQLiteStore)
    with open_store("memory://") as s:
        assert isinstance(s, MemoryStore) and s.name is None
    with pytest.raises(UnknownName, match="memory, sqlite"):
        open_store("redis://localhost/0")


def test_memory_stores_share_by_name_only():
    with open_store("memory://shared-by-name-test") as a, open_store("memory://shared-by-name-test") as b:
        a.put_scores([rec("a", 1.0)])
        assert b.count_scores() == 1
    with MemoryStore() as p, MemoryStore() as q:
        p.put_scores([rec("a", 1.0)])
        assert q.count_scores() == 0
    closed = MemoryStore()
    closed.close()
    with pytest.raises(InvalidArgument, match="closed"):
        closed.scores()


def test_foreign_sqlite_database_is_refused(tmp_path):
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE things (x)")
    con.commit()
    con.close()
    with pytest.raises(DataError, match="not an archrank store"):
        SQLiteStore(other)


def test_newer_schema_is_refused(tmp_path):
    p = tmp_path / "new.db"
    SQLiteStore(p).close()
    con = sqlite3.connect(p)
    con.execute(f"PRAGMA user_version = {SQLiteStore.SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with pytest.raises(DataError, match="newer than this archrank supports"):
        SQLiteStore(p)


def test_sqlite_uses_wal_and_a_busy_timeout(tmp_path):
    s = SQLiteStore(tmp_path / "x.db", timeout=7.5)
    assert s._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 7500
    s.close()


def _same_operations(s) -> tuple:
    run = s.open_run("score", {"b": [1, 2], "a": {"x": 1.5}})
    s.put_archs("space", [("a", "A", 0), ("b", "A", None)])
    s.put_heuristics([HeuristicInfo("h", False, ("labels", "data"), "d")])
    s.put_scores([rec("b", 2, seconds=math.inf, run_id=run), rec("a", math.nan, flops=3),
                  rec("c", 1.0, error="E: x"), rec("a", 5.0, heuristic="g", computed=False, source_arch="b")])
    s.put_training([TrainingRecord("space", "a", "r", "d", 0, {"acc": 1, "hist": (1, 2)}, seconds=math.nan)])
    s.put_trajectory([TrajectoryStep(run, 1, "a", 2.0, cost=math.inf), TrajectoryStep(run, 0, "b", math.inf)])
    scores = [(r.key, repr(r.value), r.seconds, r.flops, r.error, r.computed, r.source_arch, r.run_id)
              for r in s.scores()]
    runs = [(r.run_id, r.kind, r.config, r.status) for r in s.runs()]
    traj = [(t.step, t.arch, repr(t.value), t.cost, t.best_so_far, t.space) for t in s.trajectory(run)]
    return scores, runs, traj, s.training(), s.heuristic_info(), s.archs("space")


def test_every_backend_answers_like_sqlite(tmp_path, path):
    with SQLiteStore(tmp_path / "reference.sqlite") as ref, open_store(path) as s:
        assert _same_operations(s) == _same_operations(ref)
