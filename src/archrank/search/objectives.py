"""What a search evaluates: objectives that turn an architecture into a value and a cost in seconds.

* :class:`BenchmarkObjective`: a lookup in a benchmark table with a simulated cost (the NB201 protocol:
  signal ``c10v_valid_12``, cost ``0.06 * c10v_train_seconds_200`` = 12 of 200 epochs, report
  ``c10_test_200``).
* :class:`HeuristicObjective`: any registered heuristic, oriented so that higher is better.  Scores come
  from a store of real scoring runs (charged at the seconds measured when they were computed) or are
  computed live through :func:`archrank.heuristics.evaluate` (charged at the seconds measured now, and
  written to the store when one is given).  A score is never read without its cost being charged.
* :class:`TrainingObjective` (in :mod:`archrank.search.training_objectives`): real training.

Every objective returns an :class:`Evaluation`; the harness adds ``cost`` to the budget.
"""

from __future__ import annotations

import csv
import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from archrank.errors import DataError, InvalidArgument, UnknownName
from archrank.search.base import HEURISTIC, SIGNAL

# The NB201 CIFAR-10 protocol.
DEFAULT_SIGNAL = "c10v_valid_12"
DEFAULT_REPORT = "c10_test_200"
DEFAULT_COST_COLUMN = "c10v_train_seconds_200"
DEFAULT_COST_SCALE = 12 / 200


@dataclass(frozen=True)
class Evaluation:
    """``value``: higher is better (NaN kept); ``cost``: seconds charged; ``report``: the figure reported."""

    value: float
    cost: float
    report: float | None = None


class Objective(ABC):
    """Something the harness can evaluate architectures with, at one fidelity."""

    fidelity: str = SIGNAL

    @abstractmethod
    def evaluate(self, arch: Hashable) -> Evaluation: ...


# --- benchmark tables -----------------------------------------------------------------------------------
def _float(text: str) -> float:
    t = text.strip()
    if t == "" or t.lower() in ("nan", "none", "null"):
        return math.nan
    return float(t)


