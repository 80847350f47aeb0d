"""The NAS-Bench-NLP space of recurrent cells (Klyuchnikov et al. 2020), in its ``recepie`` graph format.

A cell is a small DAG: each node has an operation and a list of inputs.  Names that are not nodes are the
cell's inputs, ``x`` (the layer input at this step) and ``h_prev_<i>`` (the hidden-state tuple of the
previous step); nodes ``h_new_0 .. h_new_<k-1>`` are the new hidden-state tuple, ``h_new_0`` also being the
cell's output.  Operations and arities are in :data:`ARITY`.  The model built from a cell is in
:mod:`archrank.models.nbnlp`; the details and choices are in docs/spaces-nbnlp.md.

* :class:`Recepie` is the immutable architecture; ``parse`` reads the JSON string of the benchmark's logs and
  ``format`` writes it back (``format(parse(s)) == s`` for the benchmark's strings).
* ``canonical`` is invariant to renaming intermediate nodes, to the order of the inputs of ``linear``,
  ``elementwise_sum`` and ``elementwise_prod``, to permuting the hidden states 1.. (all start at zero), and it
  ignores nodes and states that cannot reach the output ``h_new_0``.
* ``sample`` follows NAS-Bench-NLP's generator (:mod:`archrank.spaces.nbnlp_sample`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from archrank.errors import InvalidArgument

ARITY: dict[str, tuple[int, ...]] = {
    "linear": (2, 3),  # the benchmark's files use 2 or 3 inputs; 1 is accepted too (see validate)
    "blend": (3,),
    "elementwise_prod": (2,),
    "elementwise_sum": (2,),
    "activation_tanh": (1,),
    "activation_sigm": (1,),
    "activation_leaky_relu": (1,),
}
OPS: tuple[str, ...] = tuple(ARITY)
ACTIVATIONS: tuple[str, ...] = ("activation_tanh", "activation_sigm", "activation_leaky_relu")
#: Operations whose inputs are unordered (``W_1 a + W_2 b`` is symmetric in (a, b) up to the weights' names).
COMMUTATIVE = frozenset({"linear", "elementwise_sum", "elementwise_prod"})
_LINEAR_ARITY = (1, 2, 3)
_STATE = re.compile(r"h_(prev|new)_(\d+)\Z")
MAX_NODES = 64

Node = tuple[str, str, tuple[str, ...]]  # (name, op, inputs)


def _state(name: str, kind: str) -> int | None:
    m = _STATE.match(name)
    return int(m.group(2)) if m and m.group(1) == kind else None


@dataclass(frozen=True)
class Recepie:
    """A recurrent cell: ``nodes`` = ((name, op, inputs), ...) in the order of the original JSON object."""

    nodes: tuple[Node, ...]

    @cached_property
    def by_name(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        return {n: (op, ins) for n, op, ins in self.nodes}

    @property
    def num_states(self) -> int:
        """Size of the hidden-state tuple: 1 + the largest i with a node ``h_new_<i>``."""
        return 1 + max(i for n, _, _ in self.nodes if (i := _state(n, "new")) is not None)

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Node names in a topological order (inputs before the nodes using them; ties in file order)."""
        done: set[str] = set()
        out: list[str] = []
        pending = [n for n, _, _ in self.nodes]
        progress = True
        while pending and progress:  # Kahn's algorithm; nodes on a cycle are never emitted
            progress = False
            for n in list(pending):
                if all(i in done or i not in self.by_name for i in self.by_name[n][1]):
                    done.add(n)
                    out.append(n)
                    pending.remove(n)
                    progress = True
        return tuple(out)

    def to_dict(self) -> dict:
        return {n: {"op": op, "input": list(ins)} for n, op, ins in self.nodes}

    def count(self, op: str) -> int:
        return sum(o == op for _, o, _ in self.nodes)


