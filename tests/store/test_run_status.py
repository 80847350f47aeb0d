"""Run rows record their process; a run left 'running' by a dead process reads as interrupted; v1 stores
are upgraded in place."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import pytest

from archrank.store import SQLiteStore, open_store
from archrank.store.memory import MemoryStore
from archrank.store.run_status import process_alive, reported_status, this_host
from archrank.store.sqlite_schema import APPLICATION_ID, SCHEMA


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


@pytest.mark.parametrize("make", [lambda p: SQLiteStore(p / "s.db"), lambda p: MemoryStore()], ids=["sqlite", "memory"])
def test_run_rows_record_pid_and_host(tmp_path, make):
    with make(tmp_path) as st:
        rid = st.open_run("score", {"a": 1})
        (r,) = st.runs()
        assert (r.run_id, r.pid, r.host, r.status) == (rid, os.getpid(), this_host(), "running")
        st.finish_run(rid, "interrupted")
        assert st.runs()[0].status == "interrupted"


def test_a_running_run_of_a_dead_process_is_interrupted(tmp_path):
    dead = _dead_pid()
    assert not process_alive(dead) and process_alive(os.getpid())
    assert reported_status("running", dead, this_host()) == "interrupted"
    assert reported_status("running", dead, "another-host") == "running"  # cannot tell: left as stored
    assert reported_status("finished", dead, this_host()) == "finished"
    with SQLiteStore(tmp_path / "s.db") as st:
        rid = st.open_run("score", {"a": 1})
    con = sqlite3.connect(tmp_path / "s.db")
    con.execute("UPDATE runs SET pid = ? WHERE run_id = ?", (dead, rid))
    con.commit()
    con.close()
    with open_store(tmp_path / "s.db") as st:
        assert st.runs()[0].status == "interrupted"
        assert st.open_run("score", {"a": 1}) == rid and st.runs()[0].status == "running"  # resumed by us


def test_a_version_1_store_is_upgraded(tmp_path):
    path = tmp_path / "v1.db"
    con = sqlite3.connect(path)
    v1 = SCHEMA.replace(",\n    pid      INTEGER,\n    host     TEXT", "")
    assert "pid" not in v1
    con.executescript(v1)
    con.execute("INSERT INTO runs (run_key, kind, config, status, created, updated) VALUES "
                "('k', 'score', '{}', 'finished', 1, 1)")
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    with SQLiteStore(path) as st:
        (old,) = st.runs()
        assert (old.status, old.pid, old.host) == ("finished", None, None)
        st.open_run("score", {"x": 2})
        assert st.runs()[1].pid == os.getpid()
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SQLiteStore.SCHEMA_VERSION