def read_columns(path: str | Path) -> dict[str, list[str]]:
    """All columns of a CSV file as lists of strings (header row required)."""
    p = Path(path)
    if not p.is_file():
        from archrank.benchmarks.packaged import open_packaged, resolve_name

        if resolve_name(str(path)) is not None:  # a table shipped with archrank, e.g. "nb201"
            return open_packaged(str(path)).as_columns()
        raise DataError(f"benchmark table {str(p)!r} does not exist")
    try:
        with p.open(newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            cols: dict[str, list[str]] = {h: [] for h in header}
            for row in reader:
                if len(row) != len(header):
                    raise DataError(f"benchmark table {str(p)!r}: row of {len(row)} fields, header has {len(header)}")
                for h, v in zip(header, row):
                    cols[h].append(v)
    except (StopIteration, UnicodeDecodeError, csv.Error) as e:
        raise DataError(f"benchmark table {str(p)!r} is not a readable CSV file ({e})") from None
    return cols


class BenchmarkObjective(Objective):
    """Look an architecture up in a table: value = signal column, cost = cost column * scale.

    ``rows`` maps an architecture to its row.  Build one with :meth:`from_csv`.
    """

    fidelity = SIGNAL

    def __init__(
        self,
        *,
        signal: np.ndarray,
        report: np.ndarray,
        cost: np.ndarray,
        rows: Callable[[Hashable], int],
        names: tuple[str, str, str | None] = ("signal", "report", "cost"),
        cost_scale: float = 1.0,
    ):
        self.signal = signal
        self.report = report
        self.cost = cost
        self.rows = rows
        self.names = names
        self.cost_scale = cost_scale

    @classmethod
    def from_csv(
        cls,
        path: str | Path,
        space,
        *,
        signal: str = DEFAULT_SIGNAL,
        report: str = DEFAULT_REPORT,
        cost_column: str | None = DEFAULT_COST_COLUMN,
        cost_scale: float = DEFAULT_COST_SCALE,
    ) -> BenchmarkObjective:
        """Read a table with an ``index`` column (official order of an enumerable space) or an ``arch``
        column (strings the space parses).  ``cost_column=None`` charges ``cost_scale`` per query."""
        if not (cost_scale >= 0 and math.isfinite(cost_scale)):
            raise InvalidArgument(f"cost scale must be a finite number >= 0, got {cost_scale}")
        cols = read_columns(path)
        for c in (signal, report) + ((cost_column,) if cost_column else ()):
            if c not in cols:
                raise UnknownName("column", c, list(cols))
        n = len(cols[signal])
        if n == 0:
            raise DataError(f"benchmark table {str(path)!r} has no rows")
        sig = np.array([_float(v) for v in cols[signal]])
        rep = np.array([_float(v) for v in cols[report]])
        cost = np.array([_float(v) for v in cols[cost_column]]) if cost_column else np.ones(n)
        if "index" in cols and space.size is not None:
            idx = np.array([int(v) for v in cols["index"]])
            if idx.min() < 0 or idx.max() >= space.size:
                raise DataError(f"benchmark table {str(path)!r}: index out of range for space {space.name!r}")
            if "arch" in cols:  # the table and the space must agree on the index order
                for r in range(0, n, max(1, n // 7)):
                    if space.format(space.index_to_arch(int(idx[r]))) != space.format(space.parse(cols["arch"][r])):
                        raise DataError(
                            f"benchmark table {str(path)!r}: row {r} index {idx[r]} is not the same architecture "
                            f"as in space {space.name!r}"
                        )
            row_of_index = np.full(space.size, -1)
            row_of_index[idx] = np.arange(n)

            def rows(arch: Hashable) -> int:
                r = int(row_of_index[space.arch_to_index(arch)])
                if r < 0:
                    raise InvalidArgument(f"architecture {space.format(arch)!r} is not in the benchmark table")
                return r

        elif "arch" in cols:
            table = {space.parse(a): i for i, a in enumerate(cols["arch"])}

            def rows(arch: Hashable) -> int:
                try:
                    return table[arch]
                except KeyError:
                    raise InvalidArgument(f"architecture {space.format(arch)!r} is not in the benchmark table") from None

        else:
            raise DataError(f"benchmark table {str(path)!r} has neither an 'index' nor an 'arch' column")
        return cls(signal=sig, report=rep, cost=cost, rows=rows, names=(signal, report, cost_column),
                   cost_scale=cost_scale)

    def evaluate(self, arch: Hashable) -> Evaluation:
        r = self.rows(arch)
        return Evaluation(float(self.signal[r]), float(self.cost[r]) * self.cost_scale, float(self.report[r]))

    def report_of(self, arch: Hashable) -> float:
        return float(self.report[self.rows(arch)])

    @property
    def best_report(self) -> float:
        """The best report value in the table (regret is measured against it)."""
        return float(np.nanmax(self.report))


# --- heuristics -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScoreSetting:
    """Which stored scores to use: the store's natural key without the architecture."""

    space: str
    heuristic: str
    dataset: str = "cifar10"
    batch_size: int = 64
    seed: int = 0


class HeuristicObjective(Objective):
    """A heuristic as an objective: value = score (negated if lower is better), cost = measured seconds.

    ``cached`` maps the architecture's string to ``(score, seconds)`` from real scoring runs (see
    :func:`stored_scores`); ``live`` computes a missing one and returns ``(score, seconds)`` (see
    :func:`live_scorer`).  With neither available for an architecture, evaluation fails with a clear
    error: a score is never invented.  ``stats`` counts stored and live evaluations.
    """

    fidelity = HEURISTIC

    def __init__(
        self,
        *,
        space,
        name: str,
        higher_is_better: bool = True,
        cached: dict[str, tuple[float, float]] | None = None,
        live: Callable[[Hashable], tuple[float, float]] | None = None,
        on_live: Callable[[Hashable, float, float], None] | None = None,
    ):
        self.space = space
        self.name = name
        self.higher_is_better = higher_is_better
        self.cached = cached if cached is not None else {}
        self.live = live
        self.on_live = on_live
        self.stats = {"stored": 0, "live": 0}

    def evaluate(self, arch: Hashable) -> Evaluation:
        key = self.space.format(arch)
        hit = self.cached.get(key)
        if hit is not None:
            self.stats["stored"] += 1
            value, seconds = hit
        elif self.live is not None:
            value, seconds = self.live(arch)
            self.stats["live"] += 1
            self.cached[key] = (value, seconds)
            if self.on_live is not None:
                self.on_live(arch, value, seconds)
        else:
            raise DataError(
                f"no stored {self.name!r} score for {key!r} and live scoring is off; "
                "score the architectures first (archrank score ... --store S) or allow live scoring"
            )
        v = float(value) if self.higher_is_better else -float(value)
        return Evaluation(v, float(seconds))


def stored_scores(store, setting: ScoreSetting | None = None, *, space: str | None = None,
                  heuristic: str | None = None) -> tuple[dict[str, tuple[float, float]], ScoreSetting | None]:
    """``arch -> (value, seconds)`` of the stored scores of one setting, and that setting.

    With ``setting=None`` the store must hold exactly one setting (dataset, batch size, seed) of
    ``heuristic`` in ``space``; several raise an error naming them.  Records without measured seconds
    are skipped with a warning (they cannot be charged); failed computations are kept as NaN.
    """
    if setting is not None:
        recs = store.scores(space=setting.space, heuristic=setting.heuristic, dataset=setting.dataset,
                            batch_size=setting.batch_size, seed=setting.seed)
    else:
        recs = store.scores(space=space, heuristic=heuristic)
        settings = sorted({(r.dataset, r.batch_size, r.seed) for r in recs})
        if len(settings) > 1:
            raise InvalidArgument(
                f"the store holds {heuristic!r} scores for several settings; choose one of (dataset, batch size, "
                "seed): " + ", ".join(map(str, settings))
            )
        if settings:
            d, b, s = settings[0]
            setting = ScoreSetting(space, heuristic, d, b, s)
    out: dict[str, tuple[float, float]] = {}
    skipped = 0
    for r in recs:
        if r.seconds is None or not math.isfinite(r.seconds):
            skipped += 1
            continue
        out[r.arch] = (float(r.value), float(r.seconds))
    if skipped:
        warnings.warn(f"{skipped} stored {heuristic or setting.heuristic!r} scores have no measured seconds; "
                      "they are not used (their cost cannot be charged)", stacklevel=2)
    return out, setting


def live_scorer(space, heuristic: str, *, dataset: str = "cifar10", batch_size: int = 64, seed: int = 0,
                data_dir: str | None = None) -> Callable[[Hashable], tuple[float, float]]:
    """A function ``arch -> (score, seconds)`` computing ``heuristic`` as ``archrank score`` does.

    The batch is the one a scoring run with the same (dataset, batch size, seed) uses
    (:func:`archrank.scoring.load_batch`), loaded once on first use; the context is built the same way,
    so a live score equals the stored one.  Seconds are those measured by
    :func:`archrank.heuristics.evaluate`.
    """
    from archrank.heuristics import HEURISTICS, ScoreContext, evaluate

    h = HEURISTICS.get(heuristic)
    batch: dict[str, Any] = {}

    def score(arch: Hashable) -> tuple[float, float]:
        if not batch:
            from archrank.scoring import load_batch, num_classes_of

            inputs = targets = None
            if h.needs & {"data", "labels", "gradients"}:
                inputs, targets = load_batch(dataset, batch_size, seed, data_dir)
            batch.update(inputs=inputs, targets=targets, num_classes=num_classes_of(dataset))
        ctx = ScoreContext(arch=arch, space=space, inputs=batch["inputs"], targets=batch["targets"],
                           num_classes=batch["num_classes"], seed=seed, dataset=dataset)
        res = evaluate(h, ctx)
        return res.value, res.seconds

    return score


def store_writer(store, setting: ScoreSetting) -> Callable[[Hashable, float, float], None]:
    """``on_live`` callback writing a live score to ``store`` as a computed record of ``setting``."""
    from archrank.spaces import get_space
    from archrank.store import ScoreRecord

    space = get_space(setting.space)

    def write(arch: Hashable, value: float, seconds: float) -> None:
        a = space.format(arch)
        idx = space.arch_to_index(arch) if space.size is not None else None
        store.put_archs(space.name, [(a, space.canonical(arch), idx)])
        store.put_scores([ScoreRecord(setting.space, a, setting.heuristic, setting.dataset, setting.batch_size,
                                      setting.seed, float(value), float(seconds))])

    return write


def heuristic_objective(space, heuristic: str, *, store=None, live: bool = True, dataset: str | None = None,
                        batch_size: int | None = None, seed: int | None = None,
                        data_dir: str | None = None) -> HeuristicObjective:
    """The heuristic objective of a search: stored scores of ``store`` first, live scoring for the rest.

    The score setting is (dataset, batch size, seed); each left ``None`` is taken from the store when it
    holds exactly one setting of ``heuristic``, else the defaults of ``archrank score`` (cifar10, 64, 0).
    Live scores are written back to the store.
    """
    from archrank.heuristics import HEURISTICS

    h = HEURISTICS.get(heuristic)
    cached: dict[str, tuple[float, float]] = {}
    found: ScoreSetting | None = None
    if store is not None:
        if dataset is None and batch_size is None and seed is None:
            cached, found = stored_scores(store, space=space.name, heuristic=heuristic)
        else:
            setting = ScoreSetting(space.name, heuristic, dataset or "cifar10",
                                   64 if batch_size is None else batch_size, 0 if seed is None else seed)
            cached, found = stored_scores(store, setting)
    setting = found or ScoreSetting(space.name, heuristic, dataset or "cifar10",
                                    64 if batch_size is None else batch_size, 0 if seed is None else seed)
    scorer = live_scorer(space, heuristic, dataset=setting.dataset, batch_size=setting.batch_size,
                         seed=setting.seed, data_dir=data_dir) if live else None
    writer = store_writer(store, setting) if (store is not None and live) else None
    obj = HeuristicObjective(space=space, name=heuristic, higher_is_better=h.higher_is_better, cached=cached,
                             live=scorer, on_live=writer)
    obj.setting = setting
    return obj
