"""MeCo and meco_opt: eigenvalues by hand, fast == reference, invariants, channel sampling."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from model_doubles import FactorySpace as _ModelSpace
from torch import nn

from archrank.heuristics import HEURISTICS
from archrank.heuristics.base import ScoreContext
from archrank.heuristics.meco import (
    correlation,
    finite_sum,
    min_eigenvalues,
    min_eigenvalues_reference,
    sample_feature_maps,
    sampled_channels,
)


def test_two_channel_correlation_by_hand():
    # Pearson r of rows (1, 2, 3) and (1, 2, 4) is 0.98198...; the eigenvalues of [[1, r], [r, 1]] are 1 -+ r.
    f = torch.tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 4.0]])
    r = np.corrcoef([1, 2, 3], [1, 2, 4])[0, 1]
    assert min_eigenvalues([f]) == pytest.approx([1 - r])
    # A constant channel has NaN correlations, set to 0 (diagonal included): eigenvalues {0, 1}.
    g = torch.tensor([[5.0, 5.0, 5.0], [1.0, 0.0, 2.0]])
    torch.testing.assert_close(correlation(g), torch.tensor([[0.0, 0.0], [0.0, 1.0]], dtype=torch.float64))
    assert min_eigenvalues([g]) == pytest.approx([0.0])


def test_fast_equals_reference_on_random_and_degenerate_maps():
    gen = torch.Generator().manual_seed(0)
    feats = [torch.randn(c, n, generator=gen) for c, n in ((3, 10), (8, 4), (8, 50), (16, 9), (3, 10))]
    feats.append(torch.zeros(4, 6))
    feats.append(torch.cat([torch.ones(1, 6), torch.randn(3, 6, generator=gen)]))
    np.testing.assert_allclose(min_eigenvalues(feats), min_eigenvalues_reference(feats), atol=1e-9)


def test_fast_equals_reference_on_a_network(make_ctx, tiny_archs):
    for text in tiny_archs:
        ctx = make_ctx(text)
        feats = sample_feature_maps(ctx.build().train(), ctx.inputs)
        assert feats
        np.testing.assert_allclose(min_eigenvalues(feats), min_eigenvalues_reference(feats), atol=1e-8)


def test_invariants(make_ctx, tiny_archs):
    """Each term lies in [0, 1] (a correlation matrix is PSD with trace = rank-weighted channels <= c), so
    0 <= meco <= number of module calls; every feature is one sample's (channels x positions) map."""
    for text in tiny_archs:
        ctx = make_ctx(text)
        feats = sample_feature_maps(ctx.build().train(), ctx.inputs)
        lam = min_eigenvalues(feats)
        assert all(-1e-9 <= v <= 1 + 1e-9 for v in lam)
        assert -1e-9 <= HEURISTICS.get("meco").fn(ctx) <= len(feats)


def test_one_sample_is_used(make_ctx):
    ctx = make_ctx()
    other = ScoreContext(arch=ctx.arch, space=ctx.space, inputs=torch.cat([ctx.inputs[:1], -ctx.inputs[1:]]),
                         seed=ctx.seed)
    assert HEURISTICS.get("meco").fn(ctx) == HEURISTICS.get("meco").fn(other)


def test_hand_computed_single_layer_network():
    torch.manual_seed(0)
    conv = nn.Conv2d(2, 3, 1, bias=False)
    space = _ModelSpace(lambda: conv)
    x = torch.randn(2, 2, 3, 3)
    ctx = ScoreContext(arch="conv", space=space, inputs=x)
    f = conv(x[:1])[0].detach().reshape(3, -1).double().numpy()
    expected = np.linalg.eigvalsh(np.corrcoef(f)).min()
    assert HEURISTICS.get("meco").fn(ctx) == pytest.approx(expected, abs=1e-6)


def test_channel_sampling():
    gen = torch.Generator().manual_seed(1)
    feats = [torch.randn(20, 30, generator=gen), torch.randn(5, 30, generator=gen)]
    picked, scales = sampled_channels(feats, seed=3)
    assert picked[0].shape == (8, 30) and scales == [20 / 8, 1.0]
    assert torch.equal(picked[1], feats[1])
    rows = {tuple(r.tolist()) for r in feats[0]}
    assert all(tuple(r.tolist()) in rows for r in picked[0])
    again, _ = sampled_channels(feats, seed=3)
    assert torch.equal(again[0], picked[0])


def test_finite_sum_drops_nan_and_inf():
    assert finite_sum([1.0, float("nan"), float("inf"), 2.0]) == 3.0


def test_meco_opt_deterministic(make_ctx):
    h = HEURISTICS.get("meco_opt")
    assert h.fn(make_ctx(seed=2)) == h.fn(make_ctx(seed=2))


def test_no_more_positions_than_channels_is_exactly_singular():
    # Centred rows of p positions span at most p - 1 dimensions: lambda_min is 0 for c >= p, whatever the data;
    # the decomposition (the reference) agrees up to rounding.
    gen = torch.Generator().manual_seed(3)
    feats = [torch.randn(c, p, generator=gen) for c, p in ((5, 5), (6, 3), (4, 1), (64, 16))]
    assert min_eigenvalues(feats) == [0.0, 0.0, 0.0, 0.0]
    np.testing.assert_allclose(min_eigenvalues_reference(feats), 0.0, atol=1e-9)
    # One position more than channels: a generic matrix is no longer singular.
    (lam,) = min_eigenvalues([torch.randn(5, 6, generator=gen)])
    assert lam > 1e-6
