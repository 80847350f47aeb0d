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


def test_every_combination_has_members_rule_direction_and_reference(capsys):
    from archrank.heuristics.combinations import RULE_NAMES
    from archrank.heuristics.ranker import RANKER_RULE, RULES

    assert main(["heuristics", "--json"]) == 0
    combos = {c["name"]: c for c in json.loads(capsys.readouterr().out)["combinations"]}
    assert {"te_nas", "vote", "az_nas_rank", "ranker"} <= set(combos)
    assert set(RULE_NAMES) == set(RULES)
    for name, c in combos.items():
        assert c["members"] and all(m in HEURISTICS.names() for m in c["members"]), name
        assert c["rule"] in RULE_NAMES and c["rule_text"] == RULE_NAMES[c["rule"]], name
        assert isinstance(c["higher_is_better"], bool) and c["reference"], name
    assert combos["te_nas"]["rule"] == "mean_rank" and combos["vote"]["rule"] == "copeland"
    assert combos["az_nas_rank"]["rule"] == "log_rank" and combos["ranker"]["rule"] == RANKER_RULE
    assert combos["ranker"]["row"] == "ranker (combination)" and combos["te_nas"]["row"] == "te_nas"
    assert combos["vote"]["members"] == ["snip", "synflow", "jacob_cov"]
    assert main(["heuristics"]) == 0
    text = capsys.readouterr().out
    assert any(line.split()[:3] == ["vote", "higher", "copeland"] for line in text.splitlines())
