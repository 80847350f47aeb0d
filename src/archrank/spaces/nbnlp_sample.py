"""Sampling and local moves for NAS-Bench-NLP cells (see :mod:`archrank.spaces.nbnlp`).

``sample_recepie`` follows the generation procedure of the NAS-Bench-NLP release (its ``RecepieGenerator``):

1. Draw the state-tuple size ``k`` from {1, 2, 3} and the node budget ``m`` from {7, 14, 21} (the release
   generated equally many graphs for each of the 9 pairs).
2. Grow a redundant graph until it has ``k + m`` nodes: pick an op with weights linear 3, blend 1,
   elementwise_prod 1, elementwise_sum 1.  A ``linear`` node takes 2 (probability 0.8) or 3 (0.2) distinct
   inputs among ``x``, the ``h_prev_*`` and the activation nodes made so far, and is always followed by an
   activation node on it (tanh / sigmoid / leaky ReLU, equally likely; this may exceed the budget by one).
   ``blend`` (3 inputs) and the elementwise ops (2) take distinct inputs among the ``h_prev_*`` and every
   node made so far (never ``x`` directly); when there are too few candidates the draw is repeated.
3. Rename ``k`` distinct random nodes to ``h_new_0 .. h_new_{k-1}`` (in the order drawn) and delete every
   node from which no ``h_new`` is reachable.
4. Accept the graph only if ``x`` and every ``h_prev_i`` are still read, and no ``h_new_i`` reads an
   ``h_prev`` directly; otherwise start again (the release kept only the seeds that passed this check).

Names are ``node_<n>`` with the gaps that step 3 leaves, as in the benchmark's files.
"""

from __future__ import annotations

import numpy as np

from archrank.errors import InvalidArgument
from archrank.spaces.nbnlp import ACTIVATIONS, ARITY, Recepie, validate

MAIN_OPS = ("linear", "blend", "elementwise_prod", "elementwise_sum")
MAIN_WEIGHTS = np.array([3.0, 1.0, 1.0, 1.0]) / 6.0
STATE_SIZES = (1, 2, 3)
NODE_BUDGETS = (7, 14, 21)
_MAX_TRIES = 10_000


def _choose(rng: np.random.Generator, items: list[str], n: int) -> list[str]:
    return [items[int(i)] for i in rng.choice(len(items), size=n, replace=False)]


def _grow(rng: np.random.Generator, k: int, budget: int) -> dict[str, tuple[str, list[str]]]:
    base = ["x"] + [f"h_prev_{i}" for i in range(k)]
    graph: dict[str, tuple[str, list[str]]] = {}
    activations: list[str] = []
    i = 0
    while i < k + budget:
        op = MAIN_OPS[int(rng.choice(len(MAIN_OPS), p=MAIN_WEIGHTS))]
        if op == "linear":
            cands = base + activations
            n = min(2 if rng.random() < 0.8 else 3, len(cands))
            graph[f"node_{i}"] = ("linear", _choose(rng, cands, n))
            act = ACTIVATIONS[int(rng.integers(len(ACTIVATIONS)))]
            graph[f"node_{i + 1}"] = (act, [f"node_{i}"])
            activations.append(f"node_{i + 1}")
            i += 2
        else:
            cands = base[1:] + list(graph)
            n = ARITY[op][0]
            if n <= len(cands):
                graph[f"node_{i}"] = (op, _choose(rng, cands, n))
                i += 1
    return graph


def _finish(rng: np.random.Generator, graph: dict[str, tuple[str, list[str]]], k: int) -> Recepie | None:
    chosen = _choose(rng, list(graph), k)
    rename = {old: f"h_new_{j}" for j, old in enumerate(chosen)}
    g = {rename.get(n, n): (op, [rename.get(i, i) for i in ins]) for n, (op, ins) in graph.items()}
    # keep what some h_new reaches backwards
    keep: set[str] = set()
    stack = [f"h_new_{j}" for j in range(k)]
    while stack:
        n = stack.pop()
        if n in keep:
            continue
        keep.add(n)
        stack.extend(g[n][1] if n in g else [])
    prevs = {f"h_prev_{j}" for j in range(k)}
    if not ({"x"} | prevs) <= keep:
        return None
    if any(set(g[f"h_new_{j}"][1]) & prevs for j in range(k)):
        return None
    order = [n for n in g if n in keep and not n.startswith("h_new_")] + [f"h_new_{j}" for j in range(k)]
    return validate(Recepie(tuple((n, g[n][0], tuple(g[n][1])) for n in order)))


def sample_recepie(rng: np.random.Generator, *, num_states: int | None = None,
                   budget: int | None = None) -> Recepie:
    """One cell drawn by the NAS-Bench-NLP procedure (module docstring) from ``rng``."""
    for key, v, valid in (("num_states", num_states, STATE_SIZES), ("budget", budget, NODE_BUDGETS)):
        if v is not None and (not isinstance(v, int) or v < 1):
            raise InvalidArgument(f"{key}={v!r} must be a positive integer (the benchmark used {valid})")
    for _ in range(_MAX_TRIES):
        k = num_states or STATE_SIZES[int(rng.integers(len(STATE_SIZES)))]
        m = budget or NODE_BUDGETS[int(rng.integers(len(NODE_BUDGETS)))]
        arch = _finish(rng, _grow(rng, k, m), k)
        if arch is not None:
            return arch
    raise InvalidArgument(f"no valid cell in {_MAX_TRIES} draws with num_states={num_states}, budget={budget}")


# ------------------------------------------------------------------------------------------ moves
_SWAP = {a: tuple(b for b in ACTIVATIONS if b != a) for a in ACTIVATIONS}
_SWAP.update({"elementwise_prod": ("elementwise_sum",), "elementwise_sum": ("elementwise_prod",)})


def _replace(arch: Recepie, name: str, op: str, ins: tuple[str, ...]) -> Recepie:
    return Recepie(tuple((n, op, ins) if n == name else (n, o, i) for n, o, i in arch.nodes))


def neighbours(arch: Recepie) -> list[Recepie]:
    """Every valid cell one decision away: change an activation (or prod <-> sum), rewire one input of a node
    to another earlier node or cell input, or add / drop an input of a ``linear`` node (2 <-> 3 inputs).
    Node names and the state-tuple size stay the same; the result has no duplicates and excludes ``arch``."""
    order = arch.order
    pos = {n: p for p, n in enumerate(order)}
    cell_inputs = ["x"] + [f"h_prev_{j}" for j in range(arch.num_states)]
    out: list[Recepie] = []
    seen = {arch}

    def add(r: Recepie) -> None:
        if r not in seen:
            seen.add(r)
            out.append(r)

    for name, op, ins in arch.nodes:
        for new_op in _SWAP.get(op, ()):
            add(_replace(arch, name, new_op, ins))
        earlier = cell_inputs + [n for n in order if pos[n] < pos[name]]
        for slot in range(len(ins)):
            for cand in earlier:
                if cand in ins:
                    continue
                add(_replace(arch, name, op, ins[:slot] + (cand,) + ins[slot + 1:]))
        if op == "linear":
            if len(ins) == 2:
                for cand in earlier:
                    if cand not in ins:
                        add(_replace(arch, name, op, ins + (cand,)))
            elif len(ins) == 3:
                for slot in range(3):
                    add(_replace(arch, name, op, ins[:slot] + ins[slot + 1:]))
    return out


__all__ = ["MAIN_OPS", "NODE_BUDGETS", "STATE_SIZES", "neighbours", "sample_recepie"]
