"""The NAS-Bench-201 cell space (the NATS-Bench topology space): 15,625 cells of 6 edges x 5 operations.

An architecture is a tuple of six operation names in the benchmark's edge order 1<-0, 2<-0, 2<-1, 3<-0,
3<-1, 3<-2, written officially as ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``.

Index order.  The benchmark enumerates all cells in lexicographic order of the operation indices (edge
1<-0 most significant, operations in the order of :data:`OPS`) and then shuffles that list once with
Python's ``random.Random(88).shuffle``.  That rule is reproduced here (and tested against the official
``meta_archs`` list), so no benchmark file is needed at run time.

Canonical form.  ``canonical`` follows the benchmark's convention for identifying cells that compute the
same function (the ``isomorphism_class`` key distributed with NAS-Bench-201 results): working from the input,
each node is written as the sorted ``+``-join of one term per incoming edge, where a ``none`` edge or an edge
leaving a node that is exactly zero (node 1 fed by ``none``) is ``#``, ``skip_connect`` passes the source's
string through, and any other operation is ``(source)@op``.  Isomorphic cells (intermediate nodes swapped),
commutative sums, skip connections and ``none`` paths therefore coincide.  The key of node 3 is the canonical
string; it splits the space into 6,466 classes, exactly the benchmark's partition.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from functools import cache

import numpy as np

from archrank.errors import InvalidArgument, UnknownName
from archrank.spaces import register_space
from archrank.spaces.base import SearchSpace

OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
"""Operation names in the benchmark's order (the order of the one-hot encoding and of decisions).  The one
definition of NB201's vocabulary: models, kernels and the supernet import it from here."""
NUM_EDGES = 6
EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
"""(target, source) of each edge, in the benchmark's order."""
_OP_INDEX = {op: i for i, op in enumerate(OPS)}
_SIZE = len(OPS) ** NUM_EDGES
_SHUFFLE_SEED = 88

Arch = tuple[str, ...]


def _code(arch: Arch) -> int:
    """Position of ``arch`` in lexicographic order of operation indices (edge 1<-0 most significant)."""
    c = 0
    for op in arch:
        c = c * len(OPS) + _OP_INDEX[op]
    return c


def _decode(code: int) -> Arch:
    ops = []
    for _ in range(NUM_EDGES):
        code, r = divmod(code, len(OPS))
        ops.append(OPS[r])
    return tuple(reversed(ops))


@cache
def _order() -> tuple[tuple[int, ...], dict[int, int]]:
    """(index -> code, code -> index) of the official order."""
    codes = list(range(_SIZE))
    random.Random(_SHUFFLE_SEED).shuffle(codes)
    return tuple(codes), {c: i for i, c in enumerate(codes)}


def format_arch(arch: Arch) -> str:
    """The official string of a 6-tuple of operation names."""
    a = arch
    return f"|{a[0]}~0|+|{a[1]}~0|{a[2]}~1|+|{a[3]}~0|{a[4]}~1|{a[5]}~2|"


_EXAMPLE = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def parse_arch(text: str) -> Arch:
    """Parse an official NB201 string; raise InvalidArgument naming the problem."""
    if not isinstance(text, str):
        raise InvalidArgument(f"NB201 architecture must be a string, got {type(text).__name__}")
    s = text.strip()
    if len(s) < 2 or not (s.startswith("|") and s.endswith("|")):
        raise InvalidArgument(f"malformed NB201 architecture {text!r}: expected the form {_EXAMPLE}")
    nodes = s[1:-1].split("|+|")
    if len(nodes) != 3:
        raise InvalidArgument(
            f"malformed NB201 architecture {text!r}: expected 3 nodes separated by '+', got {len(nodes)}"
        )
    ops: list[str] = []
    for j, node in enumerate(nodes, start=1):
        items = node.split("|")
        if len(items) != j:
            raise InvalidArgument(
                f"malformed NB201 architecture {text!r}: node {j} must have {j} input(s), got {len(items)}"
            )
        for i, item in enumerate(items):
            op, sep, src = item.partition("~")
            if not sep or src != str(i):
                raise InvalidArgument(
                    f"malformed NB201 architecture {text!r}: expected 'op~{i}' for input {i} of node {j}, got {item!r}"
                )
            if op not in _OP_INDEX:
                raise UnknownName("operation", op, OPS)
            ops.append(op)
    return tuple(ops)


def coerce_arch(arch: Arch | Sequence[str] | str | int) -> Arch:
    """A validated architecture from a 6-tuple/list of op names, an official string or an index."""
    if isinstance(arch, str):
        return parse_arch(arch)
    if isinstance(arch, (int, np.integer)) and not isinstance(arch, bool):
        if not 0 <= int(arch) < _SIZE:
            raise InvalidArgument(f"index {arch!r} is out of range for space 'nb201'; valid: 0..{_SIZE - 1}")
        return _decode(_order()[0][int(arch)])
    if isinstance(arch, (tuple, list)):
        if len(arch) != NUM_EDGES:
            raise InvalidArgument(f"an NB201 architecture has {NUM_EDGES} operations, got {len(arch)}: {arch!r}")
        for op in arch:
            if op not in _OP_INDEX:
                raise UnknownName("operation", op, OPS)
        return tuple(arch)
    raise InvalidArgument(f"not an NB201 architecture: {arch!r}")


