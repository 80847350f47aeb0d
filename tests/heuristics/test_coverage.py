"""Every batch heuristic on networks archrank does not build (tests/heuristics/zoo.py): the share of
(heuristic, network) cells with a finite value, a one-line reason for every other cell, and the blocks
found on each network."""

from __future__ import annotations

import pytest
import torch
from zoo import ZOO, BasicBlock, zoo_batch

from archrank.heuristics.az_nas import feature_blocks
from archrank.models.own import fresh_model
from archrank.run.coverage import COMBINATION_ROWS, batch_heuristics, heuristic_coverage

# Fewer path points for linear_regions than the default 1,000 keep this test short; the table in the docs
# (benchmarks/bench_coverage.py) uses the defaults.
OPTIONS = {"lr_patches": 200}


def _archrank_heuristics() -> list[str]:
    """archrank's own batch heuristics: a heuristic another test registers in this process is left out."""
    from archrank.heuristics import HEURISTICS

    own = [h for h in batch_heuristics("image") if HEURISTICS.get(h).fn.__module__.startswith("archrank.")]
    return [*own, *COMBINATION_ROWS]


@pytest.fixture(scope="module")
def coverage():
    return heuristic_coverage(ZOO, zoo_batch(), _archrank_heuristics(), options=OPTIONS)


def test_the_zoo_has_the_families_asked_for():
    assert len(ZOO) >= 12


def test_share_of_finite_cells_and_a_reason_for_every_other(coverage):
    own = [h for h in _archrank_heuristics() if h not in COMBINATION_ROWS]
    assert len(own) >= 30
    assert set(coverage.heuristics) >= {*own, "ranker", "az_nas_rank", "te_nas", "vote"}
    assert coverage.cells == len(coverage.heuristics) * len(ZOO)
    assert coverage.share >= 0.9, coverage.format_table()
    for h, n, why in coverage.failures():
        assert why and "\n" not in why, (h, n)
    # the cells this extension opened: activation codes on GELU/SiLU/ReLU6, blocks found, tuple outputs
    for h, n in [("naswot", "resnet_gelu"), ("naswot", "efficientnet_silu_se"), ("swap", "vit"),
                 ("linear_regions", "mobilenet_v2"), ("az_trainability", "vit"), ("az_expressivity", "vgg"),
                 ("zen", "se_resnet"), ("zen", "mlp_mixer"), ("synflow", "tuple_output"),
                 ("gradsign", "vgg"), ("logsynflow", "vit"), ("ntk_cond", "vit"), ("swap_reg", "densenet")]:
        assert coverage.finite(h, n), (h, n, coverage.reason(h, n))
    # what stays out, with its reason: the analytic kernels are derived for NB201 cells only
    assert "NB201" in coverage.reason("nngp_krr", "vgg")
    assert set(COMBINATION_ROWS) - {"az_nas"} <= set(coverage.heuristics)


def test_the_table_prints_every_heuristic_and_the_share(coverage):
    text = coverage.format_table()
    assert all(h in text for h in coverage.heuristics) and "finite:" in text


def _blocks(name):
    x, _ = zoo_batch()
    model = fresh_model(ZOO[name]())
    return model, feature_blocks(model, x)


def test_blocks_found_on_a_resnet_are_the_stem_and_the_residual_blocks():
    model, blocks = _blocks("resnet_basic")
    inner = model.model
    assert blocks == [inner.stem[2], *[b for stage in inner.stages for b in stage]]


def test_blocks_found_on_a_vision_transformer_are_its_token_blocks():
    model, blocks = _blocks("vit")
    assert blocks == [*model.model.blocks, model.model.norm]


def test_blocks_found_on_a_vgg_end_at_each_activation_and_the_last_pool():
    model, blocks = _blocks("vgg")
    seq = model.model
    assert [type(b).__name__ for b in blocks] == ["ReLU"] * 5 + ["MaxPool2d"]
    assert blocks[-1] is seq[17]


def test_declared_blocks_are_used_as_declared():
    model, blocks = _blocks("declared_blocks")
    assert blocks == model.model.feature_blocks()
    assert all(isinstance(b, BasicBlock) for b in blocks[1:])


def test_a_tuple_output_is_read_as_its_first_tensor():
    model = fresh_model(ZOO["tuple_output"]())
    out = model(zoo_batch()[0])
    assert isinstance(out, torch.Tensor) and out.shape == (8, 10)
