from __future__ import annotations

import pytest
import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.train.trainer import TrainConfig, augment_batch, evaluate_model, train


def _data(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, 8, 8, generator=g)
    y = (x[:, 0].mean((1, 2)) > 0).long()
    return x, y


def _model(seed=0):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                             nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))


def _weights(m):
    return torch.cat([p.detach().flatten() for p in m.state_dict().values() if p.dtype.is_floating_point])


CFG = TrainConfig(epochs=3, batch_size=16, lr=0.05, seed=3)


def test_same_seed_same_weights_and_metrics():
    a, b = _model(), _model()
    ra = train(a, _data(), config=CFG, valid_data=_data(32, 1))
    rb = train(b, _data(), config=CFG, valid_data=_data(32, 1))
    assert torch.equal(_weights(a), _weights(b))
    assert ra.train_loss == rb.train_loss and ra.valid_acc == rb.valid_acc
    assert ra.epochs == 3 and len(ra.history) == 3 and ra.seconds > 0
    c = _model()
    train(c, _data(), config=TrainConfig(epochs=3, batch_size=16, lr=0.05, seed=4))
    assert not torch.equal(_weights(a), _weights(c))


def test_resume_after_kill_equals_uninterrupted(tmp_path):
    full = _model()
    train(full, _data(), config=CFG)
    ck = tmp_path / "run.pt"
    part = _model()
    r1 = train(part, _data(), config=CFG, checkpoint=ck, stop_after=1)
    assert r1.epochs == 1 and ck.exists()
    fresh = _model(seed=99)  # a new process: weights come from the checkpoint
    r2 = train(fresh, _data(), config=CFG, checkpoint=ck)
    assert r2.resumed_from == 1 and r2.epochs == 3
    assert torch.equal(_weights(full), _weights(fresh))


def test_checkpoint_config_mismatch_is_an_error(tmp_path):
    ck = tmp_path / "run.pt"
    train(_model(), _data(), config=CFG, checkpoint=ck, stop_after=1)
    with pytest.raises(InvalidArgument, match="different training configuration"):
        train(_model(), _data(), config=TrainConfig(epochs=5, batch_size=16, lr=0.05, seed=3), checkpoint=ck)


def test_training_learns_and_evaluate():
    x, y = _data(256)
    m = _model()
    cfg = TrainConfig(epochs=8, batch_size=32, lr=0.1, augment=False, weight_decay=0.0)
    r = train(m, (x, y), config=cfg)
    loss, acc = evaluate_model(m, (x, y))
    assert r.history[-1].train_loss < r.history[0].train_loss
    assert acc > 70.0 and loss > 0


def test_augment_shapes_and_determinism():
    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).reshape(2, 3, 8, 8)
    a = augment_batch(x, torch.Generator().manual_seed(0), 1)
    b = augment_batch(x, torch.Generator().manual_seed(0), 1)
    assert a.shape == x.shape and torch.equal(a, b)
    # every output pixel is an input pixel or padding zero; the multiset of channel-0 values shifts only
    assert set(a.unique().tolist()) <= set(x.unique().tolist()) | {0.0}
    z = augment_batch(torch.ones(4, 1, 4, 4), torch.Generator().manual_seed(1), 2)
    assert float(z.min()) >= 0 and float(z.max()) == 1.0


def test_bad_config():
    with pytest.raises(InvalidArgument, match="epochs"):
        TrainConfig(epochs=0)
    with pytest.raises(InvalidArgument):
        train(_model(), (torch.zeros(0, 3, 8, 8), torch.zeros(0, dtype=torch.long)), config=CFG)


def test_flops_reported():
    r = train(_model(), _data(), config=TrainConfig(epochs=1, batch_size=32))
    # conv 3->4 3x3 on 8x8 (+bias) and linear 4->2 (+bias)
    assert r.forward_flops == 8 * 8 * 4 * 3 * 9 + 8 * 8 * 4 + 4 * 2 + 2
    assert r.train_flops == 3 * r.forward_flops * 64


def test_on_epoch_is_called_once_per_epoch_trained_now(tmp_path):
    calls = []
    ck = tmp_path / "run.pt"
    r = train(_model(), _data(), config=CFG, valid_data=_data(32, 1), checkpoint=ck, stop_after=2,
              on_epoch=lambda rec, total: calls.append((rec.epoch, total, rec.train_loss, rec.valid_acc, ck.exists())))
    assert [(e, t) for e, t, *_ in calls] == [(1, 3), (2, 3)]
    assert [c[2] for c in calls] == [h.train_loss for h in r.history]
    assert all(c[3] is not None and c[4] for c in calls)  # validation done and checkpoint written before the call
    calls.clear()
    train(_model(), _data(), config=CFG, checkpoint=ck, on_epoch=lambda rec, total: calls.append((rec.epoch, total)))
    assert calls == [(3, 3)]  # a resumed training reports only the epochs it trains
