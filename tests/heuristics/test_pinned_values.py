"""Values of the activation-, feature- and output-reading heuristics on one NB201, NB101 and NDS network,
computed before these heuristics were extended to other networks (GELU/SiLU activations, discovered feature
blocks, tuple outputs, dropout in per-sample gradients, logsynflow's negative gradients): the extension must
leave archrank's own spaces' values exactly as they were."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import TINY_ARCHS, TinyNB201

from archrank.heuristics import HEURISTICS, ScoreContext, evaluate
from archrank.spaces import get_space

SMALL = {"nb201": {}, "nb101": {"stem_channels": 8, "num_stacks": 2, "cells_per_stack": 1},
         "nds_darts": {"channels": 8, "layers": 3}}

PINNED = {
    ('nb201', 'naswot'): 80.97774453967162,
    ('nb201', 'naswot_euclid'): 47.08638839906618,
    ('nb201', 'linear_regions'): 924.0,
    ('nb201', 'swap'): 256.0,
    ('nb201', 'zen'): 32.85366496114299,
    ('nb201', 'az_expressivity'): 10.807086951344036,
    ('nb201', 'az_progressivity'): -0.029758117856370392,
    ('nb201', 'az_trainability'): -0.09675294421590638,
    ('nb201', 'epe_nas'): 7.999960000319073e-05,
    ('nb201', 'jacob_cov'): -8.022184421737004,
    ('nb201', 'synflow'): 10465030103.388407,
    ('nb201', 'snip'): 6.43227660734011,
    ('nb201', 'grad_norm'): 5.749798282191186,
    ('nb201', 'zico'): 156.40666385981223,
    ('nb201', 'meco'): 30.582882365703185,
    ('nb101', 'naswot'): 84.23117798275017,
    ('nb101', 'naswot_euclid'): 48.91490042567185,
    ('nb101', 'linear_regions'): 934.0,
    ('nb101', 'swap'): 256.0,
    ('nb101', 'zen'): 11.262793353191027,
    ('nb101', 'az_expressivity'): 7.139911570116671,
    ('nb101', 'az_progressivity'): -0.40383816850492127,
    ('nb101', 'az_trainability'): -0.6167143892141493,
    ('nb101', 'epe_nas'): 7.999960000319073e-05,
    ('nb101', 'jacob_cov'): -8.009816757653363,
    ('nb101', 'synflow'): 12975.656823065952,
    ('nb101', 'snip'): 2.150808487371256,
    ('nb101', 'grad_norm'): 1.7195441669754925,
    ('nb101', 'zico'): 63.39976783313833,
    ('nb101', 'meco'): 4.04872604332578,
    ('nds_darts', 'naswot'): 65.56199702883885,
    ('nds_darts', 'naswot_euclid'): 38.427157575111536,
    ('nds_darts', 'linear_regions'): 404.0,
    ('nds_darts', 'swap'): 256.0,
    ('nds_darts', 'zen'): 48.58006672969826,
    ('nds_darts', 'az_expressivity'): 11.147840278217332,
    ('nds_darts', 'az_progressivity'): -0.9795878665358042,
    ('nds_darts', 'az_trainability'): -20.814580009167482,
    ('nds_darts', 'epe_nas'): 7.999960000319073e-05,
    ('nds_darts', 'jacob_cov'): -8.092366922389711,
    ('nds_darts', 'synflow'): 2406162.0261487067,
    ('nds_darts', 'snip'): 423.1170494786723,
    ('nds_darts', 'grad_norm'): 395.41778901915154,
    ('nds_darts', 'zico'): 410.9848780245961,
    ('nb201', 'logsynflow'): 12106.396218316404,
    ('nb201', 'gradsign'): 31550.0,
    ('nb201', 'knas'): 0.44722030991814943,
    ('nb201', 'lga'): 0.9667223295560762,
    ('nb201', 'ntk_cond'): 5.6126491513765995,
    ('nb201', 'az_nas'): -1.6502599069543553,
    ('nb101', 'logsynflow'): 808.5030450513829,
    ('nb101', 'gradsign'): 3430.0,
    ('nb101', 'knas'): 0.5150508914429289,
    ('nb101', 'lga'): 0.9202597047131872,
    ('nb101', 'ntk_cond'): 6.9778710179558034,
    ('nb101', 'az_nas'): -4.135166556742355,
    ('nds_darts', 'logsynflow'): 11227.796280206603,
    ('nds_darts', 'lga'): 0.5473952027419385,
    ('nds_darts', 'ntk_cond'): 68615.48909323808,
}


def _arch(space: str):
    if space == "nb201":
        sp = TinyNB201()
        return sp, sp.parse(TINY_ARCHS[0])
    sp = get_space(space)
    return sp, sp.sample(np.random.default_rng(3))


@pytest.mark.parametrize("space,name", sorted(PINNED))
def test_value_unchanged(space, name):
    sp, arch = _arch(space)
    x = torch.randn(8, 3, 32, 32, generator=torch.Generator().manual_seed(1))
    ctx = ScoreContext(arch=arch, space=sp, inputs=x, targets=torch.arange(8) % 10, seed=0,
                       model_kwargs=SMALL[space], extras={"az_reference_size": 4})
    previous = torch.get_num_threads()
    torch.set_num_threads(1)  # float reductions depend on the thread count
    try:
        value = evaluate(HEURISTICS.get(name), ctx).value
    finally:
        torch.set_num_threads(previous)
    assert value == pytest.approx(PINNED[(space, name)], rel=1e-6, abs=1e-9)
