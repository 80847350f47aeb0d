"""gradsign, knas and nasi: hand-computed reductions, fast-vs-reference agreement, invariants, data checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from archrank import metrics
from archrank.heuristics import HEURISTICS, passes
from archrank.heuristics.gradient_stats import (
    gram_mean,
    gram_mean_from_sum,
    nasi_objective,
    sign_agreement,
)
from archrank.heuristics.per_sample import per_sample_grad_stats, per_sample_grads, per_sample_grads_loop


def test_sign_agreement_by_hand():
    g = torch.tensor([[1.0, -2.0, 0.0, 3.0], [2.0, 1.0, 0.0, 1.0], [0.5, -1.0, 1.0, -4.0]])
    # columns: signs (1,1,1)->3, (-1,1,-1)->1, (0,0,1)->1, (1,1,-1)->1
    assert sign_agreement(g) == 6.0
    assert sign_agreement(g * 7.3) == 6.0  # scale-free


def test_gram_mean_forms_agree_and_equal_hand_value():
    g = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    # Gram [[1,0,1],[0,4,2],[1,2,2]] sums to 13 -> mean 13/9 ; ||sum||^2 = ||(2,3)||^2 = 13
    assert gram_mean(g) == pytest.approx(13 / 9)
    assert gram_mean_from_sum(g.sum(0), 3) == pytest.approx(13 / 9)


def test_nasi_objective_penalty():
    assert nasi_objective(5.0) == 5.0
    assert nasi_objective(5.0, mu=0.5, nu=10.0) == 5.0
    assert nasi_objective(12.0, mu=0.5, nu=10.0) == pytest.approx(11.0)
    assert nasi_objective(12.0, mu=2.0, nu=10.0) == pytest.approx(8.0)


@pytest.mark.parametrize("which", [0, 1, 2])
def test_registered_equal_reference_forms(which, make_ctx, tiny_archs):
    ctx = make_ctx(tiny_archs[which])
    model = ctx.build().train()
    ref = per_sample_grads_loop(model, ctx.inputs, ctx.targets)
    # gradsign: loop form vs vmap form (signs of float32 gradients: allow a handful of near-zero flips)
    assert HEURISTICS.get("gradsign").fn(ctx) == pytest.approx(sign_agreement(ref), rel=2e-3)
    # knas: explicit Gram of the loop-form gradients vs the fast summed form
    assert HEURISTICS.get("knas").fn(ctx) == pytest.approx(gram_mean(ref), rel=1e-4)


def test_the_pass_reduces_chunks_of_samples_to_the_matrix_values(make_ctx):
    """The per-sample pass never forms the (N, P) matrix (64 x 49.1M floats on NB101's largest cell): it sums
    signs and gradients over chunks of samples.  gradsign is the matrix's value exactly (integer sums) for any
    chunk size; knas's column sums equal the matrix's to float32 rounding."""
    ctx = make_ctx(n=6)
    joined = per_sample_grads(ctx.build().train(), ctx.inputs, ctx.targets)
    stats = passes.per_sample_grads(ctx, "gradsign")
    sizes = [m.weight.numel() for m in ctx.build().modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    assert [t.shape[0] for t in stats.sign_sums] == sizes and stats.n == 6
    assert torch.equal(torch.cat(stats.sign_sums), torch.sign(joined).sum(0))
    assert HEURISTICS.get("gradsign").fn(ctx) == sign_agreement(joined)
    # the whole batch fits: knas reads the joined matrix's column sums, bit for bit as before
    assert torch.equal(passes.summed_sample_grad(ctx, "knas"), joined.sum(0))
    assert HEURISTICS.get("knas").fn(ctx) == pytest.approx(gram_mean(joined), rel=1e-5)
    for chunk in (1, 4, 6, 64):
        other = per_sample_grad_stats(ctx.build().train(), ctx.inputs, ctx.targets, chunk_size=chunk)
        assert all(torch.equal(a, b) for a, b in zip(other.sign_sums, stats.sign_sums))
        assert gram_mean_from_sum(other.column_sums, 6) == pytest.approx(gram_mean(joined), rel=1e-5)


def test_the_default_chunk_is_the_whole_batch_where_it_fits_else_a_power_of_two():
    from archrank.heuristics.per_sample import STATS_BYTES, _default_chunk

    assert _default_chunk(64, 4 * 1_100_000) == 64  # NB201's largest network
    assert _default_chunk(64, 4 * 5_951_640) == 64  # NDS's largest (1000-way head): 1.42 GiB
    assert _default_chunk(64, 4 * 7_942_538) == 32  # a median NB101 cell: 2.0 GB
    assert _default_chunk(64, 4 * 49_105_546) == 8  # NB101's largest
    assert _default_chunk(64, STATS_BYTES * 4) == 1


def test_gradsign_bounds_and_determinism(make_ctx):
    ctx = make_ctx(n=6)
    g = per_sample_grads(ctx.build().train(), ctx.inputs, ctx.targets)
    v = HEURISTICS.get("gradsign").fn(ctx)
    assert 0 < v <= 6 * g.shape[1]
    assert v == HEURISTICS.get("gradsign").fn(ctx)
    assert v != HEURISTICS.get("gradsign").fn(make_ctx(n=6, seed=1))


def test_nasi_is_squared_batch_gradient_norm_and_reads_extras(make_ctx):
    ctx = make_ctx()
    model = ctx.build().train()
    loss = torch.nn.functional.cross_entropy(model(ctx.inputs), ctx.targets)
    loss.backward()
    by_hand = sum(float(m.weight.grad.double().pow(2).sum()) for m in model.modules()
                  if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)))
    t = HEURISTICS.get("nasi").fn(ctx)
    assert t == pytest.approx(by_hand, rel=1e-5)
    ctx.extras.update(nasi_nu=t / 2, nasi_mu=1.0)
    assert HEURISTICS.get("nasi").fn(ctx) == pytest.approx(t / 2, rel=1e-5)


def test_metadata():
    for name, ref in (("gradsign", "Zhang"), ("knas", "Xu"), ("nasi", "Shu")):
        h = HEURISTICS.get(name)
        assert h.higher_is_better and {"data", "labels", "gradients"} <= h.needs
        assert ref in h.reference


@pytest.mark.slow
def test_on_real_nb201_archs(shared_data):
    from nb201_real import accuracies, contexts, sample_archs

    archs = sample_archs(shared_data, 20)
    ctxs = contexts(shared_data, archs, batch=16, C=8, N=1)
    acc = accuracies(shared_data)
    for name in ("gradsign", "knas", "nasi"):
        v = np.array([HEURISTICS.get(name).fn(c) for c in ctxs])
        assert np.isfinite(v).all() and np.unique(v).size > 10, name
        rho = metrics.spearman(v, np.array([acc[a] for a in archs]))
        assert not math.isnan(rho)
