"""Training checkpoints: atomic writes, and nothing loaded from a checkpoint of another training."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from archrank.errors import DataError, InvalidArgument
from archrank.train.checkpoint import read_checkpoint, save_atomic, write_checkpoint


def _parts(seed: int):
    torch.manual_seed(seed)
    model = nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return model, opt, torch.Generator().manual_seed(seed)


def _write(path, owner):
    model, opt, gen = _parts(0)
    write_checkpoint(path, model=model, optimizer=opt, generator=gen, epoch=2, seconds=1.5,
                     history=[{"epoch": 1}, {"epoch": 2}], config={"epochs": 4}, owner=owner, data_shape=[8, 3])
    return model


def test_save_atomic_leaves_only_the_file(tmp_path):
    path = tmp_path / "sub" / "c.pt"
    save_atomic({"a": 1}, path)
    save_atomic({"a": 2}, path)
    assert [p.name for p in path.parent.iterdir()] == ["c.pt"]
    assert torch.load(path, weights_only=False) == {"a": 2}


def test_read_restores_the_state_it_wrote(tmp_path):
    path = tmp_path / "c.pt"
    written = _write(path, {"arch": "a"})
    model, opt, gen = _parts(1)
    done = read_checkpoint(path, model=model, optimizer=opt, generator=gen, config={"epochs": 4},
                           owner={"arch": "a"}, data_shape=[8, 3])
    assert done == {"epoch": 2, "seconds": 1.5, "history": [{"epoch": 1}, {"epoch": 2}]}
    assert torch.equal(model.weight, written.weight)
    assert torch.equal(gen.get_state(), torch.Generator().manual_seed(0).get_state())


@pytest.mark.parametrize("change, message", [
    ({"owner": {"arch": "b"}}, "belongs to arch=a, not arch=b"),
    ({"config": {"epochs": 5}}, "different training configuration"),
    ({"data_shape": [9, 3]}, "training data of shape"),
])
def test_another_trainings_checkpoint_is_refused_and_nothing_loaded(tmp_path, change, message):
    path = tmp_path / "c.pt"
    _write(path, {"arch": "a"})
    model, opt, gen = _parts(1)
    before = model.weight.detach().clone()
    kw = {"config": {"epochs": 4}, "owner": {"arch": "a"}, "data_shape": [8, 3], **change}
    with pytest.raises(InvalidArgument, match=message):
        read_checkpoint(path, model=model, optimizer=opt, generator=gen, **kw)
    assert torch.equal(model.weight, before)


def test_a_file_that_is_not_a_checkpoint_is_a_data_error(tmp_path):
    path = tmp_path / "c.pt"
    path.write_bytes(b"not a checkpoint")
    model, opt, gen = _parts(0)
    with pytest.raises(DataError, match="cannot read checkpoint"):
        read_checkpoint(path, model=model, optimizer=opt, generator=gen, config={}, owner=None, data_shape=[8, 3])
