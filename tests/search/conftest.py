"""A tiny search space and benchmark table for fast, exact search tests."""

from __future__ import annotations

import csv
import itertools

import numpy as np
import pytest

from archrank.errors import InvalidArgument
from archrank.search.benchmark_objective import BenchmarkObjective
from archrank.search.heuristic_objective import HeuristicObjective
from archrank.search.objectives import Evaluation, Objective
from archrank.spaces.base import SearchSpace


class ToySpace(SearchSpace):
    """3 decisions with 3 choices each (27 architectures); an architecture is a tuple of ints."""

    name = "toy_search"
    K, D = 3, 3

    @property
    def size(self) -> int:
        return self.K**self.D

    def index_to_arch(self, index: int):
        i = self.check_index(index)
        out = []
        for _ in range(self.D):
            i, r = divmod(i, self.K)
            out.append(r)
        return tuple(reversed(out))

    def arch_to_index(self, arch) -> int:
        c = 0
        for a in arch:
            c = c * self.K + int(a)
        return c

    def parse(self, text: str):
        try:
            arch = tuple(int(t) for t in text.split("-"))
        except ValueError:
            raise InvalidArgument(f"bad toy arch {text!r}") from None
        if len(arch) != self.D or not all(0 <= a < self.K for a in arch):
            raise InvalidArgument(f"bad toy arch {text!r}")
        return arch

    def format(self, arch) -> str:
        return "-".join(str(a) for a in arch)

    def sample(self, rng):
        return tuple(int(x) for x in rng.integers(self.K, size=self.D))

    def mutate(self, arch, rng):
        a = list(arch)
        d = int(rng.integers(self.D))
        a[d] = int((a[d] + 1 + rng.integers(self.K - 1)) % self.K)
        return tuple(a)

    def neighbours(self, arch):
        return [arch[:d] + (k,) + arch[d + 1 :] for d in range(self.D) for k in range(self.K) if k != arch[d]]

    def encode(self, arch):
        v = np.zeros(self.K * self.D)
        for d, a in enumerate(arch):
            v[d * self.K + a] = 1
        return v

    def decisions(self):
        return [self.K] * self.D

    def to_decisions(self, arch):
        return list(arch)

    def from_decisions(self, choices):
        return tuple(int(c) for c in choices)


def toy_signal(arch) -> float:
    """A smooth landscape with its optimum at (2, 2, 2): 60 + 10 * sum + a small interaction."""
    return 60.0 + 10.0 * sum(arch) + 0.5 * arch[0] * arch[1]


@pytest.fixture
def toy_space() -> ToySpace:
    return ToySpace()


@pytest.fixture
def toy_table(tmp_path, toy_space):
    """CSV with index, arch, valid (signal), test (= valid + 0.1), secs (10 + index)."""
    path = tmp_path / "toy.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["index", "arch", "valid", "test", "secs"])
        for i, arch in enumerate(itertools.product(range(3), repeat=3)):
            v = toy_signal(arch)
            w.writerow([i, toy_space.format(arch), v, v + 0.1, 10 + i])
    return path


@pytest.fixture
def toy_bench(toy_table, toy_space) -> BenchmarkObjective:
    return BenchmarkObjective.from_csv(toy_table, toy_space, signal="valid", report="test", cost_column="secs",
                                       cost_scale=1.0)


@pytest.fixture
def toy_heuristic(toy_space) -> HeuristicObjective:
    """A stored heuristic that agrees perfectly with the signal, 0.5 s per score, no live scoring."""
    cached = {toy_space.format(a): (toy_signal(a) / 10.0, 0.5) for a in toy_space}
    return HeuristicObjective(space=toy_space, name="toy_h", cached=cached)


class ToySupernet(Objective):
    """Stands in for a supernet: the signal minus 5, 1 s per evaluation."""

    fidelity = "supernet"

    def evaluate(self, arch) -> Evaluation:
        return Evaluation(toy_signal(arch) - 5.0, 1.0)


@pytest.fixture
def toy_objectives(toy_bench, toy_heuristic):
    return {"signal": toy_bench, "heuristic": toy_heuristic, "supernet": ToySupernet()}
