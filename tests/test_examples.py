"""The worked example's family (``examples/rank_my_resnets.py``) is a registered space whose networks run."""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))


def test_the_example_family_is_a_space_of_72_resnets():
    import rank_my_resnets

    from archrank.models import build_model
    from archrank.spaces import get_space

    sp = get_space("myresnet")
    assert sp is rank_my_resnets.SPACE and sp.size == 72
    small = build_model("myresnet", "depth=1,width=8,kernel=3,act=silu", 10, seed=0)
    big = build_model("myresnet", "depth=3,width=24,kernel=5,act=gelu", 10, seed=0)
    assert small(torch.randn(2, 3, 16, 16)).shape == (2, 10)
    n = [sum(p.numel() for p in m.parameters()) for m in (small, big)]
    assert n[0] < n[1]
    blocks = [m for m in big.modules() if isinstance(m, rank_my_resnets.Block)]
    assert len(blocks) == 9  # three stages of depth 3
