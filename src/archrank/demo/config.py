"""The demo's settings, their defaults, and the checks that run before any work.

Defaults were chosen so that the whole demo (start-up included) fits in about three minutes on two CPU
cores: 200 architectures scored with five cheap heuristics on one batch of 32 images, then 25 search runs
per strategy at a budget of 12,000 simulated seconds (NB201 protocol: select by the 12-epoch validation
accuracy, charge 12/200 of the 200-epoch training time, report the 200-epoch test accuracy).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from archrank.errors import DataError, InvalidArgument

# Cheap training-free heuristics: the survey's classics and one 2023 proxy (MeCo-opt).  Measured on a few
# NB201 cells at batch 32, one torch thread, on a shared (loaded) 2-core machine: params and synflow
# ~0.05-0.1 s, meco_opt ~0.15 s, naswot ~0.25 s, jacob_cov ~0.6 s per architecture; swap, zico, snip and
# grad_norm cost 0.6-1.6 s (batch 64) and are left out.
DEFAULT_HEURISTICS = ("params", "synflow", "naswot", "jacob_cov", "meco_opt")
DEFAULT_ARCHS = 200
DEFAULT_BATCH_SIZE = 32
DEFAULT_RUNS = 25
DEFAULT_BUDGET_SECONDS = 12_000.0
DEFAULT_SPACE = "nb201"
DEFAULT_BENCHMARK = "nb201"
DEFAULT_METRIC = "c10_test_200"
DEFAULT_REGIME = "c1r1e5"
DEFAULT_REPORT_DIR = "archrank-demo-report"
# Columns the search protocol needs besides the metric (archrank.search.benchmark_objective's defaults).
PROTOCOL_COLUMNS = ("c10v_valid_12", "c10v_train_seconds_200")


@dataclass(frozen=True)
class DemoConfig:
    """Everything the demo depends on; :meth:`checked` validates it before any work."""

    data_dir: str | None = None
    space: str = DEFAULT_SPACE
    n_archs: int = DEFAULT_ARCHS
    heuristics: tuple[str, ...] = DEFAULT_HEURISTICS
    batch_size: int = DEFAULT_BATCH_SIZE
    seed: int = 0
    benchmark: str = DEFAULT_BENCHMARK
    metric: str = DEFAULT_METRIC
    runs: int = DEFAULT_RUNS
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    store: str | None = None
    report_dir: str | None = DEFAULT_REPORT_DIR
    n_train: int = 0
    regime: str = DEFAULT_REGIME
    train_images: int = 2000
    test_images: int = 1000

    def checked(self) -> DemoConfig:
        """This configuration with heuristic names normalised; raises on the first bad value (a library
        error naming the parameter and, where there are some, the valid choices).  The benchmark table is
        checked by :func:`open_table`."""
        from archrank.run import heuristic_names
        from archrank.train.regimes import parse_regime

        def at_least(name: str, value: float, low: float) -> None:
            if not value >= low:
                raise InvalidArgument(f"{name} must be at least {low:g}, got {value}", parameter=name)

        at_least("n_archs", self.n_archs, 3)
        at_least("batch_size", self.batch_size, 1)
        at_least("runs", self.runs, 1)
        if not self.budget_seconds > 0:
            raise InvalidArgument(f"budget_seconds must be > 0, got {self.budget_seconds}",
                                  parameter="budget_seconds")
        if self.n_train:
            at_least("n_train", self.n_train, 3)
            at_least("train_images", self.train_images, 10)
            at_least("test_images", self.test_images, 10)
            if self.n_train > self.n_archs:
                raise InvalidArgument(f"n_train ({self.n_train}) cannot exceed n_archs ({self.n_archs}): the "
                                      "trained architectures are drawn from the scored ones", parameter="n_train")
        parse_regime(self.regime)  # a bad regime fails here, before any work, even when nothing is trained
        from archrank.spaces import get_space

        if get_space(self.space).domain != "image":
            raise InvalidArgument(f"the demo scores image classifiers; space {self.space!r} is not an image space",
                                  parameter="space")
        names = tuple(heuristic_names(self.heuristics))
        if self.data_dir is not None and not Path(self.data_dir).expanduser().is_dir():
            raise InvalidArgument(f"data directory {self.data_dir!r} does not exist (data_dir names a folder "
                                  "holding cifar-10-batches-py or Fashion-MNIST's files)", parameter="data_dir")
        if self.report_dir is not None and Path(self.report_dir).expanduser().is_file():
            raise InvalidArgument(f"report folder {self.report_dir!r} is a file", parameter="report_dir")
        if self.store is not None and Path(self.store).expanduser().is_dir():
            raise InvalidArgument(f"store {self.store!r} is a folder, not a store file", parameter="store")
        return replace(self, heuristics=names)


def open_table(benchmark: str | os.PathLike, metric: str, *, space: str = DEFAULT_SPACE):
    """The benchmark table (file or packaged name), checked to hold ``metric`` and, for NB201, the search
    protocol's columns (another space's table needs only ``metric``: the demo then skips the search)."""
    from archrank.benchmarks.table import BenchmarkTable

    table = BenchmarkTable.from_file(benchmark)
    needed = (metric, *PROTOCOL_COLUMNS) if space == DEFAULT_SPACE else (metric,)
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise InvalidArgument(f"benchmark {str(benchmark)!r} lacks column(s) {', '.join(missing)} (the demo needs "
                              f"{metric}" + (f" and the NB201 search protocol's {', '.join(PROTOCOL_COLUMNS)}"
                                             if space == DEFAULT_SPACE else "")
                              + f"); its columns: {', '.join(table.columns)}", parameter="benchmark")
    return table


def search_protocol(table) -> bool:
    """Whether ``table`` holds the columns of the NB201 search protocol the demo's search step runs under."""
    return all(c in table.columns for c in PROTOCOL_COLUMNS)


def choose_dataset(data_dir: str | os.PathLike | None) -> str:
    """CIFAR-10 when the data directory (or ``$ARCHRANK_DATA``) holds it, else Fashion-MNIST."""
    from archrank.data import find_available

    name = find_available(("cifar10", "fashion-mnist"), data_dir)
    if name is None:
        raise DataError(
            "no data for the demo: pass a data_dir with cifar-10-batches-py inside, or install Debian's "
            "dataset-fashion-mnist (apt-get install dataset-fashion-mnist)"
        )
    return name
