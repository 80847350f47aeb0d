"""hidden_cov and the other heuristics on NAS-Bench-NLP language models (reduced width for speed)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from archrank import metrics
from archrank.errors import InvalidArgument
from archrank.heuristics import HEURISTICS, ScoreContext, evaluate
from archrank.heuristics.hidden_cov import hidden_covariance
from archrank.heuristics.jacob_cov import correlation_score
from archrank.spaces import get_space

SP = get_space("nbnlp")
SMALL = {"emsize": 16, "nhid": 24}
GRU = json.dumps({
    "r": {"op": "linear", "input": ["x", "h_prev_0"]}, "r_act": {"op": "activation_sigm", "input": ["r"]},
    "z": {"op": "linear", "input": ["x", "h_prev_0"]}, "z_act": {"op": "activation_sigm", "input": ["z"]},
    "rh": {"op": "elementwise_prod", "input": ["r_act", "h_prev_0"]},
    "h_tilde": {"op": "linear", "input": ["x", "rh"]}, "h_tilde_act": {"op": "activation_tanh", "input": ["h_tilde"]},
    "h_new_0": {"op": "blend", "input": ["z_act", "h_prev_0", "h_tilde_act"]},
})


def _batch(b=6, t=9, vocab=60, seed=0):
    g = torch.Generator().manual_seed(seed)
    stream = torch.randint(0, vocab, (b, t + 1), generator=g)
    return stream[:, :-1], stream[:, 1:]


def _ctx(recepie=GRU, **extras):
    x, y = _batch()
    return ScoreContext(arch=SP.parse(recepie), space=SP, inputs=x, targets=y, num_classes=60, seed=0,
                        dataset="ptb", extras=extras, model_kwargs=SMALL)


def test_formula_on_given_states():
    rng = np.random.default_rng(0)
    states = torch.from_numpy(rng.standard_normal((5, 4, 3)))
    units = states.reshape(-1, 3).T.numpy()
    assert hidden_covariance(states, "units") == pytest.approx(correlation_score(units))
    assert hidden_covariance(states, "batch") == pytest.approx(correlation_score(states.reshape(5, -1).numpy()))
    shared = torch.from_numpy(rng.standard_normal((1, 4, 3))).repeat(5, 1, 1) + 1e-3 * states
    assert hidden_covariance(shared, "batch") < hidden_covariance(states, "batch")  # correlated is worse
    with pytest.raises(InvalidArgument, match="valid: batch, units"):
        hidden_covariance(states, "time")


def test_hidden_cov_on_a_language_model_is_finite_deterministic_and_side_effect_free():
    h = HEURISTICS.get("hidden_cov")
    assert h.applies_to(SP) is None and h.reference.startswith("Serianni")
    rng = torch.get_rng_state().clone()
    v = evaluate(h, _ctx()).value
    assert math.isfinite(v) and v == evaluate(h, _ctx()).value
    assert torch.equal(rng, torch.get_rng_state())
    assert evaluate(h, _ctx(hidden_cov_layer=1)).value == v  # the default layer
    assert evaluate(h, _ctx(hidden_cov_layer=2)).value != v
    with pytest.raises(InvalidArgument, match="valid: 1..3"):
        evaluate(h, _ctx(hidden_cov_layer=4))


def test_image_only_heuristics_skip_sequence_spaces_in_one_line_and_the_rest_run_deterministically():
    skipped, ran = [], {}
    for name in HEURISTICS.names():
        h = HEURISTICS.get(name)
        if not h.fn.__module__.startswith("archrank."):
            continue
        why = h.applies_to(SP)
        if why:
            assert "\n" not in why and "sequence" in why
            skipped.append(name)
            continue
        torch.manual_seed(1)
        ran[name] = evaluate(h, _ctx()).value
        torch.manual_seed(2)
        state = torch.get_rng_state()
        again = evaluate(h, _ctx()).value
        # deterministic: no dropout mask or other draw of the global generator, which stays untouched
        assert again == ran[name] or (math.isnan(again) and math.isnan(ran[name])), (name, again, ran[name])
        assert torch.equal(state, torch.get_rng_state()), name
    assert {"naswot", "linear_regions", "ntk_cond", "nngp_krr", "cntk_krr"} <= set(skipped)
    assert {"grad_norm", "snip", "grasp", "fisher", "synflow", "jacob_cov", "params", "hidden_cov", "zico",
            "plain", "meco", "meco_opt"} <= set(ran)
    assert all(math.isfinite(v) for v in ran.values()), ran
    assert HEURISTICS.get("hidden_cov").applies_to(get_space("nb201")) is not None


def test_lm_loss_uses_next_tokens():
    x, y = _batch()
    bad = ScoreContext(arch=SP.parse(GRU), space=SP, inputs=x, targets=y[:, :3], num_classes=60,
                       model_kwargs=SMALL)
    with pytest.raises(InvalidArgument, match="do not match the"):
        evaluate(HEURISTICS.get("grad_norm"), bad)


@pytest.fixture
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: threads only contend on a shared machine
    yield
    torch.set_num_threads(n)


def test_spearman_with_ptb_loss_on_thirty_architectures(shared_data, one_thread):
    """A small check at reduced width on a batch of PTB test sequences; the full-size figure is in the docs."""
    from archrank.data import one_token_batch

    lines = (shared_data / "nbnlp" / "nbnlp_ptb_with_graphs.json").read_text().splitlines()
    recs = [json.loads(line.rstrip(",")) for line in lines if line.startswith("{")]
    pick = np.random.default_rng(0).choice(len(recs), 30, replace=False)
    x, y = one_token_batch("ptb", 20, 35, seed=0, data_dir=shared_data, split="test")
    h = HEURISTICS.get("hidden_cov")
    scores, loss = [], []
    for i in pick:
        r = recs[int(i)]
        ctx = ScoreContext(arch=SP.parse(r["recepie"]), space=SP, inputs=x, targets=y, num_classes=10000,
                           seed=0, dataset="ptb", model_kwargs={"emsize": 32, "nhid": 48})
        scores.append(evaluate(h, ctx).value)
        loss.append(r["ptb_test_loss"])
    assert all(math.isfinite(s) for s in scores)
    rho = metrics.spearman(scores, -np.asarray(loss))  # lower loss is better
    print(f"hidden_cov Spearman with -PTB test loss, 30 archs, width 32/48: {rho:.3f}")
    assert -1.0 <= rho <= 1.0 and len(set(scores)) > 20


def test_zico_on_a_language_model_splits_the_sequences():
    # Two halves of the batch's sequences, each with its own next-token loss: the same as zico's formula on
    # the two half-batch gradients computed here by hand.
    from archrank.heuristics._util import task_loss, weight_layers
    from archrank.heuristics.zico import zico_from_gradients

    ctx = _ctx()
    model = ctx.build().eval()  # dropout off, as for every gradient heuristic on a sequence model
    layers = weight_layers(model)
    rows = [[] for _ in layers]
    for half in (slice(0, 3), slice(3, 6)):
        part = ScoreContext(arch=ctx.arch, space=SP, inputs=ctx.inputs[half], targets=ctx.targets[half],
                            num_classes=60, seed=0, dataset="ptb", model_kwargs=SMALL)
        model.zero_grad(set_to_none=True)
        task_loss(model, part, "zico").backward()
        for i, m in enumerate(layers):
            rows[i].append(m.weight.grad.detach().reshape(-1).double().numpy().copy())
    by_hand = zico_from_gradients([np.stack(r) for r in rows])
    assert math.isfinite(by_hand)
    assert evaluate(HEURISTICS.get("zico"), ctx).value == pytest.approx(by_hand, rel=1e-9)
