"""Per-sample gradients: the vectorised pass equals one backward per image; the summed form equals the sum."""

from __future__ import annotations

import torch
from torch import nn

from archrank.heuristics.per_sample import per_sample_grads, per_sample_grads_loop, summed_sample_grad
from archrank.models.registry import build_model


def test_vmap_equals_loop_on_tiny_nb201(tiny_space, tiny_archs):
    x = torch.randn(5, 3, 16, 16, generator=torch.Generator().manual_seed(0)).double()
    y = torch.tensor([0, 1, 2, 1, 0])
    for a in tiny_archs:
        m = build_model(tiny_space, a, 10, seed=0).train().double()
        fast, ref = per_sample_grads(m, x, y), per_sample_grads_loop(m, x, y)
        assert fast.shape == ref.shape == (5, sum(p.numel() for n, p in m.named_parameters()
                                                   if "weight" in n and p.dim() > 1))
        torch.testing.assert_close(fast, ref, rtol=1e-9, atol=1e-12)
        torch.testing.assert_close(summed_sample_grad(m, x, y), ref.sum(0), rtol=1e-9, atol=1e-12)
        # batch norm ran on a copy: the model's running statistics are untouched
        assert all(float(b.running_mean.abs().sum()) == 0 for b in m.modules() if isinstance(b, nn.BatchNorm2d))


def test_linear_model_by_hand():
    # Logits W x for one linear layer: dL/dW = (softmax(Wx) - onehot(y)) x^T.
    torch.manual_seed(0)
    m = nn.Linear(3, 2, bias=False).double()
    x = torch.randn(4, 3, dtype=torch.float64)
    y = torch.tensor([0, 1, 1, 0])
    p = torch.softmax(x @ m.weight.detach().T, dim=1)
    p[torch.arange(4), y] -= 1
    expected = torch.einsum("no,ni->noi", p, x).reshape(4, -1)
    torch.testing.assert_close(per_sample_grads(m, x, y), expected)
