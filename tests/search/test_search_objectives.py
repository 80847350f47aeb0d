"""Objectives that compute: live heuristic scores written to the store, training and supernet objectives."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from archrank.search.benchmark_objective import BenchmarkObjective
from archrank.search.heuristic_objective import heuristic_objective
from archrank.spaces import get_space

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_live_heuristic_score_is_charged_and_stored(tmp_path):
    from archrank.store import open_store

    sp = get_space("nb201")
    arch = sp.parse(ARCH)
    with open_store(tmp_path / "live.db") as st:
        h = heuristic_objective(sp, "params", store=st, live=True)
        ev = h.evaluate(arch)
        assert ev.value > 0 and ev.cost > 0 and h.stats == {"stored": 0, "live": 1, "wall": 1}
        recs = st.scores(space="nb201", heuristic="params")
        assert [(r.arch, r.value, r.seconds) for r in recs] == [(ARCH, ev.value, ev.cost)]
        # a second objective over the same store reads the stored score and charges the stored seconds
        h2 = heuristic_objective(sp, "params", store=st, live=False)
        ev2 = h2.evaluate(arch)
        assert (ev2.value, ev2.cost) == (ev.value, ev.cost) and h2.stats["stored"] == 1


def test_stored_failure_is_not_a_score(tmp_path):
    from archrank.errors import DataError
    from archrank.store import ScoreRecord, open_store

    sp = get_space("nb201")
    arch = sp.parse(ARCH)
    with open_store(tmp_path / "failed.db") as st:
        st.put_scores([ScoreRecord("nb201", ARCH, "params", "cifar10", 64, 0, math.nan, 0.1, None,
                                   "RuntimeError: out of memory")])
        with pytest.raises(DataError, match="no stored 'params' score"):  # not read back as a NaN score
            heuristic_objective(sp, "params", store=st, live=False).evaluate(arch)
        h = heuristic_objective(sp, "params", store=st, live=True)
        ev = h.evaluate(arch)  # computed live instead
        assert math.isfinite(ev.value) and ev.value > 0 and h.stats["live"] == 1
        (rec,) = st.scores(space="nb201", heuristic="params")
        assert rec.error is None and rec.value == ev.value  # the live score replaced the failure


def test_store_with_several_settings_must_be_chosen(tmp_path):
    from archrank.errors import InvalidArgument
    from archrank.store import ScoreRecord, open_store

    sp = get_space("nb201")
    with open_store(tmp_path / "two.db") as st:
        st.put_scores([ScoreRecord("nb201", ARCH, "params", "cifar10", 64, 0, 1.0, 0.1),
                       ScoreRecord("nb201", ARCH, "params", "cifar10", 128, 0, 1.0, 0.1)])
        with pytest.raises(InvalidArgument, match="several settings"):
            heuristic_objective(sp, "params", store=st)
        h = heuristic_objective(sp, "params", store=st, batch_size=128, live=False)
        assert h.setting.batch_size == 128 and h.evaluate(sp.parse(ARCH)).cost == 0.1


def test_benchmark_objective_reads_nb201(shared_data):
    sp = get_space("nb201")
    b = BenchmarkObjective.from_csv(shared_data / "nb201" / "nb201_cifar10.csv", sp)
    ev = b.evaluate(sp.index_to_arch(6111))  # the table's best c10_test_200
    assert ev.report == pytest.approx(94.3733) and b.best_report == pytest.approx(94.3733)
    assert 0 < ev.cost < 1000 and 0 < ev.value < 100


def test_supernet_objective_trains_and_scores_a_child():
    from archrank.search.training_objectives import SupernetObjective
    from archrank.train.supernet import Supernet

    sp = get_space("nb201")
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(32, 3, 8, 8, generator=g), torch.randint(0, 10, (32,), generator=g)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = Supernet(C=4, N=1, num_classes=10, resolution=8)
    obj = SupernetObjective(space=sp, net=net, train_data=(x, y), valid_data=(x[:16], y[:16]), train_steps=2,
                            batch_size=8, bn_images=16)
    before = [p.detach().clone() for p in net.parameters()]
    ev = obj.evaluate(sp.parse(ARCH))
    assert 0.0 <= ev.value <= 100.0 and ev.cost > 0
    assert any(not torch.equal(a, b) for a, b in zip(before, net.parameters()))  # shared weights trained


def test_training_objective_trains_from_scratch():
    from archrank.search.training_objectives import TrainingObjective
    from archrank.train.trainer import TrainConfig

    sp = get_space("nb201")
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(16, 3, 8, 8, generator=g), torch.randint(0, 10, (16,), generator=g)
    obj = TrainingObjective(space=sp, train_data=(x, y), valid_data=(x, y),
                            config=TrainConfig(epochs=1, batch_size=16, augment=False))
    ev = obj.evaluate(sp.parse("|none~0|+|skip_connect~0|none~1|+|none~0|none~1|nor_conv_1x1~2|"))
    assert math.isfinite(ev.value) and 0 <= ev.value <= 100 and ev.cost > 0 and ev.report == ev.value


def test_hierarchical_pool_fraction_widens_top_moves(toy_space, toy_objectives, toy_bench):
    from archrank.search import make_strategy, run_search

    firsts = set()
    for seed in range(6):
        strat = make_strategy("hierarchical", space=toy_space, rng=np.random.default_rng(seed), budget_seconds=200,
                              min_explore=27, chunk=27, pool_fraction=1.0)
        res = run_search(strat, toy_objectives, budget_seconds=200)
        firsts.add(next(s.arch for s in res.steps if s.fidelity == "signal"))
    assert len(firsts) > 1
