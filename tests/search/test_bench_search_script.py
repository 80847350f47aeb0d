"""benchmarks/bench_search.py reads the NASWOT-row heuristic and the guided heuristic from separate stores."""

from __future__ import annotations

from pathlib import Path

import pytest

from archrank.run import ScoreSetting
from archrank.search.heuristic_objective import store_writer
from archrank.spaces import get_space
from archrank.store import open_store


def _store_with(path: Path, heuristic: str, indices: list[int]) -> None:
    space = get_space("nb201")
    store = open_store(str(path))
    try:
        write = store_writer(store, ScoreSetting("nb201"), heuristic)
        for i in indices:
            write(space.index_to_arch(i), float(i), 0.01)
    finally:
        store.close()


def test_guided_store_is_read_separately(tmp_path, shared_data, capsys, bench_script):
    table = shared_data / "nb201" / "nb201_cifar10.csv"
    if not table.is_file():
        pytest.skip("NB201 table not available")
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    _store_with(a, "params", [0, 1, 2])
    _store_with(b, "synflow", [3, 4, 5, 6, 7])
    out_json = tmp_path / "rows.json"
    rc = bench_script("bench_search").main([
        "--benchmark", str(table), "--store", str(a), "--heuristic", "params",
        "--guided-store", str(b), "--guided-heuristic", "synflow",
        "--only", "random,hierarchical", "--runs", "2", "--plot", "", "--out-json", str(out_json),
    ])
    out = capsys.readouterr().out
    assert rc in (0, None)
    assert "heuristic params: 3 of 15625" in out
    assert "heuristic synflow: 5 of 15625" in out
    # the guided rows see the guided store's coverage and are skipped without --allow-live
    assert "store holds 5/15625 synflow scores" in out
    assert "| random | - | 12000 | 2 |" in out
