"""The results store: what it keeps and what it promises.

Every number archrank computes is kept with its cost, so nothing is computed twice and every run can
resume.  :class:`Store` is the interface; :mod:`archrank.store.sqlite` is the embedded default and
:mod:`archrank.store.memory` keeps a store in the process.  One contract test suite
(``tests/store/test_store_contract.py``) runs against every backend registered in ``STORES``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self


@dataclass(frozen=True)
class ScoreRecord:
    """One heuristic score of one architecture.

    The natural key is ``(space, arch, heuristic, dataset, batch_size, seed)``: a score is determined by
    these, whichever run produced it.  ``value`` may be NaN or infinite (kept as such).  A failed
    computation has ``error`` set (``"ExceptionType: message"``) and ``value`` NaN.  ``computed`` is
    False for a record copied from another member of the same canonical class (``source_arch`` names the
    architecture that was actually computed); ``seconds``/``flops`` then repeat the measured cost of
    that one computation.
    """

    space: str
    arch: str
    heuristic: str
    dataset: str
    batch_size: int
    seed: int
    value: float
    seconds: float | None = None
    flops: float | None = None
    error: str | None = None
    computed: bool = True
    source_arch: str | None = None
    run_id: int | None = None

    @property
    def key(self) -> tuple[str, str, str, str, int, int]:
        return (self.space, self.arch, self.heuristic, self.dataset, self.batch_size, self.seed)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class TrainingRecord:
    """The outcome of training one architecture under one regime. Key: (space, arch, regime, dataset, seed)."""

    space: str
    arch: str
    regime: str
    dataset: str
    seed: int
    metrics: dict[str, Any] = field(default_factory=dict)
    seconds: float | None = None
    flops: float | None = None
    run_id: int | None = None

    @property
    def key(self) -> tuple[str, str, str, str, int]:
        return (self.space, self.arch, self.regime, self.dataset, self.seed)


@dataclass(frozen=True)
class TrajectoryStep:
    """One step of a search run. Key: (run_id, step)."""

    run_id: int
    step: int
    arch: str
    value: float
    cost: float | None = None
    best_so_far: float | None = None
    space: str | None = None


@dataclass(frozen=True)
class RunInfo:
    """A run: what was asked (``config``), by which command (``kind``), and whether it finished.

    ``status`` is ``running``, ``finished``, ``incomplete`` (ended with failures held), ``interrupted``
    (stopped by a signal, or found ``running`` while the process that opened it, ``pid`` on ``host``, is
    gone) or ``failed`` (stopped by an error).
    """

    run_id: int
    kind: str
    config: dict[str, Any]
    status: str
    created: float
    updated: float
    pid: int | None = None
    host: str | None = None


@dataclass(frozen=True)
class HeuristicInfo:
    """What the store remembers of a heuristic so that results can be read without its code."""

    name: str
    higher_is_better: bool
    needs: tuple[str, ...] = ()
    description: str = ""


def finite_or_none(x: float | None) -> float | None:
    """A cost (seconds, FLOPs) as stored: a finite float, or None for missing and non-finite values."""
    return None if x is None or not math.isfinite(x) else float(x)


def same_value(a: float, b: float) -> bool:
    """Equality that treats NaN as equal to NaN (how stored values are compared)."""
    return (math.isnan(a) and math.isnan(b)) or a == b


class Store(ABC):
    """A results store. Every backend keeps these promises (checked by the contract test suite):

    **Atomic writes.**  Each ``put_*`` call is one transaction: after it returns, all its records are
    durable; if the process dies during it, none are visible.  A reader never sees half a batch.

    **Idempotent re-writes.**  Records have natural keys (listed on each record class); writing a record
    whose key is already held changes nothing and adds no duplicate: the first value written is kept
    (``replace=True`` overwrites instead, e.g. to retry a failed computation).  Registering an
    architecture, a heuristic or a run twice is a no-op.  Writing the same batch twice, or a batch that
    partly overlaps what is stored, leaves exactly one record per key.

    **Resumable runs.**  A run is identified by ``(kind, config)``: :meth:`open_run` with the same
    arguments returns the same ``run_id``, so a command restarted after a crash (even ``kill -9``)
    continues the same run.  :meth:`score_keys` tells what is already held, so the caller computes only
    the rest; results written before the crash are never lost (each is committed as it is written).

    **What is unique.**  Architectures: ``(space, arch)``.  Scores: ``(space, arch, heuristic, dataset,
    batch_size, seed)`` (the run is provenance, not part of the key).  Training results: ``(space, arch,
    regime, dataset, seed)``.  Trajectory steps: ``(run_id, step)``.  Runs: ``(kind, config)``.

    **Values.**  NaN and infinite scores are stored and read back as such (never a sentinel); a failure
    is stored with its reason in ``error`` and read back with value NaN.

    **Bad records.**  A batch holding a record that cannot be stored raises
    :class:`archrank.errors.InvalidArgument` and writes nothing.

    **Concurrency.**  Several writers may write to one store at once: processes where the backend is
    shared between processes (``multiprocess``; the SQLite file), threads otherwise (the in-memory store).
    A writer waits (up to a timeout) for another's transaction instead of failing.

    **Bad files.**  Opening something that is not a store, or a store written by a newer archrank
    (higher schema version), raises :class:`archrank.errors.DataError` naming the file and the problem.

    A backend is registered in :data:`archrank.store.STORES` under its URL scheme and opened with
    :meth:`open_location` by :func:`archrank.store.open_store`.
    """

    #: Schema version this code writes; a store with a higher version is refused.
    SCHEMA_VERSION = 2
    #: Whether several processes can open the same location and see each other's writes.
    multiprocess: bool = True
    #: Whether every write raises (a precomputed table read as a store): commands that would record
    #: something (a search's trajectories, live scores) leave it out.
    read_only: bool = False

    @classmethod
    def open_location(cls, location: str) -> Store:
        """The store at ``location``: what follows ``<scheme>://`` in the URL given to ``open_store``."""
        return cls(location)  # type: ignore[call-arg]

    # --- runs ------------------------------------------------------------------------------------
    @abstractmethod
    def open_run(self, kind: str, config: dict[str, Any]) -> int:
        """The id of the run ``(kind, config)``, created if new. ``config`` must be JSON-serialisable.

        The run is set to ``running`` and records this process's id and host (:func:`archrank.store.run_status.this_host`)."""

    @abstractmethod
    def finish_run(self, run_id: int, status: str = "finished") -> None:
        """Mark a run as finished (or another of :data:`archrank.store.run_status.RUN_STATUSES`, e.g. ``"interrupted"``)."""

    @abstractmethod
    def runs(self, kind: str | None = None) -> list[RunInfo]:
        """All runs (of one kind), oldest first, with :func:`archrank.store.run_status.reported_status` as their status."""

    # --- architectures and heuristics --------------------------------------------------------------
    @abstractmethod
    def put_archs(self, space: str, archs: Iterable[tuple[str, str, int | None]]) -> None:
        """Register ``(arch, canonical, index_or_None)`` triples of ``space``."""

    @abstractmethod
    def archs(self, space: str) -> dict[str, tuple[str, int | None]]:
        """``arch -> (canonical, index)`` for every registered architecture of ``space``."""

    @abstractmethod
    def put_heuristics(self, infos: Iterable[HeuristicInfo]) -> None:
        """Remember heuristics' metadata (direction, needs)."""

    @abstractmethod
    def heuristic_info(self) -> dict[str, HeuristicInfo]:
        """Metadata of every heuristic the store knows."""

    # --- scores ----------------------------------------------------------------------------------
    @abstractmethod
    def put_scores(self, records: Iterable[ScoreRecord], *, replace: bool = False) -> int:
        """Write score records in one transaction; returns how many were new (or replaced)."""

    @abstractmethod
    def scores(
        self,
        *,
        space: str | None = None,
        heuristic: str | None = None,
        dataset: str | None = None,
        batch_size: int | None = None,
        seed: int | None = None,
    ) -> list[ScoreRecord]:
        """Score records matching every given filter, ordered by (heuristic, arch)."""

    @abstractmethod
    def score_keys(
        self, *, space: str, dataset: str, batch_size: int, seed: int, include_errors: bool = True
    ) -> set[tuple[str, str]]:
        """``(arch, heuristic)`` pairs already held for this setting (failures included unless asked)."""

    def score_failures(self, *, space: str, dataset: str, batch_size: int, seed: int) -> dict[tuple[str, str], str]:
        """``(arch, heuristic) -> error`` for every stored failure of this setting."""
        return {(r.arch, r.heuristic): r.error for r in self.scores(space=space, dataset=dataset,
                                                                    batch_size=batch_size, seed=seed)
                if r.error is not None}

    def count_scores(self, **filters: Any) -> int:
        return len(self.scores(**filters))

    # --- training results --------------------------------------------------------------------------
    @abstractmethod
    def put_training(self, records: Iterable[TrainingRecord], *, replace: bool = False) -> int:
        """Write training results in one transaction; returns how many were new (or replaced)."""

    @abstractmethod
    def training(
        self,
        *,
        space: str | None = None,
        regime: str | None = None,
        dataset: str | None = None,
        seed: int | None = None,
    ) -> list[TrainingRecord]:
        """Training records matching every given filter."""

    # --- search trajectories -------------------------------------------------------------------------
    @abstractmethod
    def put_trajectory(self, steps: Iterable[TrajectoryStep]) -> int:
        """Write search steps in one transaction; returns how many were new."""

    @abstractmethod
    def trajectory(self, run_id: int) -> list[TrajectoryStep]:
        """The steps of one run, in step order."""

    # --- lifetime ----------------------------------------------------------------------------------
    @abstractmethod
    def close(self) -> None:
        """Release the store's resources; the object must not be used afterwards."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