def _node_key(pieces: list[str]) -> str:
    return "+".join(sorted(pieces))


@cache
def canonical_key(arch: Arch) -> str:
    """The canonical string of a (validated) 6-tuple; see the module docstring."""
    nodes = ["0"]
    for j in (1, 2, 3):
        pieces = []
        for e, (t, s) in enumerate(EDGES):
            if t != j:
                continue
            op, src = arch[e], nodes[s]
            if op == "none" or src == "#":
                pieces.append("#")
            elif op == "skip_connect":
                pieces.append(src)
            else:
                pieces.append(f"({src})@{op}")
        nodes.append(_node_key(pieces))
    return nodes[3]


@cache
def _class_table() -> tuple[np.ndarray, tuple[int, ...]]:
    """(representative index of each index's class, sorted representatives = smallest index per class)."""
    codes, _ = _order()
    first: dict[str, int] = {}
    rep = np.empty(_SIZE, dtype=np.int64)
    for i, c in enumerate(codes):
        rep[i] = first.setdefault(canonical_key(_decode(c)), i)
    rep.setflags(write=False)
    return rep, tuple(sorted(first.values()))


class NB201Space(SearchSpace):
    """NAS-Bench-201 cells (NATS-Bench topology space): 4 nodes, 6 edges, 5 operations per edge.

    Architectures are 6-tuples of operation names from :data:`OPS`, in the benchmark's edge order.
    """

    name = "nb201"
    ops = OPS
    edges = EDGES

    # --- size and enumeration -------------------------------------------------------------------
    @property
    def size(self) -> int:
        return _SIZE

    @property
    def num_canonical(self) -> int:
        return len(_class_table()[1])

    def index_to_arch(self, index: int) -> Arch:
        return _decode(_order()[0][self.check_index(index)])

    def arch_to_index(self, arch: Arch | str) -> int:
        return _order()[1][_code(self.coerce(arch))]

    def coerce(self, arch: Arch | Sequence[str] | str | int) -> Arch:
        """A validated architecture from a 6-tuple/list of op names, an official string or an index."""
        return coerce_arch(arch)

    # --- strings --------------------------------------------------------------------------------
    def parse(self, text: str) -> Arch:
        return parse_arch(text)

    def format(self, arch: Arch) -> str:
        return format_arch(self.coerce(arch))

    # --- identity -------------------------------------------------------------------------------
    def canonical(self, arch: Arch | str) -> str:
        return canonical_key(self.coerce(arch))

    def representative(self, arch: Arch | str) -> Arch:
        """The member of the class with the smallest index (as :meth:`class_representatives`)."""
        return self.index_to_arch(int(_class_table()[0][self.arch_to_index(arch)]))

    def class_representatives(self) -> tuple[int, ...]:
        """Indices of one architecture per canonical class (the smallest index of each), sorted."""
        return _class_table()[1]

    def class_of_index(self) -> np.ndarray:
        """Read-only array: for every index, the representative index of its canonical class."""
        return _class_table()[0]

    def is_representative(self, arch: Arch | str | int) -> bool:
        i = self.arch_to_index(arch)
        return int(_class_table()[0][i]) == i

    # --- sampling and local moves ----------------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> Arch:
        return tuple(OPS[int(k)] for k in rng.integers(len(OPS), size=NUM_EDGES))

    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        a = list(self.coerce(arch))
        e = int(rng.integers(NUM_EDGES))
        choices = [op for op in OPS if op != a[e]]
        a[e] = choices[int(rng.integers(len(choices)))]
        return tuple(a)

    def neighbours(self, arch: Arch) -> list[Arch]:
        a = self.coerce(arch)
        return [a[:e] + (op,) + a[e + 1 :] for e in range(NUM_EDGES) for op in OPS if op != a[e]]

    def encode(self, arch: Arch) -> np.ndarray:
        a = self.coerce(arch)
        v = np.zeros(NUM_EDGES * len(OPS), dtype=np.float32)
        for e, op in enumerate(a):
            v[e * len(OPS) + _OP_INDEX[op]] = 1.0
        return v

    # --- sequential decisions --------------------------------------------------------------------
    def decisions(self) -> list[int]:
        return [len(OPS)] * NUM_EDGES

    def to_decisions(self, arch: Arch) -> list[int]:
        return [_OP_INDEX[op] for op in self.coerce(arch)]

    def from_decisions(self, choices: list[int]) -> Arch:
        if len(choices) != NUM_EDGES:
            raise InvalidArgument(f"NB201 needs {NUM_EDGES} decisions, got {len(choices)}")
        for c in choices:
            if not isinstance(c, (int, np.integer)) or not 0 <= int(c) < len(OPS):
                raise InvalidArgument(f"decision {c!r} is out of range; valid: 0..{len(OPS) - 1}")
        return tuple(OPS[int(c)] for c in choices)


register_space("nb201", NB201Space)