def validate(arch: Recepie) -> Recepie:
    """Check ops and arities, that every input exists, acyclicity and the state nodes; return ``arch``."""
    names = [n for n, _, _ in arch.nodes]
    if not names:
        raise InvalidArgument("a recepie needs at least one node (h_new_0)")
    if len(names) > MAX_NODES:
        raise InvalidArgument(f"recepie has {len(names)} nodes; at most {MAX_NODES} are supported")
    if len(set(names)) != len(names):
        raise InvalidArgument(f"recepie has duplicate node names: {sorted({n for n in names if names.count(n) > 1})}")
    if "h_new_0" not in names:
        raise InvalidArgument(f"recepie has no output node 'h_new_0' (nodes: {', '.join(names)})")
    k = arch.num_states
    missing = [f"h_new_{i}" for i in range(k) if f"h_new_{i}" not in names]
    if missing:
        raise InvalidArgument(f"recepie has h_new_{k - 1} but lacks {', '.join(missing)}: states must be numbered 0..{k - 1}")
    for name, op, ins in arch.nodes:
        if name == "x" or _state(name, "prev") is not None:
            raise InvalidArgument(f"node name {name!r} is reserved for a cell input")
        if op not in ARITY:
            raise InvalidArgument(f"node {name!r} has unknown op {op!r}; valid: {', '.join(OPS)}")
        arities = _LINEAR_ARITY if op == "linear" else ARITY[op]
        if len(ins) not in arities:
            raise InvalidArgument(f"node {name!r} ({op}) has {len(ins)} input(s); valid: {' or '.join(map(str, arities))}")
        for i in ins:
            if i == "x" or i in arch.by_name:
                continue
            j = _state(i, "prev")
            if j is None:
                raise InvalidArgument(f"node {name!r} reads {i!r}, which is neither a node, 'x' nor 'h_prev_<i>'")
            if j >= k:
                raise InvalidArgument(f"node {name!r} reads {i!r} but the cell has {k} state(s) (h_prev_0..h_prev_{k - 1})")
    if len(arch.order) != len(names):
        raise InvalidArgument("recepie graph has a cycle")
    position = {n: p for p, n in enumerate(arch.order)}
    for name, _, ins in arch.nodes:
        if any(i in position and position[i] >= position[name] for i in ins):
            raise InvalidArgument(f"recepie graph has a cycle through node {name!r}")
    return arch


def from_dict(obj: object) -> Recepie:
    """A validated :class:`Recepie` from the decoded JSON object ``{name: {"op": ..., "input": [...]}}``."""
    if not isinstance(obj, dict):
        raise InvalidArgument(f"a recepie is a JSON object mapping node names to {{op, input}}, got {type(obj).__name__}")
    nodes = []
    for name, spec in obj.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("op"), str) or not isinstance(spec.get("input"), list):
            raise InvalidArgument(f"node {name!r} must be {{\"op\": str, \"input\": [names]}}, got {spec!r}")
        if not all(isinstance(i, str) for i in spec["input"]):
            raise InvalidArgument(f"inputs of node {name!r} must be names, got {spec['input']!r}")
        nodes.append((str(name), spec["op"], tuple(spec["input"])))
    return validate(Recepie(tuple(nodes)))


def parse_recepie(text: str) -> Recepie:
    if isinstance(text, Recepie):
        return validate(text)
    if not isinstance(text, str):
        raise InvalidArgument(f"an NB-NLP architecture is a JSON string, got {type(text).__name__}")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidArgument(f"malformed recepie JSON ({e.msg} at character {e.pos}): {text[:80]!r}") from None
    return from_dict(obj)


def format_recepie(arch: Recepie) -> str:
    """The JSON string in the benchmark's style (``json.dumps`` defaults, nodes in their order)."""
    return json.dumps(arch.to_dict())


# ------------------------------------------------------------------------------------------- canonical
def live_nodes(arch: Recepie) -> tuple[set[str], set[int]]:
    """(nodes that influence the output h_new_0 at some step, live state indices)."""
    live: set[str] = set()
    states = {0}
    frontier = ["h_new_0"]
    while frontier:
        n = frontier.pop()
        if n in live:
            continue
        live.add(n)
        for i in arch.by_name[n][1]:
            j = _state(i, "prev")
            if j is not None and j not in states:
                states.add(j)
                frontier.append(f"h_new_{j}")
            elif i in arch.by_name:
                frontier.append(i)
    return live, states


