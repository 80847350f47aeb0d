"""``archrank score --model``: a user's own networks from the command line, one or several."""

from __future__ import annotations

import json
import math
import sys

import pytest

from archrank.cli import main

NETS = '''
from torch import nn

def small(width=8):
    return nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.GELU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10))

def family():
    return {f"w{w}": (lambda w=w: small(w)) for w in (4, 8, 16)}

net = small(12)
'''


@pytest.fixture
def user_folder(tmp_path, monkeypatch, shared_data):
    (tmp_path / "my_cli_nets.py").write_text(NETS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ARCHRANK_DATA", str(shared_data))
    yield tmp_path
    sys.modules.pop("my_cli_nets", None)


def test_one_model_prints_its_values(user_folder, capsys):
    assert main(["score", "--model", "my_cli_nets:net", "--heuristics", "naswot,synflow", "--batch-size", "16",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (row,) = out["rows"]
    assert row["model"] == "net" and all(math.isfinite(row[h]) for h in ("naswot", "synflow"))


def test_a_family_with_population_combinations_into_a_store(user_folder, capsys):
    store = str(user_folder / "own.db")
    argv = ["score", "--model", "my_cli_nets:family", "--model", "solo=my_cli_nets:small", "--heuristics",
            "ranker,vote,zen", "--batch-size", "16", "--store", store, "--json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)["rows"]
    assert [r["model"] for r in first] == ["w4", "w8", "w16", "solo"]
    assert all(math.isfinite(r[h]) for r in first for h in ("ranker", "vote", "zen"))
    assert main(argv) == 0  # resumed from the store: the same values
    assert json.loads(capsys.readouterr().out)["rows"] == first
