"""The NAS-Bench-101 cell space.

A cell is a directed acyclic graph of at most 7 vertices and 9 edges, given by an upper-triangular 0/1
adjacency matrix and one operation label per vertex.  Vertex 0 is ``input``, the last vertex is ``output``
and every interior vertex is one of ``conv3x3-bn-relu``, ``conv1x1-bn-relu`` or ``maxpool3x3``.

Vertices that do not lie on a path from the input to the output compute nothing that reaches the output;
:func:`prune` removes them, as the benchmark does before it stores a cell.  :func:`graph_hash` is the
benchmark's graph fingerprint (invariant under relabelling the interior vertices), so it is the key under
which the benchmark's records are stored and :meth:`NB101Space.canonical` returns it.

String form (see :meth:`NB101Space.format`): the rows of the adjacency matrix as 0/1 strings joined by
``,`` then ``|`` then the operation names joined by ``,``, e.g.
``011,001,000|input,conv3x3-bn-relu,output``.  :meth:`NB101Space.parse` also accepts short operation
aliases (``in``, ``out``, ``conv3x3``, ``conv1x1``, ``maxpool``) and the JSON form ``[adjacency, ops]``
used by benchmark exports.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np

from archrank.errors import InvalidArgument, UnknownName
from archrank.spaces.base import SearchSpace

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

_ALIASES = {
    "in": INPUT,
    "out": OUTPUT,
    "conv3x3": CONV3X3,
    "conv1x1": CONV1X1,
    "maxpool": MAXPOOL3X3,
    "c3": CONV3X3,
    "c1": CONV1X1,
    "mp": MAXPOOL3X3,
}


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


def _pad7(arch: NB101Arch) -> tuple[np.ndarray, list[str]]:
    """A 7-vertex copy with extra unconnected ``conv3x3`` vertices inserted before the output."""
    n = arch.num_vertices
    m = np.zeros((MAX_VERTICES, MAX_VERTICES), dtype=np.int64)
    idx = list(range(n - 1)) + [MAX_VERTICES - 1]
    m[np.ix_(idx, idx)] = arch.as_array()
    ops = list(arch.ops[:-1]) + [CONV3X3] * (MAX_VERTICES - n) + [OUTPUT]
    return m, ops


class NB101Space(SearchSpace):
    """NAS-Bench-101 cells.  Not index-enumerable: ``size`` is ``None`` and the index methods raise
    InvalidArgument.  ``num_canonical`` is the published number of unique valid cells (423,624), i.e. the
    number of distinct :func:`graph_hash` values over all valid cells; a constant, not enumerated.

    ``sample`` draws a 7-vertex matrix with independent fair-coin edges and uniform interior operations
    and rejects invalid cells; the value keeps its dead vertices (call :func:`prune` to drop them).
    ``neighbours`` are the valid cells one edge flip or one interior operation change away, on the cell
    padded to 7 vertices (so dead or padded vertices can be revived); ``mutate`` picks one of them that
    changes the graph hash where one exists.
    """

    name = "nb101"

    @property
    def size(self) -> None:
        """``None``: the space has no index order (see :attr:`num_canonical` for its size)."""
        return None

    @property
    def num_canonical(self) -> int:
        """423,624: the published number of unique valid cells (distinct graph hashes), a constant."""
        return NUM_UNIQUE_CELLS

    def index_to_arch(self, index: int) -> NB101Arch:
        raise InvalidArgument(
            "space 'nb101' has no index order; give a cell string such as '01,00|input,output'"
        )

    # --- values -----------------------------------------------------------------------------------
    def make(self, matrix, ops) -> NB101Arch:
        """A checked cell from an adjacency matrix (array-like) and a list of operation names."""
        return make_arch(matrix, [_ALIASES.get(o, o) if isinstance(o, str) else o for o in ops])

    def _coerce(self, arch) -> NB101Arch:
        if isinstance(arch, NB101Arch):
            return arch
        if isinstance(arch, str):
            return self.parse(arch)
        if isinstance(arch, (tuple, list)) and len(arch) == 2:
            return self.make(arch[0], arch[1])
        raise InvalidArgument(
            f"not an NB101 cell: {arch!r}; expected NB101Arch, a cell string or (matrix, ops)"
        )

    # --- strings ----------------------------------------------------------------------------------
    def parse(self, text: str) -> NB101Arch:
        if not isinstance(text, str):
            raise InvalidArgument(f"NB101 cell string expected, got {type(text).__name__}")
        t = text.strip()
        if t.startswith("["):
            try:
                obj = json.loads(t)
            except json.JSONDecodeError as exc:
                raise InvalidArgument(f"malformed NB101 JSON cell {text!r}: {exc.msg}") from None
            if not (isinstance(obj, list) and len(obj) == 2 and isinstance(obj[1], list)):
                raise InvalidArgument(f"malformed NB101 JSON cell {text!r}; expected [adjacency, ops]")
            return self.make(obj[0], obj[1])
        if t.count("|") != 1:
            raise InvalidArgument(
                f"malformed NB101 cell {text!r}; expected 'ROW,ROW,...|OP,OP,...' such as '011,001,000|input,conv3x3-bn-relu,output'"
            )
        rows_s, ops_s = t.split("|")
        rows = [r.strip() for r in rows_s.split(",")]
        ops = [o.strip() for o in ops_s.split(",")]
        n = len(rows)
        if any(len(r) != n or set(r) - {"0", "1"} for r in rows):
            raise InvalidArgument(
                f"malformed NB101 adjacency {rows_s!r}; expected {n} rows of {n} characters 0/1"
            )
        return self.make([[int(c) for c in r] for r in rows], ops)

    def format(self, arch) -> str:
        a = self._coerce(arch)
        return ",".join("".join(str(v) for v in row) for row in a.matrix) + "|" + ",".join(a.ops)

    def canonical(self, arch) -> str:
        """The benchmark's graph hash (32 hex digits); equal for isomorphic cells and for dead vertices."""
        return graph_hash(self._coerce(arch))

    # --- sampling and local moves -------------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> NB101Arch:
        iu = np.triu_indices(MAX_VERTICES, 1)
        while True:
            m = np.zeros((MAX_VERTICES, MAX_VERTICES), dtype=np.int64)
            m[iu] = rng.integers(0, 2, size=len(iu[0]))
            ops = [INPUT] + [INTERIOR_OPS[i] for i in rng.integers(0, 3, size=MAX_VERTICES - 2)] + [OUTPUT]
            arch = NB101Arch(tuple(tuple(int(v) for v in r) for r in m), tuple(ops))
            if is_valid(arch):
                return arch

    def neighbours(self, arch) -> list[NB101Arch]:
        a = self._coerce(arch)
        m, ops = _pad7(a)
        out: list[NB101Arch] = []
        seen = {a}
        for i, j in zip(*np.triu_indices(MAX_VERTICES, 1)):
            mm = m.copy()
            mm[i, j] ^= 1
            self._add(mm, ops, out, seen)
        for v in range(1, MAX_VERTICES - 1):
            for op in INTERIOR_OPS:
                if op != ops[v]:
                    self._add(m, ops[:v] + [op] + ops[v + 1 :], out, seen)
        return out

    @staticmethod
    def _add(m: np.ndarray, ops: list[str], out: list, seen: set) -> None:
        cand = NB101Arch(tuple(tuple(int(v) for v in r) for r in m), tuple(ops))
        if cand not in seen and is_valid(cand):
            seen.add(cand)
            out.append(cand)

    def mutate(self, arch, rng: np.random.Generator) -> NB101Arch:
        a = self._coerce(arch)
        nbrs = self.neighbours(a)
        h = graph_hash(a)
        changed = [b for b in nbrs if graph_hash(b) != h]
        pool = changed or nbrs
        if not pool:
            raise InvalidArgument(f"cell {self.format(a)!r} has no valid neighbour")
        return pool[int(rng.integers(len(pool)))]

    # --- vectors ----------------------------------------------------------------------------------------
    def encode(self, arch) -> np.ndarray:
        """Pruned cell padded to 7 vertices (output last): 21 upper-triangle bits, then 7 x 5 one-hot labels
        (input, conv3x3, conv1x1, maxpool3x3, output; all-zero rows for padding).  Length 56."""
        p = prune(self._coerce(arch))
        n = p.num_vertices
        m = np.zeros((MAX_VERTICES, MAX_VERTICES))
        idx = list(range(n - 1)) + [MAX_VERTICES - 1]
        m[np.ix_(idx, idx)] = p.as_array()
        onehot = np.zeros((MAX_VERTICES, len(ALL_OPS)))
        for k, v in enumerate(idx):
            onehot[v, ALL_OPS.index(p.ops[k])] = 1.0
        return np.concatenate([m[np.triu_indices(MAX_VERTICES, 1)], onehot.ravel()]).astype(np.float64)

    # --- sequential decisions -----------------------------------------------------------------------------
    def decisions(self) -> list[int]:
        """21 edge bits of the 7-vertex matrix (row-major upper triangle), then 5 interior ops (3 choices)."""
        return [2] * 21 + [3] * 5

    def to_decisions(self, arch) -> list[int]:
        m, ops = _pad7(self._coerce(arch))
        return [int(v) for v in m[np.triu_indices(MAX_VERTICES, 1)]] + [
            INTERIOR_OPS.index(o) for o in ops[1:-1]
        ]

    def from_decisions(self, choices: list[int]) -> NB101Arch:
        """Inverse of :meth:`to_decisions` (7-vertex form); raises InvalidArgument for invalid cells."""
        spec = self.decisions()
        if len(choices) != len(spec) or any(not 0 <= int(c) < k for c, k in zip(choices, spec)):
            raise InvalidArgument(f"decisions {list(choices)!r} do not fit {spec}")
        m = np.zeros((MAX_VERTICES, MAX_VERTICES), dtype=np.int64)
        m[np.triu_indices(MAX_VERTICES, 1)] = [int(c) for c in choices[:21]]
        ops = [INPUT] + [INTERIOR_OPS[int(c)] for c in choices[21:]] + [OUTPUT]
        return make_arch(m, ops)

    # --- models -------------------------------------------------------------------------------------------
    def build(self, arch, num_classes: int = 10, **kwargs):
        """The NAS-Bench-101 network for ``arch`` (see :class:`archrank.models.nb101.NB101Network`)."""
        from archrank.models.nb101 import NB101Network

        return NB101Network(self._coerce(arch), num_classes=num_classes, **kwargs)


__all__ = [
    "ALL_OPS",
    "CONV1X1",
    "CONV3X3",
    "INPUT",
    "INTERIOR_OPS",
    "MAXPOOL3X3",
    "NUM_UNIQUE_CELLS",
    "OUTPUT",
    "NB101Arch",
    "NB101Space",
    "check",
    "fingerprint",
    "graph_hash",
    "is_valid",
    "make_arch",
    "prune",
]
