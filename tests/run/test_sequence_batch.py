"""The run layer gives sequence spaces a batch of token sequences and the vocabulary as class count."""

from __future__ import annotations

import torch

from archrank.run.context import DEFAULT_SEQ_LEN, load_task_batch
from archrank.run.setting import ScoreSetting


def test_sequence_space_gets_token_batches(shared_data):
    s = ScoreSetting("nbnlp", dataset="ptb", batch_size=3, seed=2, data_dir=shared_data)
    x, y = load_task_batch(s)
    assert x.shape == y.shape == (3, DEFAULT_SEQ_LEN) and x.dtype == torch.int64
    assert torch.equal(x[:, 1:], y[:, :-1])  # targets are the next tokens
    assert int(x.max()) < 10000
    x2, _ = load_task_batch(s)
    assert torch.equal(x, x2)
