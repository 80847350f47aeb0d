"""The shipped values are what ``archrank score`` computes: random classes of every shard, recomputed.

For every table archrank ships with shards, one random class of every shard is scored again with
``archrank score`` under the table's protocol.  On every shard the instant heuristics (median stored seconds
at most 0.002 s among the structural counts, which need no forward pass) are recomputed.  On a sample of
``DEEP_SHARDS`` shards (all of them while a table has no more; fewer where the cheap columns of one class
would cost more than ``DEEP_BUDGET`` in all) the cheap heuristics are too (at most 0.05 s alone, and at least
the cheapest third), and on up to ``COSTLY_CHECKS`` of them one costly heuristic each, taken in turn from a
list that rotates with the seed, while their estimated cost stays within ``COSTLY_BUDGET`` (the first is
always made).  Stored seconds are marginal (a shared pass is charged to the first column that asks for it), so
a column's cost alone is estimated from ``PASS_GROUPS``: its own stored seconds or those of the column that
paid for its pass, whichever is more.  A heuristic that stored almost nothing and shares no known pass, and a
reference-sample heuristic (az_nas, ranker), count as costly, and a reference sample dearer than
``REFERENCE_BUDGET`` is left to ``ARCHRANK_RECOMPUTE_ALL=1``.  The sample rotates: it is drawn with the day's
number as the seed (``ARCHRANK_RECOMPUTE_SEED`` fixes it; the failure message names it), so successive runs
cover every shard and costly column.  Values must equal the shipped ones to float32 rounding.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from archrank.cli import main
from archrank.store import open_store
from archrank.tables.catalog import TABLES, packaged_folder
from archrank.tables.table import Table, open_table

CHEAP_SECONDS = 0.05
INSTANT_SECONDS = 0.002
DEEP_SHARDS = 16
#: costly columns recomputed per table and run (each on its own, on a sampled shard; they rotate with the seed)
COSTLY_CHECKS = 8
#: estimated seconds of the costly checks of one table and run (the first check is made whatever its cost)
COSTLY_BUDGET = 40.0
#: a reference-sample heuristic whose sample would cost more than this (its size, 50, times its members'
#: stored seconds) is recomputed only with ARCHRANK_RECOMPUTE_ALL=1 (az_nas on the NDS, NB101 and NB301 networks:
#: minutes for the 50 architectures of its sample; it is recomputed on NB201, whose sample costs ~30 s).
#: ARCHRANK_RECOMPUTE_ALL=1 is the thorough check: every column on the sampled shards (minutes per table).
REFERENCE_BUDGET = 60.0
#: estimated seconds of the deep checks of one table and run (the cheap columns on one class, times the deep
#: shards): fewer deep shards where the cheap columns are dear (NB101 and NB301 networks), at least one
DEEP_BUDGET = 60.0
#: heuristics that share a pass (docs/scoring.md, "Shared passes"): the first to ask pays for it and stores its
#: seconds, so a column that stored little may read a pass another paid for, and alone it pays that pass
PASS_GROUPS = (
    ("grad_norm", "snip", "fisher", "nasi", "plain", "grasp"),  # loss_grads (grasp: loss_grads_graph)
    ("naswot", "naswot_euclid", "jacob_cov", "epe_nas"),  # relu_codes / input_jacobian(_codes)
    ("synflow", "logsynflow"),  # synflow_abs
    ("gradsign", "knas"),  # per_sample_grads
    ("ntk_cond", "ntk_krr", "lga"),  # empirical_ntk_sum
    ("nngp_krr", "cntk_krr"),  # analytic_kernel
    ("meco", "meco_opt"),  # meco_feature_maps
    ("swap", "swap_reg"),  # swap_relu_outputs
    ("az_expressivity", "az_progressivity", "az_trainability"),  # az_parts
)
#: the sample's seed: fixed by ARCHRANK_RECOMPUTE_SEED, else the day's number (a new sample each day)
SEED = int(os.environ.get("ARCHRANK_RECOMPUTE_SEED", int(time.time() // 86400)))
EVERYTHING = os.environ.get("ARCHRANK_RECOMPUTE_ALL", "") not in ("", "0")
F32_MAX = float(np.finfo(np.float32).max)


def _reference_members() -> dict[str, tuple[int, tuple[str, ...]]]:
    """The heuristics that rank an architecture against a seeded reference sample: the sample's size and the
    heuristics whose values it costs (computed once per process: a recomputation in a fresh process pays for
    the whole sample)."""
    from archrank.heuristics import az_nas, ranker

    return {"az_nas": (az_nas.DEFAULT_REFERENCE_SIZE, az_nas.PARTS),
            "ranker": (ranker.DEFAULT_REFERENCE_SIZE, ranker.RANKER_MEMBERS)}


def _plan(t: Table, seed: int = 0, deep: int = DEEP_SHARDS, costly_checks: int = COSTLY_CHECKS,
          everything: bool = EVERYTHING, budget: float = COSTLY_BUDGET) -> dict[str, list[str]]:
    """heuristic -> architectures to recompute.

    Stored seconds are marginal (a shared pass is charged to the first column that asks for it), so a column
    that is not a structural count but stored almost nothing reads a pass another column paid for: alone it
    costs that pass, and it counts as costly, as does a reference-sample heuristic."""
    from archrank.heuristics import HEURISTICS

    median = {h: float(np.nanmedian(np.concatenate([s.columns[h].seconds for s in t.shards]))) for h in t.served}
    alone = _alone(median)
    ranked = sorted(t.served, key=lambda h: median[h])
    refs = _reference_members()
    # Structural counts (a function of the exact architecture, not of its class; no forward pass) are instant;
    # every other column builds on a forward pass, its own or one it shares.
    structural = {h for h in ranked if h in HEURISTICS and not HEURISTICS.get(h).canonical_invariant} - set(refs)
    instant = [h for h in ranked if median[h] <= INSTANT_SECONDS and h in structural] or ranked[:1]
    sample_cost = {h: size * sum(median.get(m, 0.0) for m in members) for h, (size, members) in refs.items()}
    too_dear = {h for h in refs if h in median and not everything and sample_cost[h] > REFERENCE_BUDGET}
    # Hidden: not a structural count, stored almost nothing and shares no known pass (what it costs alone is unknown).
    hidden = {h for h in ranked if h not in structural and alone[h] <= INSTANT_SECONDS} | (set(refs) & set(ranked))
    candidates = sorted((h for h in ranked if h not in instant and h not in hidden and h not in too_dear),
                        key=lambda h: alone[h])
    # Cheap: at most CHEAP_SECONDS alone, and at least the cheapest third (stored seconds depend on the load).
    n_cheap = max(sum(alone[h] <= CHEAP_SECONDS for h in candidates), len(ranked) // 3 - len(instant), 0)
    cheap = instant + candidates[:n_cheap]
    costly = [h for h in ranked if h not in cheap and h not in too_dear]
    # What one costly check costs: its seconds alone; a reference sample's size times its members' seconds on
    # top; a hidden column, the middle costly column's seconds (its pass unknown).
    typical = float(np.median([alone[h] for h in costly])) if costly else 0.0
    cost = {h: sample_cost.get(h, 0.0) + (typical if h in hidden and h not in refs else alone[h]) for h in costly}
    # One deep check (the cheap columns on one class; a shared pass counted once): fewer deep shards if it is dear.
    per_deep = sum(max((alone[h] for h in cheap if _group(h) == g), default=0.0) for g in {_group(h) for h in cheap})
    if not everything:
        deep = max(1, min(deep, int(DEEP_BUDGET // per_deep) if per_deep > 0 else deep))
    spent, spent_all = 0.0, False
    rng = np.random.default_rng(seed)
    filled = [k for k, s in enumerate(t.shards) if s.classes]
    sampled = set(filled) if len(filled) <= deep else {int(k) for k in rng.choice(filled, deep, replace=False)}
    plan: dict[str, list[str]] = {h: [] for h in t.served}
    checks = 0
    for k in filled:
        s = t.shards[k]
        c = int(rng.integers(len(s.classes)))
        members = [a for a, kk in zip(s.archs, s.klass) if kk == c]
        for h in (cheap if k in sampled else instant):
            plan[h] += members[:2]  # the computed member and, for structural counts, another
        if everything and k in sampled:  # the thorough check: every costly column on every sampled shard
            for h in costly:
                plan[h].append(members[0])
        elif costly and k in sampled and checks < costly_checks and not spent_all:
            h = costly[(checks + seed) % len(costly)]
            spent_all = checks > 0 and spent + cost[h] > budget
            if spent_all:  # the budget is spent: no more costly checks this run
                continue
            plan[h].append(members[0])
            spent += cost[h]
            checks += 1
    return {h: a for h, a in plan.items() if a}


def _group(h: str) -> tuple[str, ...]:
    """The pass group of ``h`` (itself alone if it shares no known pass)."""
    return next((g for g in PASS_GROUPS if h in g), (h,))


def _alone(median: dict[str, float]) -> dict[str, float]:
    """Estimated seconds of each column recomputed alone: its stored seconds, or the most that a column sharing
    its pass stored (that column paid for the pass), whichever is more."""
    out = dict(median)
    for g in PASS_GROUPS:
        present = [h for h in g if h in median]
        top = max((median[h] for h in present), default=0.0)
        out.update({h: max(median[h], top) for h in present})
    return out


def recompute_and_compare(t: Table, tmp_path, data_dir, seed: int = 0) -> int:
    """Score the planned architectures with ``archrank score``; return how many values were compared."""
    p = t.protocol
    shipped = {}
    for s in t.shards:
        for h in t.served:
            shipped.update({(a, h): float(v) for a, v in zip(s.archs, s.columns[h].values)})
    by_set: dict[tuple[str, ...], list[str]] = {}
    for h, archs in _plan(t, seed).items():
        for a in archs:
            by_set.setdefault((a,), []).append(h)
    groups: dict[tuple[str, ...], list[str]] = {}
    for (a,), hs in by_set.items():
        groups.setdefault(tuple(sorted(hs)), []).append(a)
    db = tmp_path / "recomputed.db"
    for i, (hs, archs) in enumerate(groups.items()):
        f = tmp_path / f"archs{i}.txt"
        f.write_text("\n".join(archs) + "\n")
        head = [] if t.spec is None or t.spec.num_classes is None else ["--num-classes", str(t.spec.num_classes)]
        code = main(["score", "--space", p["space"], "--archs", str(f), "--heuristics", ",".join(hs), "--dataset",
                     p["dataset"], "--batch-size", str(p["batch_size"]), "--seed", str(p["seed"]), "--store", str(db),
                     "--data-dir", str(data_dir), "--device", "cpu", "--workers", "1", "--quiet", "--no-progress",
                     *head])
        assert code == 0
    compared = 0
    with open_store(db) as store:
        for r in store.scores():
            want = shipped[(r.arch, r.heuristic)]
            if np.isnan(want) or np.isnan(r.value) or np.isinf(want) or np.isinf(r.value):
                ok = want == r.value or (np.isnan(want) and np.isnan(r.value))
            elif abs(want) > F32_MAX:  # kept in float64: equal to float32-like relative rounding
                ok = abs(r.value - want) <= 1e-6 * abs(want)
            else:
                ok = np.float32(r.value) == np.float32(want) or abs(r.value - want) <= 1e-6 * abs(want)
            assert ok, f"{r.heuristic} on {r.arch}: recomputed {r.value!r}, shipped {want!r} (sample seed {seed})"
            compared += 1
    return compared


def test_the_check_itself_on_a_small_table(built, tmp_path, shared_data):
    t = open_table(built)
    assert recompute_and_compare(t, tmp_path, shared_data) >= 2


@pytest.mark.parametrize("name", TABLES.names())
def test_shipped_values_are_recomputed_by_archrank_score(name, tmp_path, shared_data):
    if not list(packaged_folder(name).glob("shard-*.npz")):
        pytest.skip(f"no shards of table {name} in the package yet")
    t = open_table(name)
    assert not t.retired, f"table {name} holds retired columns {sorted(t.retired)}: rebuild them"
    assert recompute_and_compare(t, tmp_path, shared_data, seed=SEED) >= sum(bool(s.classes) for s in t.shards)


def test_the_check_finds_a_changed_value(built, tmp_path, shared_data):
    import dataclasses
    import shutil

    from archrank.tables.shard import read_shard, write_shard

    out = tmp_path / "changed"
    shutil.copytree(built, out)
    for f in out.glob("shard-*.npz"):
        s = read_shard(f)
        if s.archs:
            c = s.columns["params"]
            s.columns["params"] = dataclasses.replace(c, values=c.values * np.float32(1.001))
            write_shard(s, out)
    with pytest.raises(AssertionError, match="params on"):
        recompute_and_compare(open_table(out), tmp_path, shared_data)


def test_every_shard_is_checked_and_a_rotating_sample_deeply(built):
    import dataclasses
    from types import SimpleNamespace

    t = open_table(built)
    (one,) = [s for s in t.shards if s.classes]
    # a table of five filled shards: copies of the filled one, each with its own architecture names
    shards = [dataclasses.replace(one, index=k, archs=[f"{a}@{k}" for a in one.archs]) for k in range(5)]
    five = SimpleNamespace(served=t.served, shards=shards)
    shard_of = {a: k for k, s in enumerate(shards) for a in s.archs}
    full = _plan(five, seed=3)
    assert {shard_of[a] for a in full["params"]} == set(range(5))
    seen = set()
    for seed in range(12):
        plan = _plan(five, seed=seed, deep=2)
        assert {shard_of[a] for a in plan["params"]} == set(range(5))  # the instant column on every shard
        deep = {shard_of[a] for a in plan.get("naswot", [])}  # the costly column on the sampled shards only
        assert 1 <= len(deep) <= 2
        seen |= deep
    assert seen == set(range(5))  # the sample rotates with the seed


def test_the_plan_counts_hidden_costs_as_costly_and_leaves_dear_reference_samples_out():
    from types import SimpleNamespace

    stored = {"params": 0.0005, "flops": 0.01, "meco": 0.1, "meco_opt": 0.02, "naswot": 0.0, "lga": 8.0,
              "ntk_cond": 0.0, "az_expressivity": 1.4, "az_progressivity": 0.001, "az_trainability": 0.001,
              "az_complexity": 0.04, "az_nas": 0.02, "ranker": 0.03, "synflow": 0.01}
    archs = [f"a{i}" for i in range(4)]
    shards = [SimpleNamespace(classes=["c"], archs=[f"{a}@{k}" for a in archs], klass=[0, 0, 0, 0],
                              columns={h: SimpleNamespace(seconds=np.full(4, v, np.float32)) for h, v in stored.items()})
              for k in range(3)]
    t = SimpleNamespace(served=list(stored), shards=shards)
    seen: set[str] = set()
    for seed in range(40):
        plan = _plan(t, seed=seed, deep=3, costly_checks=1, everything=False)
        assert "az_nas" not in plan  # 50 x 1.48 s of parts: dearer than the budget
        assert len(plan["params"]) == 6  # instant: every shard
        for h in ("naswot", "ntk_cond", "ranker", "lga"):  # hidden or real cost: one costly check per run
            assert len(plan.get(h, [])) <= 1
        seen |= set(plan)
    assert {"naswot", "ntk_cond", "ranker", "lga", "az_expressivity"} <= seen  # the costly list rotates
    thorough = _plan(t, seed=0, deep=3, everything=True)
    assert all(len(thorough[h]) == 3 for h in ("az_nas", "lga", "naswot", "ranker"))  # every column, every shard


def test_the_costly_checks_keep_to_their_budget():
    from types import SimpleNamespace

    stored = {"params": 0.0005, "flops": 0.01, "meco": 0.1, "lga": 8.0, "grasp": 9.0, "fisher": 7.0}
    shards = [SimpleNamespace(classes=["c"], archs=[f"a{i}@{k}" for i in range(2)], klass=[0, 0],
                              columns={h: SimpleNamespace(seconds=np.full(2, v, np.float32)) for h, v in stored.items()})
              for k in range(4)]
    t = SimpleNamespace(served=list(stored), shards=shards)

    def costly(budget):
        plan = _plan(t, seed=0, deep=4, costly_checks=3, everything=False, budget=budget)
        return sum(len(plan.get(h, [])) for h in ("meco", "lga", "grasp", "fisher"))

    assert costly(1e9) == 3  # seed 0 takes meco, fisher and lga in turn
    assert costly(10.0) == 2  # meco and fisher (9.1 s: alone, fisher pays the pass grasp stored) fit, lga does not
    assert costly(0.0) == 1  # the first check is made whatever its cost


def test_a_column_reading_a_dear_pass_is_not_cheap_and_dear_cheap_columns_sample_fewer_shards():
    from types import SimpleNamespace

    def table(stored, n_shards):
        shards = [SimpleNamespace(classes=["c"], archs=[f"a@{k}"], klass=[0],
                                  columns={h: SimpleNamespace(seconds=np.full(1, v, np.float32)) for h, v in stored.items()})
                  for k in range(n_shards)]
        return SimpleNamespace(served=list(stored), shards=shards)

    # NB301-like: snip and knas stored almost nothing, but alone they pay the passes fisher and gradsign paid for
    stored = {"params": 0.001, "flops": 0.03, "meco_opt": 0.035, "meco": 0.18, "linear_regions": 0.045,
              "synflow": 0.008, "logsynflow": 0.34, "swap": 0.9, "snip": 0.004, "fisher": 5.5, "knas": 0.04,
              "gradsign": 7.0, "lga": 17.0}
    shard_of = lambda plan, h: {int(a.split("@")[1]) for a in plan.get(h, [])}
    plan = _plan(table(stored, 32), seed=0, deep=16, costly_checks=0, everything=False)
    assert not shard_of(plan, "snip") and not shard_of(plan, "knas")  # not among the cheap columns
    assert len(shard_of(plan, "linear_regions")) == 16  # the cheap ones (0.26 s a class together) on 16 shards
    # the same columns a hundred times dearer: one deep check costs 25.5 s, and 60 s buy 2 deep shards, not 16
    slow = {h: 100 * v for h, v in stored.items()}
    plan = _plan(table(slow, 32), seed=0, deep=16, costly_checks=0, everything=False)
    assert len(shard_of(plan, "linear_regions")) == 2 and len(shard_of(plan, "params")) == 32
    # the thorough check keeps every sampled shard
    assert len(shard_of(_plan(table(slow, 32), seed=0, deep=16, everything=True), "linear_regions")) == 16
