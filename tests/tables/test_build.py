"""Building a small table: shards through the scoring run, resumed, extended, read as a store; versions retire."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from archrank.errors import InvalidArgument
from archrank.heuristics import HEURISTICS
from archrank.run import ScoreSetting, run_scoring
from archrank.store import open_store
from archrank.tables.build import build_table, plan_shards, table_archs
from archrank.tables.catalog import TABLES
from archrank.tables.table import open_table

SPEC = TABLES.get("test-tiny")  # registered by conftest.py
ARCHS = SPEC.archs

def _values(table) -> list[dict]:
    return [{k: v for k, v in r.items() if not k.startswith("seconds:")} for r in table.rows()]


def test_shards_hold_every_architecture_once_with_its_class(built):
    t = open_table(built)
    assert t.complete and t.served == ["naswot", "params"] and not t.retired
    archs = [r["arch"] for r in t.rows()]
    assert sorted(archs) == sorted(table_archs(SPEC)) and len(set(archs)) == len(archs)
    plans = plan_shards(SPEC, table_archs(SPEC))
    assert [s.archs for s in t.shards] == [p.archs for p in plans]


def test_values_equal_a_scoring_run(built, shared_data):
    setting = ScoreSetting("nb201", dataset="cifar10", batch_size=8, seed=0, data_dir=str(shared_data))
    with open_store("memory://") as store:
        run_scoring(setting, archs=list(ARCHS), heuristics="params,naswot", store=store, progress=False)
        direct = {(r.arch, r.heuristic): r.value for r in store.scores()}
    rows = open_table(built).rows()
    assert len(rows) * 2 == len(direct)
    for r in rows:
        for h in ("params", "naswot"):
            assert np.float32(direct[(r["arch"], h)]) == np.float32(r[h]), (r["arch"], h)
        assert r["source"].startswith("looked up from table test-tiny version 1 (2 of 2 shards)")


def test_a_second_build_resumes_from_the_shards_present(built, shared_data):
    before = {p.name: p.read_bytes() for p in built.glob("*.npz")}
    s = build_table("test-tiny", out=built, heuristics="params,naswot", data_dir=shared_data, workers=1)
    assert s.written == [] and sorted(s.complete_before) == [0, 1]
    assert {p.name: p.read_bytes() for p in built.glob("*.npz")} == before


def test_a_missing_shard_and_a_new_column_are_computed_alone(built, tmp_path, shared_data):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(built, out)
    kept = out / "shard-0-of-2.npz"
    kept_bytes = kept.read_bytes()
    (out / "shard-1-of-2.npz").unlink()
    s = build_table("test-tiny", out=out, shards="1", heuristics="params,naswot", data_dir=shared_data, workers=1)
    assert s.written == [1] and kept.read_bytes() == kept_bytes
    assert _values(open_table(out)) == _values(open_table(built))
    s = build_table("test-tiny", out=out, heuristics="params,naswot,meco_opt", data_dir=shared_data, workers=1)
    t = open_table(out)
    assert sorted(s.written) == [0, 1] and t.served == ["meco_opt", "naswot", "params"]
    assert [r["naswot"] for r in t.rows()] == [r["naswot"] for r in open_table(built).rows()]


def test_a_new_definition_retires_the_column_and_the_build_recomputes_it(built, tmp_path, monkeypatch, shared_data):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(built, out)
    h = HEURISTICS.get("naswot")
    monkeypatch.setitem(HEURISTICS._items, "naswot", dataclasses.replace(h, version=h.version + 1))
    t = open_table(out)
    assert t.served == ["params"] and t.retired == {"naswot": (1, 2)}
    with open_store(f"table:{out}") as store:
        assert {r.heuristic for r in store.scores()} == {"params"}
    s = build_table("test-tiny", out=out, heuristics="params,naswot", data_dir=shared_data, workers=1)
    t = open_table(out)
    assert sorted(s.written) == [0, 1] and t.served == ["naswot", "params"]
    assert t.column_info("naswot")["version"] == 2


def test_the_table_read_as_a_store(built):
    with open_store(f"table:{built}") as store:
        assert store.read_only and store.source.startswith("looked up from table test-tiny")
        recs = store.scores(heuristic="naswot")
        assert len(recs) == len(ARCHS) and [r.arch for r in recs] == sorted(r.arch for r in recs)
        copies = [r for r in recs if not r.computed]
        assert copies and all(r.source_arch for r in copies)  # class members share the computed value
        by_arch = {r.arch: r for r in recs}
        assert all(by_arch[r.source_arch].value == r.value for r in copies)
        assert all(r.computed for r in store.scores(heuristic="params"))  # structural: one per architecture
        assert store.scores(batch_size=64) == []
        archs = store.archs("nb201")
        assert len(archs) == len(ARCHS) and all(i is not None for _, i in archs.values())
        assert store.heuristic_info()["naswot"].higher_is_better
        (run,) = store.runs()
        assert run.kind == "table" and run.config["table"] == "test-tiny" and run.status == "finished"
        assert run.config["columns"]["naswot"]["version"] == 1
        with pytest.raises(InvalidArgument, match="read-only"):
            store.put_scores([recs[0]])
        with pytest.raises(InvalidArgument, match="read-only"):
            store.open_run("score", {})


def test_bad_build_arguments_write_nothing(tmp_path):
    with pytest.raises(InvalidArgument, match="shard 5 does not exist"):
        build_table("test-tiny", out=tmp_path / "o", shards="0,5", heuristics="params")
    with pytest.raises(InvalidArgument, match="cannot be a column"):
        build_table("test-tiny", out=tmp_path / "o", heuristics="econas_c0r0e4s1")
    assert not (tmp_path / "o").exists()


def test_every_heuristic_has_a_definition_version():
    from archrank.heuristics.base import register_heuristic

    assert all(isinstance(HEURISTICS.get(n).version, int) and HEURISTICS.get(n).version >= 1
               for n in HEURISTICS.names())
    with pytest.raises(InvalidArgument, match="version must be a positive integer"):
        register_heuristic("test_bad_version", version=0)


@pytest.mark.parametrize("name,n", [("nb101-cifar10", 500), ("nb301-cifar10", 500), ("nds-darts", 121),
                                    ("nds-enas", 117), ("nbnlp-ptb", 263), ("nbnlp-wt2", 261)])
def test_every_suite_task_table_is_partitioned(name, n, shared_data):
    from archrank.tables.build import table_heuristics

    spec = TABLES.get(name)
    archs = table_archs(spec, shared_data)
    plans = plan_shards(spec, archs)
    rows = [a for p in plans for a in p.archs]
    assert len(archs) == n and sorted(rows) == sorted(archs) and len(plans) == spec.n_shards
    assert all(p.classes for p in plans)
    hs = table_heuristics(spec)
    assert "params" in hs and not any("training" in HEURISTICS.get(h).needs for h in hs)


def test_a_scratch_store_of_other_definitions_is_not_reused(tmp_path):
    from archrank.tables.build import _scratch_store

    (tmp_path / "t-shard-3.db").write_text("legacy")
    (tmp_path / "t-shard-3-0123456789.db").write_text("older versions")
    (tmp_path / "t-shard-30-0123456789.db").write_text("another shard")
    db = _scratch_store(tmp_path, "t", 3, {"fisher": 2, "naswot": 1})
    assert db.name.startswith("t-shard-3-") and db != tmp_path / "t-shard-3-0123456789.db"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t-shard-30-0123456789.db"]
    db.write_text("current")
    assert _scratch_store(tmp_path, "t", 3, {"naswot": 1, "fisher": 2}) == db and db.exists()
    assert _scratch_store(tmp_path, "t", 3, {"fisher": 3, "naswot": 1}) != db and not db.exists()
