"""Tiny NB201-shaped networks and batches for fast heuristic tests."""

from __future__ import annotations

import pytest
import torch

from archrank.heuristics.base import ScoreContext
from archrank.spaces.nb201 import NB201Space


class TinyNB201(NB201Space):
    """The NB201 space with a 4-channel, one-cell-per-stage network (fast to build and run)."""

    def model_options(self) -> dict:
        return {"C": 4, "N": 1}


TINY_ARCHS = [
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|",
    "|nor_conv_1x1~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|",
    "|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|",
]


def tiny_batch(n: int = 8, size: int = 16, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, size, size, generator=g)
    y = torch.arange(n) % 10
    return x, y


@pytest.fixture(scope="session")
def tiny_archs() -> list[str]:
    return list(TINY_ARCHS)


@pytest.fixture(scope="session")
def tiny_space() -> TinyNB201:
    return TinyNB201()


@pytest.fixture
def make_ctx(tiny_space):
    """``make_ctx(arch_string, n=8, seed=0)``: a ScoreContext on the tiny space with a random batch."""

    def make(text: str = TINY_ARCHS[0], n: int = 8, seed: int = 0) -> ScoreContext:
        x, y = tiny_batch(n)
        # A small reference sample keeps population-relative heuristics (ranker, az_nas) quick here.
        return ScoreContext(arch=tiny_space.parse(text), space=tiny_space, inputs=x, targets=y, seed=seed,
                            extras={"ranker_reference_size": 8, "az_reference_size": 8})

    return make
