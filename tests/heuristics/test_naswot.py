"""NASWOT and its Euclidean variant: kernel algebra, hand-computed values, fast == reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from archrank.errors import InvalidArgument
from archrank.heuristics import HEURISTICS
from archrank.heuristics.base import ScoreContext
from archrank.heuristics.naswot import CodeDistance
from archrank.heuristics.reference import REFERENCE
from archrank.models import BUILDERS, register_builder
from archrank.spaces import get_space


class _ModelSpace:
    """A stand-in space whose architectures name stand-in models (see ``_STANDIN_MODELS``)."""

    name = "naswot_standin"


_STANDIN_MODELS = {"relu": lambda: nn.Sequential(nn.Flatten(), nn.ReLU()), "lin": lambda: nn.Flatten()}
if _ModelSpace.name not in BUILDERS:
    register_builder(_ModelSpace.name)(lambda arch, num_classes=10, **kw: _STANDIN_MODELS[arch]())


def _codes(x: np.ndarray) -> np.ndarray:
    return (x.reshape(x.shape[0], -1) > 0).astype(float)


def test_code_distance_is_hamming():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(5, 3, 4, generator=g), torch.randn(5, 7, generator=g)
    st = CodeDistance(5)
    st.add(a)
    st.add(b)
    c = np.concatenate([_codes(a.numpy()), _codes(b.numpy())], axis=1)
    expected = (c[:, None, :] != c[None, :, :]).sum(-1)
    assert st.units == 19
    np.testing.assert_array_equal(st.hamming().numpy(), expected)


@pytest.mark.parametrize("int8", [True, False])
def test_code_gram_is_exact_on_both_routes(monkeypatch, int8):
    """The int8 products (CPU) and the float32 route give the same integer Gram of the codes, channels-last
    maps included, a reused buffer too."""
    from archrank.heuristics import _codes

    monkeypatch.setattr(_codes, "_INT8", None)
    if int8 and not _codes._int8_products():
        pytest.skip("no int8 matrix products in this torch")
    monkeypatch.setattr(_codes, "_INT8", int8)
    g = torch.Generator().manual_seed(2)
    buffers: dict = {}
    for _ in range(2):
        x = torch.randn(6, 5, 7, 3, generator=g).contiguous(memory_format=torch.channels_last)
        c = (x.reshape(6, -1) > 0).double()
        got = _codes._code_gram(_codes._flat(x, 6), buffers)
        assert got.dtype == torch.float64 and torch.equal(got, c @ c.T)
    assert len(buffers) == 1


def test_shared_input_counts_once_per_relu_module():
    x = torch.randn(4, 6, generator=torch.Generator().manual_seed(1))
    shared, copies = CodeDistance(4), CodeDistance(4)
    shared.add(x)
    shared.add(x)
    copies.add(x.clone())
    copies.add(x.clone())
    assert shared.units == copies.units == 12
    torch.testing.assert_close(shared.hamming(), copies.hamming())


def test_hand_computed_scores():
    """One ReLU on the raw input: codes are the signs of the pixels."""
    x = torch.randn(6, 2, 3, 3, generator=torch.Generator().manual_seed(2))
    space = _ModelSpace()
    ctx = ScoreContext(arch="relu", space=space, inputs=x)
    c = _codes(x.numpy())
    d = (c[:, None, :] != c[None, :, :]).sum(-1).astype(float)
    n_a = c.shape[1]
    assert HEURISTICS.get("naswot").fn(ctx) == pytest.approx(np.linalg.slogdet(n_a - d)[1])
    assert HEURISTICS.get("naswot_euclid").fn(ctx) == pytest.approx(np.linalg.slogdet(n_a - np.sqrt(d))[1])
    # Identical codes for two samples make K_H singular: -inf is returned as is.
    x2 = x.clone()
    x2[1] = x2[0]
    ctx2 = ScoreContext(arch="relu", space=space, inputs=x2)
    assert HEURISTICS.get("naswot").fn(ctx2) == -math.inf


def test_model_without_relu_is_an_error():
    ctx = ScoreContext(arch="lin", space=_ModelSpace(), inputs=torch.randn(3, 4))
    with pytest.raises(InvalidArgument, match="ReLU"):
        HEURISTICS.get("naswot").fn(ctx)


@pytest.mark.parametrize("name", ["naswot", "naswot_euclid"])
@pytest.mark.parametrize("which", [0, 1, 2])
def test_fast_equals_reference_tiny(name, which, make_ctx, tiny_archs):
    ctx = make_ctx(tiny_archs[which], n=16)
    assert HEURISTICS.get(name).fn(ctx) == pytest.approx(REFERENCE[name](ctx), rel=1e-5, abs=1e-9)


@pytest.mark.slow
def test_fast_equals_reference_full_nb201():
    space = get_space("nb201")
    x = torch.randn(8, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    for index in (1, 4321):
        ctx = ScoreContext(arch=space.index_to_arch(index), space=space, inputs=x, seed=index)
        for name in ("naswot", "naswot_euclid"):
            assert HEURISTICS.get(name).fn(ctx) == pytest.approx(REFERENCE[name](ctx), rel=1e-5), (name, index)


def test_euclid_differs_from_hamming(make_ctx):
    ctx = make_ctx(n=16)
    assert HEURISTICS.get("naswot").fn(ctx) != HEURISTICS.get("naswot_euclid").fn(ctx)
