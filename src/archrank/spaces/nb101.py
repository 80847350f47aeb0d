"""The NAS-Bench-101 cell space.

A cell is a directed acyclic graph of at most 7 vertices and 9 edges, given by an upper-triangular 0/1
adjacency matrix and one operation label per vertex.  Vertex 0 is ``input``, the last vertex is ``output``
and every interior vertex is one of ``conv3x3-bn-relu``, ``conv1x1-bn-relu`` or ``maxpool3x3``.

The cell value, its checks, pruning and the benchmark's graph hash live in :mod:`archrank.spaces.nb101_graph`
(re-exported here); :meth:`NB101Space.canonical` returns the graph hash.

String form (see :meth:`NB101Space.format`): the rows of the adjacency matrix as 0/1 strings joined by
``,`` then ``|`` then the operation names joined by ``,``, e.g.
``011,001,000|input,conv3x3-bn-relu,output``.  :meth:`NB101Space.parse` also accepts short operation
aliases (``in``, ``out``, ``conv3x3``, ``conv1x1``, ``maxpool``) and the JSON form ``[adjacency, ops]``
used by benchmark exports.
"""

from __future__ import annotations

import json

import numpy as np

from archrank.errors import InvalidArgument
from archrank.spaces import register_space
from archrank.spaces.base import SearchSpace
from archrank.spaces.nb101_graph import (
    ALL_OPS,
    CONV1X1,
    CONV3X3,
    INPUT,
    INTERIOR_OPS,
    MAX_VERTICES,
    MAXPOOL3X3,
    NUM_UNIQUE_CELLS,
    OUTPUT,
    NB101Arch,
    check,
    fingerprint,
    graph_hash,
    is_valid,
    make_arch,
    pad7,
    prune,
    smallest_form,
)

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

    def coerce(self, arch) -> NB101Arch:
        """A checked cell from an NB101Arch, a cell string or ``(matrix, ops)``."""
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
        a = self.coerce(arch)
        return ",".join("".join(str(v) for v in row) for row in a.matrix) + "|" + ",".join(a.ops)

    def canonical(self, arch) -> str:
        """The benchmark's graph hash (32 hex digits); equal for isomorphic cells and for dead vertices."""
        return graph_hash(self.coerce(arch))

    def representative(self, arch) -> NB101Arch:
        """The pruned cell in its smallest vertex order (:func:`smallest_form`)."""
        return smallest_form(self.coerce(arch))

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
        a = self.coerce(arch)
        m, ops = pad7(a)
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
        a = self.coerce(arch)
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
        p = prune(self.coerce(arch))
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
        m, ops = pad7(self.coerce(arch))
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


register_space("nb101", NB101Space)

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
