"""Writing search runs to the results store.

Each run of a search becomes one store run per fidelity used (kind ``"search"``, config = the search's
config plus ``run`` (its position), ``run_seed`` and ``fidelity``), whose trajectory steps keep the
run's global step numbers, so the fidelities of one run merge back by step.  A step holds the
architecture, the value told to the strategy, the cost charged and the report value of the strategy's
recommendation after that step (``best_so_far``).  Writing the same search twice changes nothing.

The search as a whole is one more run, of kind ``"search_command"`` (:func:`recorded_search`), open while
the search runs: its status says whether the command finished, was interrupted (SIGINT/SIGTERM, or
``kill -9`` found later by its dead process) or failed.  Live heuristic scores are written to the store as
they are computed, so a rerun of the same search reuses them; trajectories are written when it ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from archrank.run.guard import guarded_run
from archrank.search.harness import SearchSummary

#: The store run kind of a whole search command (its per-run trajectories are runs of kind ``"search"``).
COMMAND_KIND = "search_command"


@contextmanager
def recorded_search(store, config: dict[str, Any]) -> Iterator[int | None]:
    """Run the block as the search ``config`` recorded in ``store``: yields the run id (None without a store),
    marks the run ``finished`` when the block ends, ``interrupted`` when SIGINT/SIGTERM stop it, ``failed``
    when an error does (:func:`archrank.run.guard.guarded_run`).  The same ``config`` reopens the same run."""
    run_id = None if store is None else store.open_run(COMMAND_KIND, config)
    with guarded_run(store, run_id):
        yield run_id
        if store is not None:
            store.finish_run(run_id)


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
