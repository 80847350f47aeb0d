"""Shared passes: a heuristic scored in company (one context, passes computed once) equals it scored alone."""

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
EXTRAS = {"az_reference_size": 3}


def _training_free() -> list[str]:
    return [n for n in HEURISTICS.names()
            if "training" not in HEURISTICS.get(n).needs and HEURISTICS.get(n).applies_to(SPACE) is None
            and HEURISTICS.get(n).fn.__module__.startswith("archrank.")]


NAMES = _training_free()


def _batch():
    g = torch.Generator().manual_seed(3)
    return torch.randn(8, 3, 32, 32, generator=g), torch.randint(0, 10, (8,), generator=g)


def _context(arch: str) -> ScoreContext:
    x, y = _batch()
    return ScoreContext(arch=SPACE.parse(arch), space=SPACE, inputs=x, targets=y, num_classes=10, seed=1,
                        extras=dict(EXTRAS))


def _outcome(name: str, ctx: ScoreContext):
    try:
        return evaluate(HEURISTICS.get(name), ctx).value
    except Exception as e:  # noqa: BLE001 - a failure must be the same failure in company
        return f"{type(e).__name__}: {e}"


def _same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or math.isclose(a, b, rel_tol=1e-5, abs_tol=1e-9)


@pytest.fixture(scope="module")
def shared_values() -> dict[tuple[str, str, str], object]:
    """Every training-free heuristic on each architecture in one context, in registry and reversed order
    (a pass changed in place by one heuristic would then show in the other order)."""
    torch.set_num_threads(1)
    out = {}
    for arch in ARCHS:
        for order, names in (("forward", NAMES), ("reversed", NAMES[::-1])):
            ctx = _context(arch)
            for n in names:
                out[(arch, n, order)] = _outcome(n, ctx)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_shared_evaluation_equals_standalone(name, shared_values):
    for arch in ARCHS:
        alone = _outcome(name, _context(arch))
        for order in ("forward", "reversed"):
            together = shared_values[(arch, name, order)]
            assert _same(alone, together), (name, arch, order, alone, together)


def test_shared_computes_once_and_keeps_failures():
    ctx = _context(ARCHS[0])
    calls = []
    assert ctx.shared(("k", 1), lambda: calls.append(1) or 5) == 5
    assert ctx.shared(("k", 1), lambda: calls.append(1) or 6) == 5
    assert ctx.shared(("k", 2), lambda: calls.append(1) or 7) == 7
    assert len(calls) == 2

    def boom():
        calls.append("boom")
        raise ValueError("bad pass")

    for _ in range(2):
        with pytest.raises(ValueError, match="bad pass"):
            ctx.shared(("boom",), boom)
    assert calls.count("boom") == 1


def test_a_pass_is_computed_once_for_all_its_heuristics(monkeypatch):
    from archrank.heuristics import passes

    calls = []
    real = passes._loss_grads
    monkeypatch.setattr(passes, "_loss_grads", lambda ctx, name: calls.append(name) or real(ctx, name))
    ctx = _context(ARCHS[0])
    for n in ("grad_norm", "snip", "fisher", "nasi", "plain"):
        evaluate(HEURISTICS.get(n), ctx)
    assert calls == ["grad_norm"]


def test_score_arch_shares_one_context(monkeypatch):
    """A scoring task computes a pass once for all the heuristics of an architecture."""
    from archrank.heuristics import passes
    from archrank.run import ScoreSetting
    from archrank.run.score_task import ScoringTask, score_arch

    calls = []
    real = passes._loss_grads
    monkeypatch.setattr(passes, "_loss_grads", lambda ctx, name: calls.append(name) or real(ctx, name))
    x, y = _batch()
    task = ScoringTask(setting=ScoreSetting("nb201", batch_size=8), inputs=x, targets=y, num_classes=10)
    results = score_arch((ARCHS[0], ("snip", "grad_norm", "params")), task)
    assert [r.heuristic for r in results] == ["snip", "grad_norm", "params"]
    assert all(r.error is None and r.seconds >= 0 for r in results)
    assert calls == ["snip"]


