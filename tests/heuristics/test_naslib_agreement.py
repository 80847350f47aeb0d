"""Agreement with NAS-Bench-Suite-Zero's stored NB201 CIFAR-10 scores (NASLib's own implementations).

Identical values are not expected (different initialisation draw, batch and image pixels), so the check is a
rank correlation over a handful of NB201 architectures between archrank's score and NASLib's stored value.
The thresholds are loose (10 architectures, a batch of 16); the figures measured on 20 architectures are in
docs/heuristics-modern-b.md.  NASLib stores a NaN score as -1e8: such architectures are left out.
"""

from __future__ import annotations

import numpy as np
import pytest

from archrank import metrics
from archrank.heuristics import HEURISTICS

# archrank name -> (NASLib name, lowest acceptable Spearman over the sample)
PAIRS = {
    "epe_nas": ("epe_nas", 0.4), "l2_norm": ("l2_norm", 0.5), "plain": ("plain", -0.5),
    "fisher": ("fisher", 0.4), "grad_norm": ("grad_norm", 0.5), "grasp": ("grasp", -0.5),
    "jacob_cov": ("jacov", 0.3), "snip": ("snip", 0.5), "synflow": ("synflow", 0.5),
}


@pytest.fixture(scope="module")
def sample(shared_data):
    from nb201_real import contexts, naslib_scores

    zc = naslib_scores(shared_data)
    keys = sorted(zc)
    archs = [keys[i] for i in np.random.default_rng(0).choice(len(keys), 10, replace=False)]
    return archs, zc, contexts(shared_data, archs, batch=16)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_rank_agreement_with_naslib(name, sample):
    archs, zc, ctxs = sample
    theirs_name, floor = PAIRS[name]
    ours = np.array([HEURISTICS.get(name).fn(c) for c in ctxs], dtype=np.float64)
    theirs = np.array([zc[a][theirs_name] for a in archs], dtype=np.float64)
    keep = np.isfinite(ours) & (theirs != -1e8)
    assert keep.sum() >= 8
    rho = metrics.spearman(ours[keep], theirs[keep])
    assert rho >= floor, f"{name}: Spearman {rho:.3f} with NASLib's stored scores"
