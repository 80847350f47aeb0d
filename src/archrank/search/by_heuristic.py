"""A search whose objective is a heuristic, with no benchmark: the architectures it scored, best first.

:func:`search_by_heuristic` runs one strategy (default ``rea``) with a
:class:`~archrank.search.heuristic_objective.HeuristicObjective` as its objective: each architecture the
strategy asks for is scored (stored scores of ``store`` first, the rest computed now and written back to
``store``).  The budget is the heuristic's own cost: ``budget_seconds`` of measured scoring time (a stored
score is charged the seconds stored with it, a live one the seconds measured now) and/or ``budget_archs``
distinct architectures scored; a repeated query is neither scored nor charged again (in either budget).  The result lists every distinct architecture scored, best first by the heuristic, so
that the top K can be trained (``archrank train --archs``) and the two rankings compared
(``archrank correlate --metric trained``).
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from archrank.errors import InvalidArgument
from archrank.search.base import HEURISTIC, SIGNAL
from archrank.search.objectives import Evaluation, Objective

__all__ = ["HeuristicSearch", "Scored", "search_by_heuristic", "write_arch_file"]


@dataclass(frozen=True)
class Scored:
    """One architecture scored by the search: its string, its raw score and the seconds charged for it."""

    arch: str
    score: float
    seconds: float


@dataclass
class HeuristicSearch:
    """What :func:`search_by_heuristic` found: ``ranked`` holds every distinct architecture scored, best
    first (NaN scores last); ``stats`` counts those read from the store and those computed now."""

    space: str
    heuristic: str
    strategy: str
    higher_is_better: bool
    ranked: list[Scored]
    queries: int
    seconds: float
    wall_seconds: float
    stats: dict[str, int] = field(default_factory=dict)
    setting: dict[str, Any] = field(default_factory=dict)

    def top(self, k: int) -> list[Scored]:
        """The best ``k`` architectures (fewer when fewer were scored)."""
        return self.ranked[:k]

    def to_json(self, k: int | None = None) -> dict[str, Any]:
        rows = self.ranked if k is None else self.top(k)
        return {"space": self.space, "heuristic": self.heuristic, "strategy": self.strategy,
                "higher_is_better": self.higher_is_better, "scored": len(self.ranked), "queries": self.queries,
                "seconds": round(self.seconds, 3), "wall_seconds": round(self.wall_seconds, 3),
                "scores": dict(self.stats), "setting": self.setting,
                "top": [{"arch": r.arch, "score": r.score if math.isfinite(r.score) else None,
                         "seconds": round(r.seconds, 4)} for r in rows]}


class _OncePerArch(Objective):
    """``objective`` with a repeated query free: the heuristic was computed (or read) once per architecture,
    so only its first query is charged."""

    def __init__(self, objective: Objective, fidelity: str):
        self.objective = objective
        self.fidelity = fidelity
        self._seen: set[Hashable] = set()

    def evaluate(self, arch: Hashable) -> Evaluation:
        ev = self.objective.evaluate(arch)
        if arch in self._seen:
            return Evaluation(ev.value, 0.0, ev.report)
        self._seen.add(arch)
        return ev


def search_by_heuristic(space, heuristic: str, *, strategy: str = "rea", budget_archs: int | None = None,
                        budget_seconds: float | None = None, seed: int = 0, params: dict[str, Any] | None = None,
                        store=None, live: bool = True, dataset: str | None = None, batch_size: int | None = None,
                        score_seed: int | None = None, data_dir: str | None = None, threads: int | None = None,
                        device: str = "cpu") -> HeuristicSearch:
    """Search ``space`` (a SearchSpace or its name) with ``strategy`` on ``heuristic`` under the heuristic's
    own cost (see the module docstring); at least one of ``budget_archs`` and ``budget_seconds`` is needed.

    The score setting (``dataset``, ``batch_size``, ``score_seed``) defaults as in
    :func:`~archrank.search.heuristic_objective.heuristic_objective`: the store's one setting of the
    heuristic, else the run layer's defaults.
    """
    from archrank.search.harness import search
    from archrank.search.heuristic_objective import heuristic_objective
    from archrank.spaces import get_space

    sp = get_space(space) if isinstance(space, str) else space
    if budget_archs is None and budget_seconds is None:
        raise InvalidArgument("give a budget: budget_archs (architectures scored) and/or budget_seconds "
                              "(seconds of scoring)", parameter="budget_archs")
    if budget_archs is not None and int(budget_archs) < 1:
        raise InvalidArgument(f"budget_archs must be >= 1, got {budget_archs}", parameter="budget_archs")
    if budget_seconds is not None and not (budget_seconds > 0 and math.isfinite(budget_seconds)):
        raise InvalidArgument(f"budget_seconds must be > 0 and finite, got {budget_seconds}",
                              parameter="budget_seconds")
    if sp.size is not None and budget_archs is not None:
        budget_archs = min(int(budget_archs), sp.size)  # a strategy cannot find more than the space holds
    obj = heuristic_objective(sp, heuristic, store=store, live=live, dataset=dataset, batch_size=batch_size,
                              seed=score_seed, data_dir=data_dir, charge="wall", threads=threads, device=device)
    stored_before = set(obj.cached)
    once = _OncePerArch(obj, SIGNAL)
    summary = search(strategy, space=sp, objectives={SIGNAL: once, HEURISTIC: _OncePerArch(obj, HEURISTIC)},
                     budget_seconds=math.inf if budget_seconds is None else float(budget_seconds), runs=1,
                     seed=seed, params=params, max_archs=budget_archs)
    run = summary.results[0]
    seen: dict[str, Scored] = {}
    for step in run.steps:
        key = sp.format(step.arch)
        if key not in seen:
            raw = step.value if obj.higher_is_better else -step.value
            seen[key] = Scored(key, float(raw), float(step.cost))
    sign = 1.0 if obj.higher_is_better else -1.0
    ranked = sorted(seen.values(), key=lambda r: (not math.isfinite(r.score), -sign * r.score
                                                  if math.isfinite(r.score) else 0.0, r.arch))
    k = obj.setting.key if obj.setting is not None else {}
    n_stored = sum(r.arch in stored_before for r in ranked)
    stats = {"stored": n_stored, "live": len(ranked) - n_stored}
    return HeuristicSearch(sp.name, heuristic, strategy, obj.higher_is_better, ranked, run.queries, run.seconds,
                           summary.wall_seconds, stats, dict(k))


def write_arch_file(path, result: HeuristicSearch, k: int) -> None:
    """Write the best ``k`` of ``result`` to ``path``, one architecture a line (what ``archs`` files hold),
    each preceded by a ``#`` comment with its rank and score."""
    head = (f"# top {min(k, len(result.ranked))} of {len(result.ranked)} architectures of {result.space} scored "
            f"by {result.heuristic} ({'higher' if result.higher_is_better else 'lower'} is better), "
            f"search {result.strategy}")
    lines = [head]
    for i, r in enumerate(result.top(k), 1):
        lines += [f"# {i}: {result.heuristic} = {r.score:.6g}", r.arch]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
