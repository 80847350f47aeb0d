"""Checks every registered heuristic passes, whoever registered it (parametrized over the registry)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

from archrank.errors import InvalidArgument
from archrank.heuristics import HEURISTICS, evaluate
from archrank.heuristics.base import NEEDS_VOCABULARY, register_heuristic

# What the common checks can give a heuristic (a batch, its labels, autograd); "training" they cannot.
_KNOWN_NEEDS = {"data", "labels", "gradients"}
_DOMAINS = ("image", "sequence", "vector")  # the values of SearchSpace.domain
# Heuristics known to be stochastic beyond the context seed would be listed here; none are.
_NONDETERMINISTIC: set[str] = set()


def _state() -> tuple:
    return (
        torch.get_default_dtype(),
        torch.is_grad_enabled(),
        torch.is_inference_mode_enabled(),
        torch.get_rng_state().clone(),
        torch.get_num_threads(),
    )




def _package_heuristics() -> list[str]:
    """Every heuristic archrank itself registers (test plugins registering toy heuristics for their own
    toy spaces are left to their own tests)."""
    return [n for n in HEURISTICS.names() if HEURISTICS.get(n).fn.__module__.startswith("archrank.")]


@pytest.mark.parametrize("name", _package_heuristics())
def test_metadata(name):
    h = HEURISTICS.get(name)
    assert h.name == name
    assert isinstance(h.higher_is_better, bool)
    assert isinstance(h.needs, frozenset)
    assert h.needs <= NEEDS_VOCABULARY, f"{name} declares unknown needs {sorted(h.needs - NEEDS_VOCABULARY)}"
    assert h.description, f"{name} has no description"
    assert h.reference.strip(), f"{name} names no reference (the paper it comes from)"
    assert h.domains is None or (h.domains and h.domains <= set(_DOMAINS)), f"{name} domains {h.domains}"


@pytest.mark.parametrize("name", _package_heuristics())
def test_applies_to_follows_the_declared_domains(name):
    h = HEURISTICS.get(name)
    for domain in _DOMAINS:
        space = SimpleNamespace(name=f"some_{domain}_space", domain=domain)
        reason = h.applies_to(space)
        if h.domains is None or domain in h.domains:
            # within its domains, only its own space check (if it has one) may rule a space out
            assert (reason is None) == (h.space_check is None or h.space_check(space) is None), (name, reason)
            if reason:
                assert "\n" not in reason and name in reason and space.name in reason
        else:
            assert isinstance(reason, str) and "\n" not in reason, (name, domain, reason)
            assert name in reason and space.name in reason
    assert (h.applies_to(SimpleNamespace(name="legacy")) is None) == (h.applies_to(SimpleNamespace(name="x", domain="image")) is None)


def test_space_checks_rule_out_the_spaces_a_definition_does_not_cover():
    from archrank.spaces import get_space, space_names

    for name in _package_heuristics():
        h = HEURISTICS.get(name)
        for sp in space_names():
            reason = h.applies_to(get_space(sp))
            assert reason is None or (name in reason and "\n" not in reason), (name, sp, reason)
    nb201, nb101 = get_space("nb201"), get_space("nb101")
    for name in ("nngp_krr", "cntk_krr", "swap_reg"):
        assert HEURISTICS.get(name).applies_to(nb201) is None
        assert "nb101" in HEURISTICS.get(name).applies_to(nb101)
    for name in ("zen", "az_expressivity", "az_trainability", "az_nas", "swap", "meco"):  # any image network
        assert HEURISTICS.get(name).applies_to(nb101) is None
    generic, mlp = get_space("generic"), get_space("generic_mlp")
    assert "pooling" in HEURISTICS.get("zen").applies_to(mlp) and HEURISTICS.get("zen").applies_to(generic) is None
    assert "chain of blocks" in HEURISTICS.get("az_expressivity").applies_to(generic)
    assert HEURISTICS.get("az_complexity").applies_to(generic) is None


def test_registration_checks_needs_against_the_vocabulary():
    assert _KNOWN_NEEDS < NEEDS_VOCABULARY
    with pytest.raises(InvalidArgument, match="unknown needs.*'weights'.*valid: data, gradients, labels"):
        register_heuristic("common_checks_bad_needs", needs=("data", "weights"))(lambda ctx: 0.0)
    assert "common_checks_bad_needs" not in HEURISTICS


@pytest.fixture(params=_package_heuristics())
def heuristic(request, tiny_space):
    h = HEURISTICS.get(request.param)
    why = h.applies_to(tiny_space)
    if why:  # e.g. hidden_cov on the tiny image space; its own tests cover its domain
        pytest.skip(why)
    extra = set(h.needs) - _KNOWN_NEEDS
    if extra:
        pytest.skip(f"{h.name} needs {sorted(extra)}, which the common checks cannot provide")
    return h


def test_scores_float_on_fresh_copies_without_global_side_effects(heuristic, make_ctx):
    ctx = make_ctx()
    before = _state()
    r1 = evaluate(heuristic, ctx)
    after = _state()
    assert before[:3] == after[:3], f"{heuristic.name} changed dtype/grad/inference mode"
    assert torch.equal(before[3], after[3]), f"{heuristic.name} changed the global torch RNG state"
    assert before[4] == after[4]
    assert isinstance(r1.value, float)
    assert math.isfinite(r1.value), f"{heuristic.name} gave {r1.value}"
    assert r1.seconds >= 0
    if heuristic.name not in _NONDETERMINISTIC:
        r2 = evaluate(heuristic, ctx)
        assert r2.value == pytest.approx(r1.value, rel=1e-6, abs=1e-9)


def test_works_without_grad_mode(heuristic, make_ctx):
    """A caller in no_grad mode gets the same score (gradient heuristics enable grad themselves)."""
    ctx = make_ctx()
    v = evaluate(heuristic, ctx).value
    with torch.no_grad():
        w = evaluate(heuristic, ctx).value
    assert w == pytest.approx(v, rel=1e-6, abs=1e-9)
    assert torch.is_grad_enabled()
