"""A tiny search space and throwaway heuristics for scoring tests, loaded as an ARCHRANK_PLUGINS module.

Space ``toy``: three slots, each one of ``zero``/``id``/``lin`` (27 architectures, index = base-3 number);
the canonical form sorts the slots, so permutations share a class (10 classes).  Heuristics:

* ``toy_params``: parameter count (no data);
* ``toy_out``: mean output on the batch (data);
* ``toy_lower``: like ``toy_params`` but lower is better;
* ``toy_flaky``: raises for architectures holding two ``zero`` slots, NaN for ``id-id-id``;
* ``toy_structural``: the architecture's index, declared not canonical-invariant (computed per member);
* ``toy_threads``: the number of torch threads it runs with;
* ``toy_slow``: sleeps ``$ARCHRANK_TOY_SLEEP`` seconds and appends the arch to ``$ARCHRANK_TOY_CALLS``.
"""

from __future__ import annotations

import itertools
import math
import os
import time

import numpy as np
import torch
from torch import nn

from archrank.errors import InvalidArgument, NumericalError
from archrank.heuristics.base import HEURISTICS, register_heuristic
from archrank.models import BUILDERS, register_builder
from archrank.spaces import SPACES, SearchSpace

OPS = ("zero", "id", "lin")
DIM = 4


class _Zero(nn.Module):
    def forward(self, x):
        return x * 0.0


class ToySpace(SearchSpace):
    name = "toy"
    domain = "vector"  # its models take vectors of DIM features

    @property
    def size(self) -> int:
        return len(OPS) ** 3

    @property
    def num_canonical(self) -> int:
        return len({tuple(sorted(a)) for a in itertools.product(OPS, repeat=3)})

    def index_to_arch(self, index):
        i = self.check_index(index)
        return (OPS[i // 9], OPS[(i // 3) % 3], OPS[i % 3])

    def arch_to_index(self, arch):
        return OPS.index(arch[0]) * 9 + OPS.index(arch[1]) * 3 + OPS.index(arch[2])

    def parse(self, text):
        parts = tuple(text.strip().split("-"))
        if len(parts) != 3 or any(p not in OPS for p in parts):
            raise InvalidArgument(f"malformed toy architecture {text!r}; expected a-b-c with a, b, c in {OPS}")
        return parts

    def format(self, arch):
        return "-".join(arch)

    def canonical(self, arch):
        return "-".join(sorted(arch))

    def sample(self, rng: np.random.Generator):
        return self.index_to_arch(int(rng.integers(self.size)))

    def mutate(self, arch, rng):
        return self.neighbours(arch)[int(rng.integers(6))]

    def neighbours(self, arch):
        return [arch[:i] + (o,) + arch[i + 1:] for i in range(3) for o in OPS if o != arch[i]]

    def encode(self, arch):
        return np.array([float(OPS.index(o) == k) for o in arch for k in range(3)])



def build_toy(arch, num_classes=10, **kw):
    """The model of a toy architecture: per slot a linear layer, an identity or a zero map; a linear head."""
    layers = [nn.Linear(DIM, DIM) if o == "lin" else nn.Identity() if o == "id" else _Zero() for o in arch]
    return nn.Sequential(*layers, nn.Linear(DIM, num_classes))


if "toy" not in SPACES:
    SPACES.register("toy", ToySpace)
if "toy" not in BUILDERS:
    register_builder("toy")(build_toy)


def toy_batch(n: int = 8, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, DIM, generator=g), torch.randint(0, 3, (n,), generator=g)


if "toy_params" not in HEURISTICS:

    @register_heuristic("toy_params", needs=())
    def toy_params(ctx):
        return float(sum(p.numel() for p in ctx.build().parameters()))

    @register_heuristic("toy_lower", higher_is_better=False, needs=())
    def toy_lower(ctx):
        return float(sum(p.numel() for p in ctx.build().parameters()))

    @register_heuristic("toy_out", needs=("data",))
    def toy_out(ctx):
        with torch.no_grad():
            return float(ctx.build()(ctx.inputs).mean()), {"flops": 123.0}

    @register_heuristic("toy_flaky", needs=())
    def toy_flaky(ctx):
        if ctx.arch.count("zero") >= 2:
            raise NumericalError("toy failure: too many zero slots")
        if ctx.arch == ("id", "id", "id"):
            return math.nan
        return float(len(set(ctx.arch)))

    @register_heuristic("toy_structural", needs=(), canonical_invariant=False)
    def toy_structural(ctx):
        return float(ToySpace().arch_to_index(ctx.arch))

    @register_heuristic("toy_threads", needs=())
    def toy_threads(ctx):
        return float(torch.get_num_threads())

    @register_heuristic("toy_slow", needs=())
    def toy_slow(ctx):
        time.sleep(float(os.environ.get("ARCHRANK_TOY_SLEEP", "0")))
        calls = os.environ.get("ARCHRANK_TOY_CALLS")
        if calls:
            with open(calls, "a") as f:
                f.write("-".join(ctx.arch) + "\n")
        return float(ToySpace().arch_to_index(ctx.arch))
