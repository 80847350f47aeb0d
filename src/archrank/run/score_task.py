"""The work a scoring run ships to its executor: one architecture, several heuristics.

:class:`ScoringTask` travels to every worker once per run (the space by name, the batch as tensors);
:func:`score_arch` is the picklable task function.  A heuristic that raises becomes a result with its
error, so one failure never stops a run.

Shared passes: the heuristics of one architecture share one :class:`~archrank.heuristics.ScoreContext`,
so a pass several of them use (:mod:`archrank.heuristics.passes`) is computed once, by the first heuristic
that asks; the others read it.  The ``seconds`` stored for a heuristic of a shared evaluation is therefore
its *marginal* cost (the first user of a pass pays for it); its standalone cost is measured by scoring it
alone (``benchmarks/bench_throughput.py`` prints both).  A pass that holds memory in proportion to the
network is dropped as soon as no heuristic left to evaluate reads it
(:data:`archrank.heuristics.passes.READERS`); the context (and every pass with it) is dropped when the
architecture is done.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from archrank.run.context import score_context
from archrank.run.plugins import load_plugins
from archrank.run.setting import ScoreSetting


@dataclass(frozen=True)
class ScoringTask:
    """What every task of a run needs: the setting, the batch, the class count, plugins and resources."""

    setting: ScoreSetting
    inputs: Any = None
    targets: Any = None
    num_classes: int = 10
    plugins: tuple[str, ...] = ()
    extras: dict[str, Any] = field(default_factory=dict)
    #: A space that is not registered (a set of user models), shipped with the task; None: the setting's
    #: space, looked up by name in each worker.
    space: Any = None


@dataclass(frozen=True)
class TaskResult:
    """One heuristic's outcome on one architecture."""

    heuristic: str
    value: float
    seconds: float
    flops: float | None
    error: str | None


_LIBC: Any = None


def trim_heap() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``; nothing elsewhere).  Freed
    tensors below the allocator's mapping threshold stay in the heap otherwise: on NB101's largest network
    2.1 GB stay resident after az_expressivity alone.  Costs well under a millisecond."""
    global _LIBC
    if _LIBC is None:
        import ctypes
        import ctypes.util

        try:
            lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _LIBC = lib if hasattr(lib, "malloc_trim") else False
        except OSError:
            _LIBC = False
    if _LIBC:
        _LIBC.malloc_trim(0)


def score_arch(item: tuple, task: ScoringTask) -> list[TaskResult]:
    """Score one architecture (given by its string) with several heuristics; failures become results.

    ``item`` is ``(arch, heuristics)`` or ``(arch, heuristics, class_values)``; ``class_values`` (pairs of
    a canonical-invariant heuristic and its value for the architecture's class) go to the context's
    ``class_values`` (see :func:`archrank.heuristics.member_value`).

    Runs with ``task.setting.threads`` torch threads (restored afterwards): float reductions depend on the
    thread count, so fixing it makes every executor give identical results.
    """
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(task.setting.threads)
    try:
        return _score_arch(item, task)
    finally:
        torch.set_num_threads(previous)


def _score_arch(item: tuple, task: ScoringTask) -> list[TaskResult]:
    from archrank.heuristics import HEURISTICS, evaluate
    from archrank.heuristics.passes import evaluation_order, release_passes
    from archrank.spaces import get_space

    load_plugins(task.plugins)
    arch_text, names, *rest = item  # (arch, heuristics[, class values: ((heuristic, value), ...)])
    space = get_space(task.setting.space) if task.space is None else task.space
    arch = space.parse(arch_text)
    out = []
    # One context for all the heuristics of this architecture: the passes they share are computed once.
    ctx = score_context(task.setting, arch, space=space, inputs=task.inputs, targets=task.targets,
                        num_classes=task.num_classes, extras=task.extras)
    if rest:
        ctx.class_values = dict(rest[0])
    ctx.wanted = frozenset(names)
    order = evaluation_order(names)  # each large pass's readers together, so that it goes early
    for i, name in enumerate(order):
        if i:  # the passes no heuristic left reads go, and the heap's freed pages back to the system
            release_passes(ctx, order[i:])
            trim_heap()
        h = HEURISTICS.get(name)
        t0 = time.perf_counter()
        try:
            r = evaluate(h, ctx)
        except Exception as e:  # noqa: BLE001 - any failure is recorded with its reason; the run goes on
            out.append(TaskResult(name, float("nan"), time.perf_counter() - t0, None,
                                  f"{type(e).__name__}: {e}".strip()))
        else:
            out.append(TaskResult(name, r.value, r.seconds, r.flops, r.error))
    done = {r.heuristic: r for r in out}
    return [done[n] for n in names]  # in the order asked