def test_score_arch_releases_a_pass_after_its_last_reader_with_the_same_values(monkeypatch):
    from archrank.heuristics import passes
    from archrank.run import ScoreSetting
    from archrank.run.score_task import ScoringTask, score_arch

    calls, released, seen = [], [], []
    real, real_eval = passes._loss_grads, ScoreContext.release
    monkeypatch.setattr(passes, "_loss_grads", lambda ctx, name, graph=False: calls.append(name) or real(ctx, name, graph))

    def release(ctx, name):
        held = real_eval(ctx, name)
        if held:
            released.append((name, len(seen)))
        return held

    monkeypatch.setattr(ScoreContext, "release", release)
    import archrank.heuristics as H
    monkeypatch.setattr(H, "evaluate", lambda h, ctx: seen.append(h.name) or real_evaluate(h, ctx))
    x, y = _batch()
    task = ScoringTask(setting=ScoreSetting("nb201", batch_size=8, seed=1), inputs=x, targets=y, num_classes=10)
    names = ("snip", "gradsign", "params", "grasp", "fisher", "knas", "flops")
    out = score_arch((ARCHS[0], names), task)
    assert [r.heuristic for r in out] == list(names)  # results in the order asked
    results = {r.heuristic: r.value for r in out}
    assert calls == ["snip"]  # one forward and backward, its graph kept for grasp
    # the readers of a large pass are evaluated together after its first: snip, grasp, fisher, then gradsign,
    # knas, then params, flops; loss_grads (and its graph) go after fisher, per_sample_grads after knas
    assert seen == ["snip", "grasp", "fisher", "gradsign", "knas", "params", "flops"]
    assert ("loss_grads", 3) in released and ("loss_grads_graph", 3) in released
    assert ("per_sample_grads", 5) in released
    for n in names:  # the values are those each heuristic gives alone
        alone = ScoreContext(arch=SPACE.parse(ARCHS[0]), space=SPACE, inputs=x, targets=y, num_classes=10, seed=1)
        assert _same(results[n], real_evaluate(HEURISTICS.get(n), alone).value), n


real_evaluate = evaluate


def test_evaluation_order_brings_a_large_pass_readers_together():
    from archrank.heuristics.passes import evaluation_order

    names = ["az_nas", "fisher", "flops", "grad_norm", "gradsign", "grasp", "knas", "meco", "snip", "plain"]
    assert evaluation_order(names) == ["az_nas", "fisher", "grad_norm", "grasp", "snip", "plain", "flops",
                                       "gradsign", "knas", "meco"]
    assert evaluation_order(["params", "naswot"]) == ["params", "naswot"]
    assert evaluation_order(["snip", "snip", "params"]) == ["snip", "params"]


@pytest.mark.parametrize("name", NAMES)
def test_every_heuristic_that_reads_a_released_pass_is_among_its_readers(name):
    """A reader missing from passes.READERS would compute the pass twice in a scoring run."""
    from archrank.heuristics.passes import READERS

    ctx = _context(ARCHS[0])
    ctx.wanted = frozenset({name})
    _outcome(name, ctx)
    held = {k[0] if isinstance(k, tuple) else k for k in ctx._memo}
    for p in held & set(READERS):
        assert name in READERS[p], f"{name} reads the pass {p!r} but is not among its readers"


def test_empirical_ntk_route_equals_a_loop_of_backward_passes():
    """ntk_cond / ntk_krr / lga's kernel (jacrev of the batched network, no per-image loop) equals the
    kernel from one backward pass per image of the same batched forward (batch norm on batch statistics)."""
    from archrank.heuristics.kernel_scores import _empirical_sum, _pool

    ctx = _context(ARCHS[0])
    k = _empirical_sum(ctx, "ntk_cond")
    model = ctx.build(C=8, N=1).train()
    x = _pool(ctx.inputs, 8)
    params = [p for p in model.parameters() if p.requires_grad]
    out = model(x)
    rows = []
    for i in range(x.shape[0]):
        gs = torch.autograd.grad(out[i].sum(), params, retain_graph=True, allow_unused=True)
        rows.append(torch.cat([(torch.zeros_like(p) if g is None else g).reshape(-1) for p, g in zip(params, gs)]))
    j = torch.stack(rows).double()
    torch.testing.assert_close(k, j @ j.T, rtol=1e-4, atol=1e-6)
