"""Writing search runs to the results store.

Each run of a search becomes one store run per fidelity used (kind ``"search"``, config = the search's
config plus ``run`` (its position), ``run_seed`` and ``fidelity``), whose trajectory steps keep the
run's global step numbers, so the fidelities of one run merge back by step.  A step holds the
architecture, the value told to the strategy, the cost charged and the report value of the strategy's
recommendation after that step (``best_so_far``).  Writing the same search twice changes nothing.
"""

from __future__ import annotations

from typing import Any

from archrank.search.harness import SearchSummary


def save_trajectories(store, summary: SearchSummary, space, config: dict[str, Any]) -> list[int]:
    """Write every run of ``summary`` to ``store``; returns the store run ids."""
    from archrank.store import TrajectoryStep

    ids = []
    fmt: dict[Any, str] = {}
    for i, res in enumerate(summary.results):
        fids = list(dict.fromkeys(s.fidelity for s in res.steps)) or ["signal"]
        for fid in fids:
            run_id = store.open_run("search", {**config, "run": i, "run_seed": res.seed, "fidelity": fid})
            steps = []
            for k, s in enumerate(res.steps):
                if s.fidelity != fid:
                    continue
                a = fmt.get(s.arch)
                if a is None:
                    a = fmt[s.arch] = space.format(s.arch)
                steps.append(TrajectoryStep(run_id, k, a, s.value, s.cost, s.best_report, space.name))
            store.put_trajectory(steps)
            store.finish_run(run_id)
            ids.append(run_id)
    return ids
