"""Structural heuristics of class members are scored after their representative, with the class's values."""

from __future__ import annotations

import math

import pytest
import torch

from archrank.heuristics import HEURISTICS, ScoreContext, member_value
from archrank.run import ScoreSetting, run_scoring
from archrank.run.selection import identities
from archrank.spaces import get_space
from archrank.store import open_store

SPACE = get_space("nb201")
# Two members of one canonical class (the pooling edge into node 1 feeds nothing that reaches the output
# once both edges leaving node 1 are 'none'), and one architecture of another class.
SAME_CLASS = (
    "|avg_pool_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|",
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|none~1|nor_conv_1x1~2|",
)
OTHER = "|nor_conv_1x1~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_3x3~0|none~1|skip_connect~2|"


def _batch():
    g = torch.Generator().manual_seed(0)
    return torch.randn(8, 3, 32, 32, generator=g), torch.randint(0, 10, (8,), generator=g)


def test_fixture_architectures_share_a_class():
    ids = identities(SPACE, [SPACE.parse(a) for a in (*SAME_CLASS, OTHER)])
    assert ids[0][1] == ids[1][1] != ids[2][1]


def test_member_value_reads_class_values_of_invariant_heuristics_only():
    x, y = _batch()
    ctx = ScoreContext(arch=SPACE.parse(SAME_CLASS[1]), space=SPACE, inputs=x, targets=y)
    ctx.class_values = {"swap": 7.0, "params": 1.0}
    assert member_value(ctx, "swap") == 7.0  # invariant: the class's value
    assert member_value(ctx, "params") == HEURISTICS.get("params").fn(ctx)  # structural: always computed
    fresh = ScoreContext(arch=ctx.arch, space=SPACE, inputs=x, targets=y)
    assert member_value(fresh, "swap") == HEURISTICS.get("swap").fn(fresh)


def test_members_scored_with_class_values_equal_standalone(tmp_path):
    x, y = _batch()
    setting = ScoreSetting("nb201", batch_size=8, seed=0)
    names = ["swap", "swap_reg", "az_complexity", "az_trainability", "params"]
    db = tmp_path / "r.db"
    s = run_scoring(setting, archs=str(_archs_file(tmp_path)), heuristics=names, store=str(db),
                    batch=(x, y), num_classes=10, progress=False)
    assert s.status == "finished"
    # swap and az_trainability once per class (2 classes), the structural ones once per architecture (3)
    assert s.computed == 2 * 2 + 3 * 3
    with open_store(db) as store:
        got = {(r.arch, r.heuristic): r for r in store.scores(space="nb201", dataset="cifar10", batch_size=8, seed=0)}
    assert len(got) == 3 * len(names)
    for text in (*SAME_CLASS, OTHER):
        arch = SPACE.format(SPACE.parse(text))
        ctx = ScoreContext(arch=SPACE.parse(text), space=SPACE, inputs=x, targets=y, seed=0)
        for n in ("swap_reg", "az_complexity", "params"):
            alone = HEURISTICS.get(n).fn(ctx)
            assert math.isclose(got[(arch, n)].value, alone, rel_tol=1e-6), (text, n)
            assert got[(arch, n)].computed
    a, b = (SPACE.format(SPACE.parse(t)) for t in SAME_CLASS)
    assert got[(a, "swap")].value == got[(b, "swap")].value
    assert got[(a, "swap_reg")].value != pytest.approx(got[(b, "swap_reg")].value)  # parameters differ


def _archs_file(tmp_path):
    f = tmp_path / "archs.txt"
    f.write_text("\n".join((*SAME_CLASS, OTHER)) + "\n")
    return f
