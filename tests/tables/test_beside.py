"""A user's new heuristic scored on a table's architectures and compared with the table's columns in one call."""

from __future__ import annotations

import json

import pytest

from archrank.cli import main
from archrank.errors import InvalidArgument
from archrank.heuristics import HEURISTICS
from archrank.heuristics.base import Heuristic
from archrank.tables.beside import beside_archs, score_beside


def _conv_count(ctx) -> float:
    """A toy proxy: the number of convolutions of the network."""
    import torch

    return float(sum(isinstance(m, torch.nn.Conv2d) for m in ctx.build().modules()))


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setitem(HEURISTICS._items, "toy_convs", Heuristic("toy_convs", _conv_count, needs=frozenset()))
    return "toy_convs"


def test_a_new_heuristic_beside_the_table(built, toy, tmp_path):
    db = tmp_path / "mine.db"
    with score_beside(str(built), toy, store=db) as store:
        assert "computed now: toy_convs" in store.source and "looked up from table test-tiny" in store.source
        assert {r.heuristic for r in store.scores()} == {"naswot", "params", "toy_convs"}
        mine = {r.arch: r.value for r in store.scores(heuristic=toy)}
        assert set(mine) == {r.arch for r in store.scores(heuristic="naswot")}
        assert all(v > 0 for v in mine.values())
        assert store.scores(heuristic=toy)[0].batch_size == 8  # the table's protocol
    assert db.is_file()


def test_the_command_prints_one_table_with_both(built, toy, tmp_path, capsys):
    argv = ["table", "score", str(built), "--heuristics", toy, "--store", str(tmp_path / "m.db"),
            "--archs", "random:5", "--benchmark", "nb201", "--metric", "c10_test_200", "--json", "--workers", "1"]
    assert main(argv) == 0
    js = json.loads(capsys.readouterr().out)
    assert set(js["rows"]) >= {"naswot", "params", toy}
    assert all(js["rows"][h]["n"] == 5 for h in ("naswot", "params", toy))
    assert "computed now: toy_convs" in js["source"]


def test_selections_are_rows_of_the_table(built):
    assert len(beside_archs(str(built), "random:3", seed=1)) == 3
    assert beside_archs(str(built), "random:3", seed=1) == beside_archs(str(built), "random:3", seed=1)
    with pytest.raises(InvalidArgument, match="random:N with N from 1 to 7"):
        beside_archs(str(built), "random:8")
    with pytest.raises(InvalidArgument, match="not a row of table"):
        beside_archs(str(built), ["|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"])
