"""One interface for architectural data sets (benchmarks): query an architecture's metrics and training cost.

A reader answers :meth:`BenchmarkReader.query` with a :class:`Metrics` record for one architecture, data set,
training schedule (``hp``: the number of epochs the schedule was planned for, e.g. ``"12"`` or ``"200"``),
seed (``None``: the mean over the seeds available) and epoch (``None``: the last one).  Accuracies are in
percent, losses are cross-entropy, times in seconds.  Fields a benchmark does not record are ``None``.

Architectures are named by the benchmark's own string (NB201 cell string, NATS size string, NB101 graph
hash, NDS genotype key) or, where the benchmark has an official order, by index.

Contract for readers: queries never load more than the architecture asked for (large archives are read
lazily); an unknown data set, ``hp`` or seed raises :class:`~archrank.errors.UnknownName` listing the
valid choices, an architecture the benchmark does not hold raises :class:`~archrank.errors.InvalidArgument`
naming it; a missing or corrupt file raises :class:`~archrank.errors.DataError`.  Where the benchmark's
architectures belong to an archrank search space, ``arch_space`` names it and :meth:`space_arch` gives an
architecture in that space's string form.  Readers are registered by name in
:data:`archrank.benchmarks.readers.READERS`; one contract suite (``tests/benchmarks/test_reader_contract.py``)
runs over every entry.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from archrank.errors import ArchrankError, UnknownName

METRIC_NAMES = (
    "train_acc", "train_loss", "valid_acc", "valid_loss", "test_acc", "test_loss", "train_time", "eval_time",
    "params", "flops", "latency",
)


@dataclass(frozen=True)
class Metrics:
    """Metrics of one architecture on one data set after ``epoch`` epochs of schedule ``hp``.

    ``train_time`` is the training cost in seconds up to ``epoch`` (the benchmark authors' hardware);
    ``seeds`` lists the seeds averaged.  ``params`` in millions and ``flops`` in MFLOPs as the benchmark
    records them.  ``extra`` holds benchmark-specific values (e.g. other evaluation splits).
    """

    arch: str
    dataset: str
    hp: str | None = None
    epoch: int | None = None
    seeds: tuple[int, ...] = ()
    train_acc: float | None = None
    train_loss: float | None = None
    valid_acc: float | None = None
    valid_loss: float | None = None
    test_acc: float | None = None
    test_loss: float | None = None
    train_time: float | None = None
    eval_time: float | None = None
    params: float | None = None
    flops: float | None = None
    latency: float | None = None
    extra: dict[str, float] = field(default_factory=dict)

    def get(self, name: str) -> float:
        """A metric by name (``"test_acc"``, ... or a key of ``extra``); NaN when not recorded."""
        if name in METRIC_NAMES:
            v = getattr(self, name)
        elif name in self.extra:
            v = self.extra[name]
        else:
            raise UnknownName("metric", name, list(METRIC_NAMES) + sorted(self.extra))
        return math.nan if v is None else float(v)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def mean_metrics(records: Sequence[Metrics]) -> Metrics:
    """Field-wise mean of records of the same architecture (``None`` where any record lacks the field)."""
    if not records:
        raise ArchrankError("no records to average")
    first = records[0]
    out: dict[str, Any] = {"arch": first.arch, "dataset": first.dataset, "hp": first.hp, "epoch": first.epoch}
    out["seeds"] = tuple(s for r in records for s in r.seeds)
    for f in fields(Metrics):
        if f.name in METRIC_NAMES:
            vals = [getattr(r, f.name) for r in records]
            out[f.name] = None if any(v is None for v in vals) else sum(vals) / len(vals)
    keys = set.intersection(*(set(r.extra) for r in records))
    out["extra"] = {k: sum(r.extra[k] for r in records) / len(records) for k in sorted(keys)}
    return Metrics(**out)


class BenchmarkReader(ABC):
    """Read-only access to an architectural data set. See the module docstring for the contract."""

    name: str = "abstract"
    #: The archrank search space the architectures belong to (``None``: none of archrank's spaces).
    arch_space: str | None = None

    def space_arch(self, arch: Hashable) -> str:
        """``arch`` in the string form of :attr:`arch_space` (what that space's ``parse`` reads)."""
        return str(arch)

    @abstractmethod
    def architectures(self) -> list[str]:
        """Every architecture key the benchmark names (in official order where one exists)."""

    @abstractmethod
    def datasets(self) -> list[str]:
        """Data sets the benchmark reports."""

    def hps(self) -> list[str]:
        """Training schedules (``hp`` values); ``[]`` where the benchmark has a single one."""
        return []

    @abstractmethod
    def query(
        self,
        arch: Hashable,
        *,
        dataset: str,
        hp: str | int | None = None,
        seed: int | None = None,
        epoch: int | None = None,
    ) -> Metrics:
        """Metrics of ``arch``; ``seed=None`` averages the seeds, ``epoch=None`` takes the final epoch."""

    def seeds(self, arch: Hashable, *, dataset: str, hp: str | int | None = None) -> list[int]:
        """Seeds recorded for ``arch`` (``[]`` where the benchmark does not distinguish them)."""
        return []

    def cost(self, arch: Hashable, *, dataset: str, hp: str | int | None = None, epoch: int | None = None) -> float:
        """Training cost of ``arch`` in seconds (mean over seeds) up to ``epoch`` (default: the last one)."""
        t = self.query(arch, dataset=dataset, hp=hp, epoch=epoch).train_time
        return math.nan if t is None else float(t)

    def metric(self, arch: Hashable, name: str, **kw: Any) -> float:
        """Shorthand: ``reader.metric(a, "test_acc", dataset="cifar10", hp="200")``."""
        return self.query(arch, **kw).get(name)

    def __len__(self) -> int:
        return len(self.architectures())


def check_choice(kind: str, value: Any, choices: Sequence[Any]) -> Any:
    if value not in choices:
        raise UnknownName(kind, value, choices)
    return value
