from __future__ import annotations

import pytest
import torch

from archrank.errors import DataError, InvalidArgument
from archrank.heuristics import HEURISTICS, ScoreContext, evaluate
from archrank.train.supernet import (
    OPS,
    Supernet,
    load_supernet,
    parse_ops,
    sample_ops,
    save_supernet,
    score_child,
    supernet_from_extras,
    train_supernet,
)

ARCH = "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"


def _data(n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, 16, 16, generator=g), torch.randint(0, 3, (n,), generator=g)


def _net(seed=0):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return Supernet(C=4, N=1, num_classes=3, resolution=8)


def _flat(net):
    return torch.cat([v.flatten().float() for v in net.state_dict().values()])


def test_one_weight_set_per_edge_and_op():
    net = _net()
    cells = [m for m in net.cells if hasattr(m, "edges")]
    assert len(cells) == 3 and len(cells[0].edges) == 6
    assert sorted(cells[0].edges[0].keys()) == sorted(o for o in OPS if o != "none")


def test_training_deterministic_and_changes_weights():
    a, b = _net(), _net()
    before = _flat(a).clone()
    ra = train_supernet(a, _data(48, 0), epochs=1, batch_size=16, seed=1)
    train_supernet(b, _data(48, 0), epochs=1, batch_size=16, seed=1)
    assert ra.steps == 3 and ra.seconds > 0
    assert torch.equal(_flat(a), _flat(b)) and not torch.equal(_flat(a), before)


def test_score_child_deterministic_and_leaves_weights(tmp_path):
    net = _net()
    train_supernet(net, _data(48, 0), epochs=1, batch_size=16, seed=1)
    params = [p.detach().clone() for p in net.parameters()]
    s1 = score_child(net, ARCH, _data(40, 2), _data(30, 3), bn_images=32, seed=0)
    s2 = score_child(net, parse_ops(ARCH), _data(40, 2), _data(30, 3), bn_images=32, seed=0)
    assert 0.0 <= s1 <= 100.0 and s1 == s2
    assert all(torch.equal(p, q) for p, q in zip(params, net.parameters()))
    path = tmp_path / "super.pt"
    save_supernet(net, path, note="x")
    again = load_supernet(path)
    assert score_child(again, ARCH, _data(40, 2), _data(30, 3), bn_images=32, seed=0) == s1
    assert supernet_from_extras({"supernet_path": str(path)}).config == net.config


def test_all_none_child_and_sampling():
    net = _net()
    s = score_child(net, ["none"] * 6, _data(16, 2), _data(12, 3), bn_images=16)
    assert 0.0 <= s <= 100.0
    g1, g2 = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    draws = [sample_ops(g1) for _ in range(30)]
    assert draws == [sample_ops(g2) for _ in range(30)]
    assert len({op for d in draws for op in d}) == len(OPS)


def test_errors(tmp_path):
    with pytest.raises(InvalidArgument):
        parse_ops("|conv~0|")
    with pytest.raises(DataError):
        load_supernet(tmp_path / "none.pt")
    with pytest.raises(InvalidArgument, match="supernet"):
        supernet_from_extras({})


def test_weight_sharing_heuristic():
    h = HEURISTICS.get("weight_sharing")
    assert h.needs == frozenset({"data", "labels", "training"})

    class Space:
        name = "nb201"

        def format(self, arch):
            return arch

    net = _net()
    ctx = ScoreContext(arch=ARCH, space=Space(), extras={"supernet": net, "train_data": _data(20, 1),
                                                         "valid_data": _data(20, 2)})
    r = evaluate(h, ctx)
    assert 0.0 <= r.value <= 100.0
