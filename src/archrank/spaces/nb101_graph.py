"""NAS-Bench-101 cells as graphs: the vocabulary, the cell value, validity, pruning and the graph hash.

A cell is a directed acyclic graph of at most 7 vertices and 9 edges, given by an upper-triangular 0/1
adjacency matrix and one operation label per vertex.  Vertex 0 is ``input``, the last vertex is ``output``
and every interior vertex is one of ``conv3x3-bn-relu``, ``conv1x1-bn-relu`` or ``maxpool3x3``.

Vertices that do not lie on a path from the input to the output compute nothing that reaches the output;
:func:`prune` removes them, as the benchmark does before it stores a cell.  :func:`graph_hash` is the
benchmark's graph fingerprint (invariant under relabelling the interior vertices), so it is the key under
which the benchmark's records are stored.  The space itself is :mod:`archrank.spaces.nb101`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from archrank.errors import InvalidArgument, UnknownName

INPUT = "input"
OUTPUT = "output"
CONV3X3 = "conv3x3-bn-relu"
CONV1X1 = "conv1x1-bn-relu"
MAXPOOL3X3 = "maxpool3x3"
#: Operations allowed on interior vertices, in the benchmark's label order.
INTERIOR_OPS: tuple[str, ...] = (CONV3X3, CONV1X1, MAXPOOL3X3)
#: All vertex labels, in the order used by :meth:`NB101Space.encode`.
ALL_OPS: tuple[str, ...] = (INPUT, CONV3X3, CONV1X1, MAXPOOL3X3, OUTPUT)
MAX_VERTICES = 7
MAX_EDGES = 9
#: Number of distinct (pruned, non-isomorphic) valid cells, as published with the benchmark.
NUM_UNIQUE_CELLS = 423_624

@dataclass(frozen=True)
class NB101Arch:
    """A cell: ``matrix`` is a tuple of 0/1 row tuples (upper triangular), ``ops`` one label per vertex.

    The value is stored as given (dead vertices included), so that local moves can revive them; use
    :func:`prune` for the computing part and :func:`graph_hash` for the benchmark key.
    """

    matrix: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]

    @property
    def num_vertices(self) -> int:
        return len(self.ops)

    @property
    def num_edges(self) -> int:
        return sum(sum(r) for r in self.matrix)

    def as_array(self) -> np.ndarray:
        return np.array(self.matrix, dtype=np.int64).reshape(self.num_vertices, self.num_vertices)


def make_arch(matrix, ops) -> NB101Arch:
    """Check ``matrix`` (array-like, square, 0/1, strictly upper triangular) and ``ops`` and build the value.

    Raises InvalidArgument naming the problem; the cell must also be valid after pruning (see :func:`check`).
    """
    try:
        m = np.asarray(matrix)
    except Exception as exc:  # ragged nested lists
        raise InvalidArgument(f"adjacency matrix {matrix!r} is not a square 0/1 matrix") from exc
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.dtype == object:
        raise InvalidArgument(
            f"adjacency matrix of shape {m.shape} is not square; expected n x n with n <= 7"
        )
    if m.size and not np.all((m == 0) | (m == 1)):
        raise InvalidArgument(
            f"adjacency matrix holds values other than 0/1: {sorted(set(m.ravel().tolist()))}"
        )
    m = m.astype(np.int64)
    ops = tuple(ops) if not isinstance(ops, str) else (ops,)
    _check_structure(m, tuple(str(o) for o in ops))
    arch = NB101Arch(tuple(tuple(int(v) for v in row) for row in m), tuple(str(o) for o in ops))
    check(arch)
    return arch


def _check_structure(matrix: np.ndarray, ops: tuple[str, ...]) -> None:
    n = matrix.shape[0]
    if len(ops) != n:
        raise InvalidArgument(f"{len(ops)} operations given for {n} vertices; need one per vertex")
    if n < 2:
        raise InvalidArgument(f"a cell needs at least 2 vertices (input and output), got {n}")
    if n > MAX_VERTICES:
        raise InvalidArgument(f"a cell has at most {MAX_VERTICES} vertices, got {n}")
    if np.any(np.tril(matrix) != 0):
        raise InvalidArgument(
            "adjacency matrix is not strictly upper triangular (edges must go from lower to higher vertex)"
        )
    if ops[0] != INPUT:
        raise InvalidArgument(f"first operation must be {INPUT!r}, got {ops[0]!r}")
    if ops[-1] != OUTPUT:
        raise InvalidArgument(f"last operation must be {OUTPUT!r}, got {ops[-1]!r}")
    for op in ops[1:-1]:
        if op not in INTERIOR_OPS:
            raise UnknownName("NB101 operation", op, INTERIOR_OPS)


def prune_arrays(matrix: np.ndarray, ops: tuple[str, ...]) -> tuple[np.ndarray, tuple[str, ...]] | None:
    """Remove vertices not on an input->output path; ``None`` when the output is unreachable."""
    n = matrix.shape[0]
    fwd = {0}
    for v in range(1, n):  # topological order is the vertex order
        if any(matrix[u, v] and u in fwd for u in range(v)):
            fwd.add(v)
    bwd = {n - 1}
    for v in range(n - 2, -1, -1):
        if any(matrix[v, w] and w in bwd for w in range(v + 1, n)):
            bwd.add(v)
    keep = sorted(fwd & bwd)
    if 0 not in keep or n - 1 not in keep:
        return None
    return matrix[np.ix_(keep, keep)], tuple(ops[i] for i in keep)


def check(arch: NB101Arch) -> None:
    """Raise InvalidArgument unless ``arch`` is a valid cell (structure, reachability, <= 9 edges pruned)."""
    m = arch.as_array()
    _check_structure(m, arch.ops)
    pruned = prune_arrays(m, arch.ops)
    if pruned is None:
        raise InvalidArgument("the output vertex is not reachable from the input vertex")
    edges = int(pruned[0].sum())
    if edges > MAX_EDGES:
        raise InvalidArgument(f"a cell has at most {MAX_EDGES} edges after pruning, got {edges}")


def is_valid(arch: NB101Arch) -> bool:
    try:
        check(arch)
    except InvalidArgument:
        return False
    return True


def prune(arch: NB101Arch) -> NB101Arch:
    """The cell with every vertex off the input->output paths removed (raises if the output is unreachable)."""
    pruned = prune_arrays(arch.as_array(), arch.ops)
    if pruned is None:
        raise InvalidArgument("the output vertex is not reachable from the input vertex")
    m, ops = pruned
    return NB101Arch(tuple(tuple(int(v) for v in row) for row in m), ops)


def smallest_form(arch: NB101Arch) -> NB101Arch:
    """The pruned cell with its interior vertices renumbered to the smallest (matrix, ops) among the
    topological orders: one member per class of cells equal up to dead vertices and vertex order."""
    import itertools

    p = prune(arch)
    m, n = p.as_array(), p.num_vertices
    best = None
    for perm in itertools.permutations(range(1, n - 1)):
        order = (0, *perm, n - 1)  # new vertex i is old vertex order[i]
        pm = m[np.ix_(order, order)]
        if np.tril(pm).any():  # not a topological order
            continue
        key = (tuple(tuple(int(v) for v in row) for row in pm), tuple(p.ops[i] for i in order))
        if best is None or key < best:
            best = key
    return NB101Arch(*best)


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def fingerprint(matrix: np.ndarray, labels: list[int]) -> str:
    """Iterated neighbourhood hash of a labelled DAG (the benchmark's graph fingerprint).

    Each vertex starts from the md5 of ``(out-degree, in-degree, label)``; for as many rounds as there are
    vertices, a vertex's new hash is the md5 of its sorted in-neighbour hashes, ``|``, its sorted
    out-neighbour hashes, ``|``, and its own hash.  The fingerprint is the md5 of the sorted final hashes.
    """
    n = matrix.shape[0]
    outdeg = matrix.sum(axis=1).tolist()
    indeg = matrix.sum(axis=0).tolist()
    state = [_md5(str((int(outdeg[v]), int(indeg[v]), int(labels[v])))) for v in range(n)]
    preds = [[u for u in range(n) if matrix[u, v]] for v in range(n)]
    succs = [[w for w in range(n) if matrix[v, w]] for v in range(n)]
    for _ in range(n):
        state = [
            _md5(
                "".join(sorted(state[u] for u in preds[v]))
                + "|"
                + "".join(sorted(state[w] for w in succs[v]))
                + "|"
                + state[v]
            )
            for v in range(n)
        ]
    return _md5(str(sorted(state)))


def graph_hash(arch: NB101Arch) -> str:
    """The benchmark key of ``arch``: the fingerprint of its pruned graph (input -1, output -2, interior by op)."""
    p = prune(arch)
    labels = [-1] + [INTERIOR_OPS.index(op) for op in p.ops[1:-1]] + [-2]
    return fingerprint(p.as_array(), labels)


def pad7(arch: NB101Arch) -> tuple[np.ndarray, list[str]]:
    """A 7-vertex copy with extra unconnected ``conv3x3`` vertices inserted before the output."""
    n = arch.num_vertices
    m = np.zeros((MAX_VERTICES, MAX_VERTICES), dtype=np.int64)
    idx = list(range(n - 1)) + [MAX_VERTICES - 1]
    m[np.ix_(idx, idx)] = arch.as_array()
    ops = list(arch.ops[:-1]) + [CONV3X3] * (MAX_VERTICES - n) + [OUTPUT]
    return m, ops
