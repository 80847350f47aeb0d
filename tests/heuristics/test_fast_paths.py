"""Passes merged for speed give the very numbers of the passes they replace.

A scoring run tells the context which heuristics it will ask for (``ScoreContext.wanted``); passes then
share work: grasp's Hessian product differentiates the ``loss_grads`` backward again (one forward and one
first backward for grasp, grad_norm, snip, fisher, nasi and plain), and the input-Jacobian forward gives
naswot's ReLU codes.  Each heuristic must give exactly (bit for bit) its value computed alone, in both
orders of evaluation.
"""

from __future__ import annotations

import math

import pytest
import torch

from archrank.heuristics import HEURISTICS, ScoreContext, evaluate
from archrank.spaces import get_space

SPACE = get_space("nb201")
ARCHS = (
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|",
    "|avg_pool_3x3~0|+|none~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
)
GROUPS = {
    "loss_grads_graph": ("grasp", "grad_norm", "snip", "fisher", "nasi", "plain"),
    "input_jacobian_codes": ("naswot", "naswot_euclid", "jacob_cov", "epe_nas"),
}


def _context(arch: str, wanted: tuple[str, ...] = ()) -> ScoreContext:
    g = torch.Generator().manual_seed(5)
    x, y = torch.randn(16, 3, 32, 32, generator=g), torch.randint(0, 10, (16,), generator=g)
    return ScoreContext(arch=SPACE.parse(arch), space=SPACE, inputs=x, targets=y, num_classes=10, seed=2,
                        wanted=frozenset(wanted))


def _value(name: str, ctx: ScoreContext) -> float:
    return evaluate(HEURISTICS.get(name), ctx).value


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_merged_pass_is_the_only_forward_in_either_order(group, monkeypatch):
    from archrank.heuristics import naswot, passes

    calls = []
    real_codes, real_jac, real_grads = naswot.relu_code_distance, passes._input_jacobian, passes._loss_grads
    monkeypatch.setattr(naswot, "relu_code_distance", lambda *a, **k: calls.append("codes") or real_codes(*a, **k))
    monkeypatch.setattr(passes, "_input_jacobian", lambda *a, **k: calls.append("jacobian") or real_jac(*a, **k))
    monkeypatch.setattr(passes, "_loss_grads", lambda *a, **k: calls.append("grads") or real_grads(*a, **k))
    names = GROUPS[group]
    for order in (names, names[::-1]):
        calls.clear()
        ctx = _context(ARCHS[0], order)
        for n in order:
            _value(n, ctx)
        assert len(calls) == 1, (order, calls)


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_merged_pass_equals_separate_passes_bit_for_bit(group):
    torch.set_num_threads(1)
    names = GROUPS[group]
    for arch in ARCHS:
        alone = {n: _value(n, _context(arch)) for n in names}
        for order in (names, names[::-1]):
            ctx = _context(arch, order)
            together = {n: _value(n, ctx) for n in order}
            assert (group,) in ctx._memo, f"the merged pass {group} was not used"
            for n in names:
                assert _same(alone[n], together[n]), (n, arch, order, alone[n], together[n])


def test_merged_passes_are_used_only_when_both_sides_are_wanted():
    ctx = _context(ARCHS[0], ("naswot", "grad_norm"))
    _value("naswot", ctx), _value("grad_norm", ctx)
    assert ("input_jacobian_codes",) not in ctx._memo and ("loss_grads_graph",) not in ctx._memo


def test_grasp_twice_on_one_context_recomputes_its_graph():
    ctx = _context(ARCHS[0], ("grasp", "snip"))
    first = _value("grasp", ctx)
    assert _same(first, _value("grasp", ctx))


def test_pass_seconds_profile_the_passes():
    ctx = _context(ARCHS[0], GROUPS["loss_grads_graph"])
    for n in GROUPS["loss_grads_graph"]:
        _value(n, ctx)
    assert {"loss_grads_graph", "loss_grads", "build"} <= set(ctx.pass_seconds)
    assert all(s >= 0 for s in ctx.pass_seconds.values())
    # Exclusive times: the build inside the graph pass is not counted twice.
    assert ctx.pass_seconds["loss_grads"] < ctx.pass_seconds["loss_grads_graph"]
