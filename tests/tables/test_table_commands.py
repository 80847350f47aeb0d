"""Every command that reads a store reads a table (``--store table:FOLDER``) and says where the values come from."""

from __future__ import annotations

import csv
import json

from archrank.cli import main
from archrank.search.heuristic_objective import heuristic_objective
from archrank.spaces import get_space
from archrank.store import open_store

SOURCE = "looked up from table test-tiny version 1 (2 of 2 shards)"


def test_correlate_reads_a_table(built, capsys):
    argv = ["correlate", "--store", f"table:{built}", "--benchmark", "nb201", "--metric", "c10_test_200"]
    assert main([*argv, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert set(rows) == {"naswot", "params"}
    assert all(r["n"] == 7 and r["source"] == SOURCE for r in rows.values())
    assert main(argv) == 0
    assert f"scores {SOURCE}" in capsys.readouterr().out


def test_report_export_and_suite_read_a_table(built, tmp_path, capsys, shared_data):
    assert main(["report", "--store", f"table:{built}", "--out", str(tmp_path / "r"), "--benchmark", "nb201"]) == 0
    prov = (tmp_path / "r" / "provenance.csv").read_text()
    assert SOURCE in prov and "table" in prov
    assert main(["export", "--store", f"table:{built}", "--out", str(tmp_path / "s.csv")]) == 0
    assert SOURCE in capsys.readouterr().out
    with open(tmp_path / "s.csv") as f:
        assert len(list(csv.DictReader(f))) == 14
    assert main(["suite", "--store", f"table:{built}", "--tasks", "nb201-cifar10", "--heuristics", "naswot,params",
                 "--archs-per-task", "0", "--data-dir", str(shared_data), "--json", "--no-progress"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["source"] == SOURCE
    cells = {c["heuristic"]: c for c in js["cells"]}
    assert cells["naswot"]["n"] == 7 and cells["params"]["n"] == 7


def test_a_search_objective_reads_a_table_and_writes_nothing(built):
    with open_store(f"table:{built}") as store:
        obj = heuristic_objective(get_space("nb201"), "naswot", store=store)
        assert obj.on_live is None and len(obj.cached) == 7
        assert obj.setting.batch_size == 8  # the table's protocol
        assert all(secs is not None and secs > 0 for _, secs in obj.cached.values())


def test_a_table_exports_to_nas_bench_suite_zero_json(built, tmp_path, capsys):
    out = tmp_path / "zc.json"
    assert main(["bench", "export", "--store", f"table:{built}", "--out", str(out), "--space", "nb201",
                 "--benchmark", "nb201", "--metric", "c10v_valid_200"]) == 0
    assert SOURCE in capsys.readouterr().out
    zc = json.loads(out.read_text())["nasbench201"]["cifar10"]
    assert len(zc) == 7
    with open_store(f"table:{built}") as store:
        naswot = {r.arch: r.value for r in store.scores(heuristic="naswot")}
    from archrank.benchmarks.naslib_keys import arch_to_key

    sp = get_space("nb201")
    for arch, v in naswot.items():
        entry = zc[arch_to_key("nb201", sp.parse(arch))]
        assert entry["naswot"]["score"] == v and "val_accuracy" in entry


def test_table_list_and_info(built, capsys):
    assert main(["table", "info", str(built), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["columns"] == ["naswot", "params"] and info["shards_present"] == 2 and info["bytes"] > 0
    assert info["column_info"]["naswot"]["version"] == 1 and info["source"] == SOURCE
    assert main(["table", "list", "--json"]) == 0
    names = {r["table"] for r in json.loads(capsys.readouterr().out)}
    assert {"nb201-cifar10", "nb101-cifar10", "nbnlp-ptb"} <= names


def test_table_all_reads_every_shipped_table_under_its_own_protocol(capsys, shared_data):
    from archrank.tables.store import AllTablesStore, shipped_tables

    names = shipped_tables()
    assert "nb201-cifar10" in names
    with open_store("table:all") as every, open_store("table:nb201-cifar10") as one:
        assert isinstance(every, AllTablesStore) and every.read_only
        assert every.count_scores(space="nb201") == one.count_scores()
        assert every.scores(space="nb201", heuristic="params") == one.scores(heuristic="params")
        assert every.protocols()["nb201-cifar10"]["batch_size"] == 64
        assert all(f"{n} version" in every.source for n in names)
        try:
            every.put_scores([])
        except Exception as e:  # noqa: BLE001 - the type is checked below
            assert type(e).__name__ == "InvalidArgument" and "read-only" in str(e)
        else:
            raise AssertionError("table:all accepted a write")
    argv = ["suite", "--heuristics", "params,meco", "--archs-per-task", "0", "--data-dir", str(shared_data), "--json",
            "--no-progress", "--tasks", "nb201-cifar10"]
    assert main([*argv, "--store", "table:all"]) == 0
    every = json.loads(capsys.readouterr().out)
    assert main([*argv, "--store", "table:nb201-cifar10"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert every["cells"] == one["cells"] and every["cells"][0]["n"] > 1000  # the table's batch size (64), not 16
    assert every["source"].startswith("looked up from tables nb201-cifar10 version")
    assert ";" not in every["source"]  # only the table the task read, not every shipped one


def test_table_all_with_no_shipped_shards_is_one_clear_line(monkeypatch, capsys):
    import archrank.tables.store as table_store

    monkeypatch.setattr(table_store, "shipped_tables", list)
    assert main(["correlate", "--store", "table:all", "--benchmark", "nb201", "--metric", "c10_test_200"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no table archrank ships has shards yet" in err[0]


def test_the_docs_table_list_gives_each_table_its_shard_count():
    """docs/tables.md's list of tables says each table's shard count as the catalog has it."""
    import re
    from pathlib import Path

    from archrank.tables.catalog import TABLES

    text = (Path(__file__).resolve().parents[2] / "docs" / "tables.md").read_text()
    listed = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[3].isdigit():
            for name in re.findall(r"`([a-z0-9-]+)`", cells[0]):
                listed[name] = int(cells[3])
    shipped = [n for n in TABLES.names() if n != "test-tiny"]  # test-tiny: registered by conftest.py
    assert sorted(listed) == sorted(shipped)
    assert listed == {n: TABLES.get(n).n_shards for n in shipped}
