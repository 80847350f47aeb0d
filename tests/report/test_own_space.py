"""The report of a store with no ground truth (the user's own space): ranking, distributions, agreement, cost."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from archrank.metrics import spearman
from archrank.report import own_tables
from archrank.report.build import OWN, write_report
from archrank.report.html import OWN_SECTIONS
from archrank.store import open_store


def _group(path):
    with open_store(path) as st:
        (g,) = own_tables.score_groups(st)
    return g


def test_groups_hold_every_heuristic_of_a_setting(own_store):
    g = _group(own_store)
    assert g.label == "mine / mydata" and sorted(g.scores) == ["agrees", "huge", "plain", "signed"]
    assert g.scores["plain"].n_failed == 1 and g.scores["agrees"].higher_is_better is False


def test_ranking_follows_each_direction(own_store):
    g = _group(own_store)
    rows = own_tables.ranking_rows(g, k=5)
    plain = [r for r in rows if r["heuristic"] == "plain"]
    agrees = [r for r in rows if r["heuristic"] == "agrees"]
    assert [r["rank"] for r in plain] == [1, 2, 3, 4, 5] and plain[0]["n"] == 59  # the failure is not ranked
    vals = g.scores["plain"].values
    assert plain[0]["score"] == np.nanmax(vals) and all(math.isnan(r["metric"]) for r in plain)
    assert agrees[0]["score"] == g.scores["agrees"].values.min()  # lower is better: the smallest score first
    # plain and agrees (lower-is-better, plain plus small noise) pick mostly the same architectures
    assert len({r["arch"] for r in plain} & {r["arch"] for r in agrees}) >= 3


def test_distributions_and_their_axes(own_store):
    rows = {r["heuristic"]: r for r in own_tables.distribution_rows(_group(own_store))}
    assert rows["huge"]["scale"] == "log" and rows["huge"]["decades"] > 10
    assert rows["signed"]["scale"].startswith("symlog")
    assert rows["plain"]["scale"] == "linear" and rows["agrees"]["scale"] == "linear"
    assert rows["plain"]["n"] == 59 and rows["plain"]["n_nonfinite"] == 1 and rows["plain"]["n_failed"] == 1
    g = _group(own_store)
    v = g.scores["huge"].values
    assert rows["huge"]["median"] == pytest.approx(float(np.median(v)))
    assert rows["huge"]["min"] <= rows["huge"]["q25"] <= rows["huge"]["median"] <= rows["huge"]["q75"] <= rows["huge"]["max"]


def test_agreement_between_heuristics(own_store):
    g = _group(own_store)
    rows = own_tables.agreement_rows(g)
    assert len(rows) == 16
    cell = {(r["heuristic_a"], r["heuristic_b"]): r for r in rows}
    # plain and agrees tell the same story once agrees (lower is better) is flipped
    pa = cell[("plain", "agrees")]
    assert pa["n"] == 59 and pa["spearman"] > 0.95 and pa["spearman_low"] < pa["spearman"] < pa["spearman_high"]
    # huge and signed are monotone in the same quality: their rankings agree although their scales differ
    assert cell[("huge", "signed")]["spearman"] == pytest.approx(
        spearman(g.scores["huge"].values, g.scores["signed"].values), abs=1e-12)
    assert cell[("huge", "signed")]["spearman"] > 0.99
    assert cell[("plain", "plain")]["spearman"] == pytest.approx(1.0)
    names, m = own_tables.agreement_matrix(rows)
    np.testing.assert_allclose(m, m.T)
    assert names == ["agrees", "huge", "plain", "signed"]


def test_cost_rows(own_store):
    rows = {r["heuristic"]: r for r in own_tables.own_cost_rows(_group(own_store))}
    # seconds were 0.1 (huge), 0.2 (signed), 0.3 (plain), 0.4 (agrees) per architecture
    assert rows["huge"]["seconds_per_arch"] == pytest.approx(0.1) and rows["agrees"]["computed"] == 60
    assert rows["agrees"]["seconds_total"] == pytest.approx(24.0)


def test_own_space_page(own_store, tmp_path):
    with open_store(own_store) as st:
        files = write_report(st, tmp_path / "rep", store_path=str(own_store))
    assert files.kind == OWN and files.tasks == []
    page = files.page.read_text()
    assert [sid for sid in OWN_SECTIONS if f"id='{sid}'" in page] == list(OWN_SECTIONS)
    assert "No task" not in page and "No ground truth" in page
    assert page.count("data:image/png;base64,") == 3  # distributions, agreement, cost (no search run: no curve)
    assert "Bonett" in page  # the interval method is stated on the page
    with open(files.tables["agreement"], newline="") as f:
        assert len(list(csv.DictReader(f))) == 16
    # the run's list of 60 architectures is not inlined in the settings; they are in the folded table
    with open(files.tables["runs"], newline="") as f:
        (run,) = list(csv.DictReader(f))
    assert "cell-00" not in run["settings"] and "60 architectures" in run["settings"]
    with open(files.tables["archs"], newline="") as f:
        assert len(list(csv.DictReader(f))) == 60
    assert "<details><summary>architectures (60 rows" in page


def test_consensus_ranking_is_the_mean_rank(own_store):
    g = _group(own_store)
    rows = own_tables.consensus_rows(g, k=4)
    assert [r["rank"] for r in rows] == [1, 2, 3, 4] and rows[0]["n"] == 59  # the failed architecture left out
    # recompute the first row's ranks by hand: rank 1 is each heuristic's best among the 59
    a = rows[0]["arch"]
    for h, s in g.scores.items():
        ok = [(x, v) for x, v in zip(s.archs, s.values) if np.isfinite(v) and x != "cell-00"]
        better = sum((v > dict(ok)[a]) if s.higher_is_better else (v < dict(ok)[a]) for _, v in ok)
        ties = sum(v == dict(ok)[a] for _, v in ok)
        assert rows[0][f"rank_{h}"] == pytest.approx(better + (ties + 1) / 2)
    assert rows[0]["mean_rank"] == pytest.approx(np.mean([rows[0][f"rank_{h}"] for h in g.scores]))
    assert [r["mean_rank"] for r in rows] == sorted(r["mean_rank"] for r in rows)
