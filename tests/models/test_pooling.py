"""The depthwise-convolution average pooling equals ``nn.AvgPool2d(count_include_pad=False)``."""

import pytest
import torch
from torch import nn
from torch.func import grad, vmap

from archrank.models.pooling import ExcludePadAvgPool2d


@pytest.mark.parametrize("kernel,stride,padding,shape", [
    (3, 1, 1, (4, 16, 32, 32)),
    (3, 2, 1, (3, 8, 15, 15)),
    (5, 1, 2, (2, 4, 9, 11)),
    (2, 2, 0, (2, 3, 8, 8)),
    (3, 1, 0, (1, 2, 7, 7)),
])
def test_equals_torch_pooling_forward_and_backward(kernel, stride, padding, shape):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(*shape, generator=g, dtype=torch.float64, requires_grad=True)
    ref = nn.AvgPool2d(kernel, stride=stride, padding=padding, count_include_pad=False)
    fast = ExcludePadAvgPool2d(kernel, stride=stride, padding=padding, count_include_pad=False)
    y_ref, y_fast = ref(x), fast(x)
    assert y_fast.shape == y_ref.shape
    torch.testing.assert_close(y_fast, y_ref, rtol=0, atol=1e-12)
    cot = torch.randn(y_ref.shape, generator=g, dtype=torch.float64)
    (g_ref,) = torch.autograd.grad(y_ref, x, cot)
    (g_fast,) = torch.autograd.grad(y_fast, x, cot)
    torch.testing.assert_close(g_fast, g_ref, rtol=0, atol=1e-12)


def test_float32_matches_to_rounding_and_padding_is_left_out():
    x = torch.ones(2, 3, 6, 6)
    y = ExcludePadAvgPool2d(3, stride=1, padding=1)(x)
    assert torch.equal(y, torch.ones_like(y))  # corners average 4 pixels, edges 6: all exactly 1
    x = torch.randn(8, 16, 32, 32, generator=torch.Generator().manual_seed(1))
    ref = nn.AvgPool2d(3, 1, 1, count_include_pad=False)(x)
    torch.testing.assert_close(ExcludePadAvgPool2d(3, 1, 1)(x), ref, rtol=1e-6, atol=1e-6)


def test_counted_padding_and_ceil_mode_use_torch_route():
    x = torch.randn(2, 3, 7, 7, generator=torch.Generator().manual_seed(2))
    for kw in ({"count_include_pad": True}, {"ceil_mode": True, "count_include_pad": False},
               {"divisor_override": 4, "count_include_pad": False}):
        ref = nn.AvgPool2d(3, 2, 1, **kw)(x)
        assert torch.equal(ExcludePadAvgPool2d(3, 2, 1, **kw)(x), ref)


def test_no_state_and_double_backward_and_vmap():
    pool = ExcludePadAvgPool2d(3, 1, 1)
    assert pool.state_dict() == {} and not list(pool.parameters())
    assert isinstance(pool, nn.AvgPool2d)
    x = torch.randn(2, 3, 5, 5, dtype=torch.float64, requires_grad=True)
    (g1,) = torch.autograd.grad((pool(x) ** 2).sum(), x, create_graph=True)
    (g2,) = torch.autograd.grad(g1.sum(), x)
    ref = nn.AvgPool2d(3, 1, 1, count_include_pad=False)
    (r1,) = torch.autograd.grad((ref(x) ** 2).sum(), x, create_graph=True)
    (r2,) = torch.autograd.grad(r1.sum(), x)
    torch.testing.assert_close(g2, r2)
    # Per-sample gradients under vmap (the per_sample_grads pass runs models this way).
    xs = torch.randn(4, 3, 5, 5, dtype=torch.float64)
    per = vmap(grad(lambda xi: (pool(xi.unsqueeze(0)) ** 2).sum()))(xs)
    loop = torch.stack([_loop_grad(ref, xi) for xi in xs])
    torch.testing.assert_close(per, loop)


def _loop_grad(pool, xi):
    xi = xi.unsqueeze(0).clone().requires_grad_(True)
    (g,) = torch.autograd.grad((pool(xi) ** 2).sum(), xi)
    return g[0]


def test_constants_made_under_inference_mode_still_serve_autograd():
    # A first call inside inference mode (naswot's forward) must not leave inference tensors in the cache.
    from archrank.models import pooling

    pooling._ones.cache_clear()
    pooling._counts.cache_clear()
    pool = ExcludePadAvgPool2d(3, 1, 1)
    x = torch.randn(2, 5, 9, 9)
    with torch.inference_mode():
        first = pool(x)
    xg = x.clone().requires_grad_(True)
    y = pool(xg)
    (g,) = torch.autograd.grad(y.sum(), xg)
    assert torch.equal(y.detach(), first)
    ref = nn.AvgPool2d(3, 1, 1, count_include_pad=False)
    (r,) = torch.autograd.grad(ref(xg).sum(), xg)
    torch.testing.assert_close(g, r)
