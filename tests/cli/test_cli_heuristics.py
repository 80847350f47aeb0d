"""``archrank heuristics``: every registered heuristic and combination, strict JSON."""

from __future__ import annotations

import json

from archrank.cli import main
from archrank.heuristics import HEURISTICS
from archrank.heuristics.combinations import COMBINATIONS


def test_json_lists_every_heuristic_with_its_metadata(capsys):
    assert main(["heuristics", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))  # no NaN/Infinity
    rows = {r["name"]: r for r in data["heuristics"]}
    assert set(rows) == set(HEURISTICS.names())
    assert rows["ntk_cond"]["higher_is_better"] is False and rows["gradsign"]["higher_is_better"] is True
    assert rows["synflow"]["needs"] == ["gradients"]
    assert rows["l2_norm"]["needs"] == [] and rows["l2_norm"]["canonical_invariant"] is False
    assert rows["epe_nas"]["domains"] == ["image", "vector"] and "nb201" in rows["epe_nas"]["spaces"]
    assert rows["lga"]["reference"].startswith("Mok")
    combos = {c["name"]: c for c in data["combinations"]}
    assert set(combos) == set(COMBINATIONS.names())
    assert combos["te_nas"]["members"] == ["ntk_cond", "linear_regions"]


def test_text_table(capsys):
    assert main(["heuristics"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["heuristic", "better"]
    assert any(line.startswith("ntk_cond") and " lower " in line for line in lines)
    assert any(line.startswith("te_nas") for line in lines)
