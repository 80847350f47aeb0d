"""Graph features of an architecture's cell, in the spirit of GRAF (Kadlecova et al., ICML 2024).

Every space's architecture is first written as a :class:`CellGraph`: a DAG whose nodes carry an operation
name (the space's vocabulary) or a structural label (``input``, ``output``, ``node`` for a sum/concat state
that computes nothing itself).  Operations on edges (NB201, DARTS cells) become nodes of their own; a zero
operation (``none``) is no edge.  From the graph, for the space's vocabulary of operations:

* ``count:<op>``: nodes of that operation on some input -> output path (dead nodes compute nothing);
* ``paths``: number of input -> output paths; ``paths:<op>``: those through at least one ``op`` node;
* ``depth_max`` / ``depth_min``: most and fewest operation nodes on an input -> output path;
* ``in_output``: edges into the output; ``out_inputs``: live edges leaving the inputs; ``live_nodes``.

GRAF's own list (per operation subset: minimal path length, number of paths, node degrees) is larger and
its subsets were chosen per space by its authors; the features above are the subset that is defined for
every space without a per-space choice (docs/predictors.md).  DARTS-family networks give the features of
the normal and the reduce cell side by side (plus ``log2 width`` and ``depth`` where the space samples the
network size).  Spaces without a cell graph (NATS size space, the MLP space) give their layer sizes, and a
grid space (`archrank.spaces.grid`) the values of its numeric keys.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from archrank.errors import InvalidArgument
from archrank.spaces.grid import GridSpace

INPUT, OUTPUT, STATE = "input", "output", "node"


@dataclass(frozen=True)
class CellGraph:
    """Node labels and directed edges ``(src, dst)``; ``inputs`` and ``output`` are node indices."""

    ops: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]
    inputs: tuple[int, ...]
    output: int


def _order(n: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    indeg = [0] * n
    succ: list[list[int]] = [[] for _ in range(n)]
    for s, d in edges:
        succ[s].append(d)
        indeg[d] += 1
    todo = [i for i in range(n) if indeg[i] == 0]
    out = []
    while todo:
        i = todo.pop()
        out.append(i)
        for j in succ[i]:
            indeg[j] -= 1
            if indeg[j] == 0:
                todo.append(j)
    if len(out) != n:
        raise InvalidArgument("cell graph has a cycle")
    return out


def graph_stats(g: CellGraph, vocabulary: Sequence[str]) -> np.ndarray:
    """The feature vector of :func:`graph_stat_names` for ``g`` (see the module docstring)."""
    n = len(g.ops)
    order = _order(n, g.edges)
    succ: list[list[int]] = [[] for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    for s, d in g.edges:
        succ[s].append(d)
        pred[d].append(s)
    fwd = [i in g.inputs for i in range(n)]
    for i in order:
        fwd[i] = fwd[i] or any(fwd[p] for p in pred[i])
    bwd = [i == g.output for i in range(n)]
    for i in reversed(order):
        bwd[i] = bwd[i] or any(bwd[s] for s in succ[i])
    live = [f and b for f, b in zip(fwd, bwd)]

    def count_paths(blocked: str | None) -> float:
        c = [0.0] * n
        for i in order:
            if not live[i] or g.ops[i] == blocked:
                continue
            c[i] = (1.0 if i in g.inputs else 0.0) + sum(c[p] for p in pred[i])
        return c[g.output]

    weight = [1 if op in vocabulary else 0 for op in g.ops]
    inf = float("inf")
    lo = [inf] * n
    hi = [-inf] * n
    for i in order:
        if not live[i]:
            continue
        best_lo = 0.0 if i in g.inputs else min((lo[p] for p in pred[i] if live[p]), default=inf)
        best_hi = 0.0 if i in g.inputs else max((hi[p] for p in pred[i] if live[p]), default=-inf)
        lo[i], hi[i] = best_lo + weight[i], best_hi + weight[i]
    total = count_paths(None)
    reached = live[g.output]
    feats = [float(sum(live[i] and g.ops[i] == op for i in range(n))) for op in vocabulary]
    feats.append(total)
    feats += [total - count_paths(op) for op in vocabulary]
    feats += [hi[g.output] if reached else 0.0, lo[g.output] if reached else 0.0]
    feats.append(float(sum(live[s] for s in pred[g.output])))
    feats.append(float(sum(live[d] for i in g.inputs for d in succ[i])))
    feats.append(float(sum(live)))
    return np.asarray(feats, dtype=float)


def graph_stat_names(vocabulary: Sequence[str], prefix: str = "") -> list[str]:
    return ([f"{prefix}count:{op}" for op in vocabulary] + [f"{prefix}paths"]
            + [f"{prefix}paths:{op}" for op in vocabulary]
            + [f"{prefix}{k}" for k in ("depth_max", "depth_min", "in_output", "out_inputs", "live_nodes")])


# --- each space's cell as a CellGraph ---------------------------------------------------------------
def _edge_op_graph(num_states: int, inputs: Sequence[int], output_from: Sequence[int],
                   edges: Sequence[tuple[int, int, str]], zero: str = "none") -> CellGraph:
    """States 0..num_states-1 joined by operation edges ``(src, dst, op)``; the output is the one state of
    ``output_from``, or a node concatenating them."""
    ops = [INPUT if s in inputs else STATE for s in range(num_states)]
    out_edges: list[tuple[int, int]] = []
    for s, d, op in edges:
        if op == zero:
            continue
        ops.append(op)
        out_edges += [(s, len(ops) - 1), (len(ops) - 1, d)]
    if len(output_from) == 1:  # that state is the output (NB201): its in-degree counts its operations
        ops[output_from[0]] = OUTPUT
        return CellGraph(tuple(ops), tuple(out_edges), tuple(inputs), output_from[0])
    ops.append(OUTPUT)  # a concatenation of several states (DARTS cells)
    out = len(ops) - 1
    out_edges += [(s, out) for s in output_from]
    return CellGraph(tuple(ops), tuple(out_edges), tuple(inputs), out)


def nb201_graph(arch: Sequence[str]) -> CellGraph:
    from archrank.spaces.nb201 import EDGES

    return _edge_op_graph(4, (0,), (3,), [(s, d, op) for (d, s), op in zip(EDGES, arch)])


def nb101_graph(arch) -> CellGraph:
    m = arch.matrix
    n = len(arch.ops)
    edges = tuple((i, j) for i in range(n) for j in range(n) if m[i][j])
    ops = tuple(INPUT if i == 0 else OUTPUT if i == n - 1 else op for i, op in enumerate(arch.ops))
    return CellGraph(ops, edges, (0,), n - 1)


def darts_cell_graph(cell, concat: Sequence[int], num_nodes: int) -> CellGraph:
    edges = [(int(src), 2 + k // 2, op) for k, (op, src) in enumerate(cell)]
    return _edge_op_graph(num_nodes + 2, (0, 1), tuple(concat), edges)


def nbnlp_graph(arch) -> CellGraph:
    names = [n for n, _, _ in arch.nodes]
    extra = sorted({i for _, _, ins in arch.nodes for i in ins if i not in arch.by_name})
    index = {n: k for k, n in enumerate(extra + names)}
    ops = tuple([INPUT] * len(extra) + [op for _, op, _ in arch.nodes] + [OUTPUT])
    edges = [(index[i], index[n]) for n, _, ins in arch.nodes for i in ins]
    out = len(ops) - 1
    edges.append((index["h_new_0"], out))
    return CellGraph(ops, tuple(edges), tuple(range(len(extra))), out)


def generic_graph(arch) -> CellGraph:
    L = len(arch.cells)
    ops = (INPUT,) + tuple(c.op for c in arch.cells) + (OUTPUT,)
    edges = [(i, j) for j in range(1, L + 1) for i in range(j) if arch.edges[j - 1][i]]
    edges.append((L, L + 1))
    return CellGraph(ops, tuple(edges), (0,), L + 1)


def _log2(v: float) -> float:
    return float(np.log2(max(float(v), 1.0)))


def graph_feature_names(space) -> list[str]:
    """Names of the entries of :func:`graph_features` for ``space``."""
    from archrank.spaces.darts_cells import DartsCellSpace

    name = space.name
    if name == "nb201":
        from archrank.spaces.nb201 import OPS

        return graph_stat_names([o for o in OPS if o != "none"])
    if name == "nb101":
        from archrank.spaces.nb101_graph import INTERIOR_OPS

        return graph_stat_names(INTERIOR_OPS)
    if isinstance(space, DartsCellSpace):
        vocab = [o for o in space.ops if o != "none"]
        out = graph_stat_names(vocab, "normal:") + graph_stat_names(vocab, "reduce:")
        return out + (["log2_width", "depth"] if space.has_network_size else [])
    if name == "nbnlp":
        from archrank.spaces.nbnlp import OPS

        return graph_stat_names(OPS)
    if name == "generic":
        return graph_stat_names(space.universe)
    if name == "nats_sss":
        from archrank.spaces.nats_sss import NUM_LAYERS

        return [f"log2_channels:{i}" for i in range(NUM_LAYERS)]
    if name == "generic_mlp":
        return ["depth", "log2_total_width"]
    if isinstance(space, GridSpace):
        return [f"value:{k}" for k in _numeric_keys(space)]
    raise InvalidArgument(f"space {name!r} has no graph features; spaces with graph features: nb201, nb101, "
                          "nb301, nds_*, nbnlp, generic, nats_sss, generic_mlp and grid spaces",
                          parameter="features")


def graph_features(space, arch: Hashable) -> np.ndarray:
    """GRAF-style features of ``arch`` (an architecture of ``space``), named by :func:`graph_feature_names`."""
    from archrank.spaces.darts_cells import DartsCellSpace

    name = space.name
    graph_feature_names(space)  # unknown spaces fail with the list of valid ones
    if name == "nb201":
        from archrank.spaces.nb201 import OPS

        return graph_stats(nb201_graph(space.coerce(arch)), [o for o in OPS if o != "none"])
    if name == "nb101":
        from archrank.spaces.nb101_graph import INTERIOR_OPS

        return graph_stats(nb101_graph(space.coerce(arch)), INTERIOR_OPS)
    if isinstance(space, DartsCellSpace):
        vocab = [o for o in space.ops if o != "none"]
        parts = [graph_stats(darts_cell_graph(arch.cell(k), arch.concat(k), space.num_nodes), vocab)
                 for k in ("normal", "reduce")]
        if space.has_network_size:
            parts.append(np.array([_log2(arch.width or 1), float(arch.depth or 0)]))
        return np.concatenate(parts)
    if name == "nbnlp":
        from archrank.spaces.nbnlp import OPS

        return graph_stats(nbnlp_graph(arch), OPS)
    if name == "generic":
        return graph_stats(generic_graph(arch), space.universe)
    if name == "nats_sss":
        return np.array([_log2(c) for c in arch], dtype=float)
    if isinstance(space, GridSpace):  # a family from a dict: its numeric choices as they are
        config = space.config(arch)
        return np.array([float(config[k]) for k in _numeric_keys(space)], dtype=float)
    return np.array([float(len(arch.layers)), _log2(sum(la.width for la in arch.layers))])


def _numeric_keys(space: GridSpace) -> list[str]:
    """The keys of a grid space whose choices are all numbers (not bools): its size-like decisions."""
    return [k for k, vals in space.choices.items()
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals)]