def _serialise(arch: Recepie, live: list[str], state_map: dict[int, int]) -> str:
    """Minimal serialisation over orderings of structurally identical nodes (a canonical labelling)."""
    import hashlib
    import itertools

    def leaf(i: str) -> str:
        j = _state(i, "prev")
        return "x" if j is None else f"p{state_map[j]}"

    h: dict[str, str] = {}
    for n in arch.order:
        if n not in live:
            continue
        op, ins = arch.by_name[n]
        keys = [h[i] if i in h else leaf(i) for i in ins]
        if op in COMMUTATIVE:
            keys.sort()
        j = _state(n, "new")
        # A state node whose state no live node reads back (only its value in this step is used) is an
        # intermediate node like any other.
        tag = f"@s{state_map[j]}" if j in state_map else ""
        h[n] = hashlib.sha1(f"{op}({','.join(keys)}){tag}".encode()).hexdigest()[:16]
    ordered = sorted(live, key=lambda n: h[n])
    groups = [list(g) for _, g in itertools.groupby(ordered, key=lambda n: h[n])]
    choices = [itertools.permutations(g) for g in groups]
    combos = 1
    for g in groups:
        for m in range(2, len(g) + 1):
            combos *= m
    if combos > 5040:  # pathological symmetry: keep one deterministic order (documented)
        choices = [[tuple(g)] for g in groups]
    best = None
    for perm in itertools.product(*choices):
        seq = [n for g in perm for n in g]
        idx = {n: p for p, n in enumerate(seq)}
        rows = []
        for n in seq:
            op, ins = arch.by_name[n]
            refs = [f"n{idx[i]}" if i in idx else leaf(i) for i in ins]
            if op in COMMUTATIVE:
                refs.sort()
            j = _state(n, "new")
            rows.append([op, refs] + ([f"s{state_map[j]}"] if j in state_map else []))
        s = json.dumps(rows, separators=(",", ":"))
        if best is None or s < best:
            best = s
    return best or ""


def canonical_form(arch: Recepie) -> str:
    """A string equal for cells that compute the same function up to the documented symmetries."""
    import itertools

    live, states = live_nodes(arch)
    others = sorted(states - {0})
    best = None
    for perm in itertools.permutations(range(1, len(others) + 1)):
        state_map = {0: 0, **{s: p for s, p in zip(others, perm)}}
        s = _serialise(arch, sorted(live), state_map)
        if best is None or s < best:
            best = s
    return "nbnlp:" + (best or "")


def canonical_recepie(arch: Recepie) -> Recepie:
    """The member of ``arch``'s class that its canonical form names: the live nodes only, in the canonical
    order, named ``node_<row>`` (``h_new_<k>`` for the states, renumbered as in the form), the inputs of
    commutative operations sorted as there.  Every member of a class gives the same cell, so a class-wide
    score computed on it does not depend on which member a run meets first (the model draws its weights in
    node and input order: members with swapped inputs or renamed nodes are different networks)."""
    rows = json.loads(canonical_form(arch)[len("nbnlp:"):] or "[]")
    names = [f"h_new_{row[2][1:]}" if len(row) > 2 else f"node_{r}" for r, row in enumerate(rows)]

    def name_of(ref: str) -> str:
        if ref == "x":
            return "x"
        if ref.startswith("p"):
            return f"h_prev_{ref[1:]}"
        return names[int(ref[1:])]

    return validate(Recepie(tuple((names[r], row[0], tuple(name_of(i) for i in row[1])) for r, row in enumerate(rows))))


# ---------------------------------------------------------------------------------------- encoding
def encode_recepie(arch: Recepie) -> np.ndarray:
    """Op counts (7), then: nodes, edges, states, linear inputs from x, from states, from nodes, depth of
    h_new_0, live nodes, elementwise nodes reading a state directly."""
    counts = [arch.count(op) for op in OPS]
    edges = sum(len(ins) for _, _, ins in arch.nodes)
    lin = [ins for _, op, ins in arch.nodes if op == "linear"]
    from_x = sum(i == "x" for ins in lin for i in ins)
    from_h = sum(_state(i, "prev") is not None for ins in lin for i in ins)
    depth: dict[str, int] = {}
    for n in arch.order:
        depth[n] = 1 + max((depth.get(i, 0) for i in arch.by_name[n][1]), default=0)
    reads_state = sum(op not in ("linear",) and any(_state(i, "prev") is not None for i in ins)
                      for _, op, ins in arch.nodes)
    extra = [len(arch.nodes), edges, arch.num_states, from_x, from_h, sum(len(i) for i in lin) - from_x - from_h,
             depth["h_new_0"], len(live_nodes(arch)[0]), reads_state]
    return np.asarray(counts + extra, dtype=np.float32)


ENCODING_NAMES: tuple[str, ...] = tuple(f"count_{op}" for op in OPS) + (
    "nodes", "edges", "states", "linear_inputs_x", "linear_inputs_state", "linear_inputs_node", "depth",
    "live_nodes", "nonlinear_state_reads")


__all__ = [
    "ARITY",
    "COMMUTATIVE",
    "ENCODING_NAMES",
    "OPS",
    "Recepie",
    "canonical_form",
    "canonical_recepie",
    "encode_recepie",
    "format_recepie",
    "from_dict",
    "live_nodes",
    "parse_recepie",
    "validate",
]
