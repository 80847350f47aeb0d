"""The generic search space, following the general definition of neural architecture search.

A network (:class:`GenericSpace`) is a stem followed by ``num_cells`` cells.  Each cell is one operation
drawn from a universe ``S`` (a bag: operations may repeat, each with its own weights) together with the
operation's hyperparameters; a binary edge map says which earlier nodes feed each cell (node 0 is the stem,
node ``j`` is cell ``j``), so any cell may skip to any later cell.  The last cell feeds the classifier.
The training hyperparameters (learning rate, batch size, epochs) are searchable dimensions of the same
architecture value.

Operations and the hyperparameters that apply to them (keys used in the string form):

=============  ===========================================================================
``conv``        ``k`` kernel size, ``d`` dilation, ``s`` stride, ``p`` padding mode, ``f`` filters
``dwconv``      depthwise convolution: ``k``, ``d``, ``s``, ``p`` (keeps the channel count)
``maxpool``     ``k``, ``d``, ``s``
``avgpool``     ``k``, ``s``
others          ``batchnorm``, ``layernorm``, ``identity``, ``relu``, ``gelu``, ``tanh``, ``sigmoid``
=============  ===========================================================================

Padding keeps the resolution at stride 1 ("same" padding; ``p`` chooses how the border is filled:
``zeros`` or ``replicate``); stride 2 halves it (rounding up).  Hyperparameters that do not apply to an
operation are stored at neutral values (kernel 1, dilation 1, stride 1, padding ``zeros``, filters 0).

String form: cells joined by ``+``, then ``|`` and the edge map as one group of bits per cell (group ``j``
holds the bits of nodes ``0..j-1`` feeding cell ``j``) joined by ``-``, then ``|`` and the training
hyperparameters, e.g. ``conv(k=3,d=1,s=1,p=zeros,f=32)+relu+maxpool(k=3,d=1,s=2)|1-01-011|lr=0.01,bs=64,ep=4``.

A cell is *active* when it lies on a path from the stem to the last cell; inactive cells compute nothing
that reaches the output and the canonical form blanks them (``identity``, no edges).  An architecture is
valid when the last cell is reachable from the stem.

:class:`GenericMLPSpace` is the variant for vector inputs (the synthetic tasks): a stack of 1 to
``max_depth`` dense layers, each with its own width and activation, plus the same training hyperparameters.

Training hyperparameters are attributes of both architecture types: ``arch.learning_rate``,
``arch.batch_size``, ``arch.epochs`` (and ``arch.training``, the same as a dict).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import numpy as np

from archrank.errors import InvalidArgument, UnknownName
from archrank.spaces.base import SearchSpace

CONV_UNIVERSE: tuple[str, ...] = (
    "conv",
    "dwconv",
    "batchnorm",
    "layernorm",
    "maxpool",
    "avgpool",
    "identity",
    "relu",
    "gelu",
    "tanh",
    "sigmoid",
)
#: hyperparameter keys that apply to each operation (others have none)
OP_HPARAMS: dict[str, tuple[str, ...]] = {
    "conv": ("k", "d", "s", "p", "f"),
    "dwconv": ("k", "d", "s", "p"),
    "maxpool": ("k", "d", "s"),
    "avgpool": ("k", "s"),
}
MLP_ACTIVATIONS: tuple[str, ...] = ("relu", "tanh", "gelu", "erf", "sigmoid", "identity")
_KEY_FIELD = {"k": "kernel", "d": "dilation", "s": "stride", "p": "padding", "f": "filters"}
_NEUTRAL = {"kernel": 1, "dilation": 1, "stride": 1, "padding": "zeros", "filters": 0}
_TRAIN_KEYS = {"lr": "learning_rate", "bs": "batch_size", "ep": "epochs"}


@dataclass(frozen=True)
class CellOp:
    """One cell: an operation name and its hyperparameters (neutral values where they do not apply)."""

    op: str
    kernel: int = 1
    dilation: int = 1
    stride: int = 1
    padding: str = "zeros"
    filters: int = 0


@dataclass(frozen=True)
class _Training:
    learning_rate: float
    batch_size: int
    epochs: int

    @property
    def training(self) -> dict:
        """The training hyperparameters as ``{"learning_rate", "batch_size", "epochs"}``."""
        return {"learning_rate": self.learning_rate, "batch_size": self.batch_size, "epochs": self.epochs}


@dataclass(frozen=True)
class GenericArch(_Training):
    """``cells[j-1]`` is cell ``j``; ``edges[j-1][i]`` is 1 when node ``i`` (0 = stem) feeds cell ``j``."""

    cells: tuple[CellOp, ...] = ()
    edges: tuple[tuple[int, ...], ...] = ()


@dataclass(frozen=True)
class MLPLayer:
    width: int
    activation: str


@dataclass(frozen=True)
class GenericMLPArch(_Training):
    """Dense layers in order (each: width, activation), then a linear head."""

    layers: tuple[MLPLayer, ...] = ()


def _check_choices(name: str, values, kind=None) -> tuple:
    vals = tuple(values)
    if not vals or len(set(vals)) != len(vals):
        raise InvalidArgument(f"{name} must be a non-empty list of distinct values, got {values!r}")
    if kind is not None and not all(isinstance(v, kind) and not isinstance(v, bool) and v > 0 for v in vals):
        raise InvalidArgument(f"{name} must hold positive numbers, got {values!r}")
    return vals


class _TrainingDims:
    """Shared handling of the training hyperparameters (learning rate, batch size, epochs)."""

    learning_rates: tuple[float, ...]
    batch_sizes: tuple[int, ...]
    epochs: tuple[int, ...]

    def _train_choices(self) -> dict[str, tuple]:
        return {"lr": self.learning_rates, "bs": self.batch_sizes, "ep": self.epochs}

    def _sample_training(self, rng: np.random.Generator) -> dict:
        return {_TRAIN_KEYS[k]: c[int(rng.integers(len(c)))] for k, c in self._train_choices().items()}

    def _format_training(self, arch: _Training) -> str:
        return f"lr={arch.learning_rate!r},bs={arch.batch_size},ep={arch.epochs}"

    def _parse_training(self, text: str) -> dict:
        out: dict = {}
        for item in filter(None, (s.strip() for s in text.split(","))):
            key, _, val = item.partition("=")
            if key not in _TRAIN_KEYS:
                raise InvalidArgument(f"unknown training hyperparameter {key!r}; valid: lr, bs, ep")
            choices = self._train_choices()[key]
            try:
                v = float(val) if key == "lr" else int(val)
            except ValueError:
                raise InvalidArgument(f"malformed value {val!r} for {key}; valid: {list(choices)}") from None
            if v not in choices:
                raise InvalidArgument(f"{key}={val} is not a choice of this space; valid: {list(choices)}")
            out[_TRAIN_KEYS[key]] = choices[choices.index(v)]
        missing = [k for k, f in _TRAIN_KEYS.items() if f not in out]
        if missing:
            raise InvalidArgument(
                f"missing training hyperparameter(s) {missing} in {text!r}; give lr=..,bs=..,ep=.."
            )
        return out

    def _training_moves(self, arch: _Training) -> list[_Training]:
        moves = []
        for key, choices in self._train_choices().items():
            field = _TRAIN_KEYS[key]
            for c in choices:
                if c != getattr(arch, field):
                    moves.append(replace(arch, **{field: c}))
        return moves

    def _encode_training(self, arch: _Training) -> list[float]:
        vec: list[float] = []
        for key, choices in self._train_choices().items():
            vec += [float(getattr(arch, _TRAIN_KEYS[key]) == c) for c in choices]
        return vec

    def _training_decisions(self, arch: _Training) -> list[int]:
        return [c.index(getattr(arch, _TRAIN_KEYS[k])) for k, c in self._train_choices().items()]

    def _split_training_parts(self, text: str, parts: int) -> list[str]:
        pieces = text.strip().split("|")
        if len(pieces) != parts:
            raise InvalidArgument(f"malformed architecture {text!r}; expected {parts} parts separated by '|'")
        return pieces


_CELL_RE = re.compile(r"^\s*([a-z0-9_]+)\s*(?:\((.*)\))?\s*$")


class GenericSpace(_TrainingDims, SearchSpace):
    """Cells from a universe of operations, a DAG edge map with skips, and training hyperparameters.

    Keyword-only configuration; ``GenericSpace()`` is the registered ``"generic"`` space.  ``size`` is
    ``None`` (not index-enumerable); :attr:`cardinality` counts every combination of decisions, including
    edge maps that leave the last cell unreachable.

    ``sample`` draws operations and hyperparameters uniformly, chain edges (``j-1 -> j``) with probability
    ``chain_prob`` and skip edges with probability ``skip_prob``, rejecting invalid edge maps.
    """

    name = "generic"

    def __init__(
        self,
        *,
        num_cells: int = 4,
        universe: tuple[str, ...] = CONV_UNIVERSE,
        kernel_sizes: tuple[int, ...] = (1, 3, 5),
        dilations: tuple[int, ...] = (1, 2),
        strides: tuple[int, ...] = (1, 2),
        paddings: tuple[str, ...] = ("zeros", "replicate"),
        filters: tuple[int, ...] = (16, 32, 64),
        stem_channels: int = 16,
        learning_rates: tuple[float, ...] = (0.1, 0.03, 0.01, 0.003),
        batch_sizes: tuple[int, ...] = (32, 64, 128, 256),
        epochs: tuple[int, ...] = (1, 2, 4, 8),
        chain_prob: float = 0.95,
        skip_prob: float = 0.3,
    ):
        if not isinstance(num_cells, int) or num_cells < 1:
            raise InvalidArgument(f"num_cells must be a positive integer, got {num_cells!r}")
        self.num_cells = num_cells
        self.universe = _check_choices("universe", universe)
        for op in self.universe:
            if op not in CONV_UNIVERSE:
                raise UnknownName("generic operation", op, CONV_UNIVERSE)
        self.kernel_sizes = _check_choices("kernel_sizes", kernel_sizes, int)
        if any(k % 2 == 0 for k in self.kernel_sizes):
            raise InvalidArgument(f"kernel_sizes must be odd, got {kernel_sizes!r}")
        self.dilations = _check_choices("dilations", dilations, int)
        self.strides = _check_choices("strides", strides, int)
        self.paddings = _check_choices("paddings", paddings)
        for p in self.paddings:
            if p not in ("zeros", "replicate"):
                raise UnknownName("padding mode", p, ("zeros", "replicate"))
        self.filters = _check_choices("filters", filters, int)
        self.stem_channels = stem_channels
        self.learning_rates = _check_choices("learning_rates", learning_rates, (int, float))
        self.batch_sizes = _check_choices("batch_sizes", batch_sizes, int)
        self.epochs = _check_choices("epochs", epochs, int)
        if not (0 < chain_prob <= 1 and 0 <= skip_prob <= 1):
            raise InvalidArgument(
                f"chain_prob must be in (0, 1] and skip_prob in [0, 1], got {chain_prob}, {skip_prob}"
            )
        self.chain_prob, self.skip_prob = chain_prob, skip_prob

    # --- sizes ------------------------------------------------------------------------------------
    @property
    def size(self) -> None:
        return None

    def _hp_choices(self) -> dict[str, tuple]:
        return {
            "k": self.kernel_sizes,
            "d": self.dilations,
            "s": self.strides,
            "p": self.paddings,
            "f": self.filters,
        }

    @property
    def cardinality(self) -> int:
        """Number of combinations of all decisions (cells, hyperparameters, edge maps, training)."""
        hp = self._hp_choices()
        per_cell = sum(math.prod(len(hp[k]) for k in OP_HPARAMS.get(op, ())) for op in self.universe)
        n = self.num_cells
        train = math.prod(len(c) for c in self._train_choices().values())
        return per_cell**n * 2 ** (n * (n + 1) // 2) * train

    # --- values -----------------------------------------------------------------------------------
    def make_cell(self, op: str, **hparams) -> CellOp:
        """A checked cell: ``make_cell("conv", kernel=3, dilation=1, stride=1, padding="zeros", filters=32)``."""
        if op not in self.universe:
            raise UnknownName("generic operation", op, self.universe)
        keys = OP_HPARAMS.get(op, ())
        fields = {_KEY_FIELD[k]: k for k in keys}
        bad = [f for f in hparams if f not in fields]
        if bad:
            raise InvalidArgument(
                f"hyperparameter(s) {bad} do not apply to {op!r}; valid: {list(fields) or 'none'}"
            )
        missing = [f for f in fields if f not in hparams]
        if missing:
            raise InvalidArgument(f"missing hyperparameter(s) {missing} for {op!r}")
        hp = self._hp_choices()
        for f, k in fields.items():
            if hparams[f] not in hp[k]:
                raise InvalidArgument(f"{f}={hparams[f]!r} is not a choice for {op!r}; valid: {list(hp[k])}")
        return CellOp(op, **{**_NEUTRAL, **hparams})

    def make(self, cells, edges, *, learning_rate, batch_size, epochs) -> GenericArch:
        """A checked architecture; ``edges[j-1]`` lists the 0/1 bits of nodes ``0..j-1`` feeding cell ``j``."""
        cells = tuple(cells)
        if len(cells) != self.num_cells:
            raise InvalidArgument(f"{len(cells)} cells given; this space has num_cells={self.num_cells}")
        for c in cells:
            if not isinstance(c, CellOp):
                raise InvalidArgument(f"cell {c!r} is not a CellOp")
            checked = self.make_cell(
                c.op, **{_KEY_FIELD[k]: getattr(c, _KEY_FIELD[k]) for k in OP_HPARAMS.get(c.op, ())}
            )
            if c != checked:
                raise InvalidArgument(f"cell {c!r} sets hyperparameters that do not apply to {c.op!r}")
        edges = tuple(tuple(int(b) for b in row) for row in edges)
        if len(edges) != self.num_cells or any(len(row) != j + 1 for j, row in enumerate(edges)):
            raise InvalidArgument(
                f"edge map must have {self.num_cells} groups of 1..{self.num_cells} bits, got {edges!r}"
            )
        if any(b not in (0, 1) for row in edges for b in row):
            raise InvalidArgument(f"edge map bits must be 0/1, got {edges!r}")
        arch = GenericArch(learning_rate, batch_size, epochs, cells, edges)
        tr = self._train_choices()
        for key, field in _TRAIN_KEYS.items():
            if getattr(arch, field) not in tr[key]:
                raise InvalidArgument(
                    f"{field}={getattr(arch, field)!r} is not a choice; valid: {list(tr[key])}"
                )
        if not self.active(arch)[-1]:
            raise InvalidArgument("the last cell is not reachable from the stem; add an edge into it")
        return arch

    @staticmethod
    def active(arch: GenericArch) -> list[bool]:
        """For nodes 0..L (0 = stem): whether the node lies on a path from the stem to the last cell."""
        n = len(arch.cells)
        fwd = [True] + [False] * n
        for j in range(1, n + 1):
            fwd[j] = any(arch.edges[j - 1][i] and fwd[i] for i in range(j))
        bwd = [False] * n + [True]
        for i in range(n - 1, -1, -1):
            bwd[i] = any(arch.edges[j - 1][i] and bwd[j] for j in range(i + 1, n + 1))
        return [f and b for f, b in zip(fwd, bwd)]

    def _is_valid(self, arch: GenericArch) -> bool:
        return self.active(arch)[-1]

    # --- strings ----------------------------------------------------------------------------------
    def _format_cell(self, c: CellOp) -> str:
        keys = OP_HPARAMS.get(c.op, ())
        if not keys:
            return c.op
        return c.op + "(" + ",".join(f"{k}={getattr(c, _KEY_FIELD[k])}" for k in keys) + ")"

    def format(self, arch: GenericArch) -> str:
        cells = "+".join(self._format_cell(c) for c in arch.cells)
        edges = "-".join("".join(str(b) for b in row) for row in arch.edges)
        return f"{cells}|{edges}|{self._format_training(arch)}"

    def _parse_cell(self, text: str) -> CellOp:
        m = _CELL_RE.match(text)
        if not m:
            raise InvalidArgument(
                f"malformed cell {text!r}; expected OP or OP(key=value,...) e.g. conv(k=3,d=1,s=1,p=zeros,f=32)"
            )
        op, args = m.group(1), m.group(2)
        if op not in self.universe:
            raise UnknownName("generic operation", op, self.universe)
        valid = OP_HPARAMS.get(op, ())
        hparams: dict = {}
        for item in filter(None, (s.strip() for s in (args or "").split(","))):
            key, eq, val = item.partition("=")
            key = key.strip()
            if not eq or key not in valid:
                raise InvalidArgument(
                    f"bad hyperparameter {item!r} for {op!r}; valid keys: {list(valid) or 'none'}"
                )
            if key == "p":
                hparams[_KEY_FIELD[key]] = val.strip()
            else:
                try:
                    hparams[_KEY_FIELD[key]] = int(val)
                except ValueError:
                    raise InvalidArgument(f"{key}={val!r} for {op!r} is not an integer") from None
        return self.make_cell(op, **hparams)

    def parse(self, text: str) -> GenericArch:
        if not isinstance(text, str):
            raise InvalidArgument(f"generic architecture string expected, got {type(text).__name__}")
        cells_s, edges_s, train_s = self._split_training_parts(text, 3)
        cells = [self._parse_cell(c) for c in cells_s.split("+")]
        groups = edges_s.strip().split("-")
        if any(set(g) - {"0", "1"} or not g for g in groups):
            raise InvalidArgument(
                f"malformed edge map {edges_s!r}; expected groups of 0/1 bits joined by '-', e.g. 1-01-011"
            )
        edges = [[int(b) for b in g] for g in groups]
        return self.make(cells, edges, **self._parse_training(train_s))

    def canonical(self, arch: GenericArch) -> str:
        """The string form with inactive cells blanked to ``identity`` and their edges removed."""
        act = self.active(arch)
        cells = tuple(c if act[j + 1] else CellOp("identity") for j, c in enumerate(arch.cells))
        edges = tuple(
            tuple(b if act[i] and act[j + 1] else 0 for i, b in enumerate(row))
            for j, row in enumerate(arch.edges)
        )
        return self.format(replace(arch, cells=cells, edges=edges))

    # --- sampling and local moves -------------------------------------------------------------------
    def _random_cell(self, rng: np.random.Generator, op: str | None = None) -> CellOp:
        op = op if op is not None else self.universe[int(rng.integers(len(self.universe)))]
        hp = self._hp_choices()
        return self.make_cell(
            op, **{_KEY_FIELD[k]: hp[k][int(rng.integers(len(hp[k])))] for k in OP_HPARAMS.get(op, ())}
        )

    def sample(self, rng: np.random.Generator) -> GenericArch:
        cells = tuple(self._random_cell(rng) for _ in range(self.num_cells))
        training = self._sample_training(rng)
        while True:
            edges = tuple(
                tuple(
                    int(rng.random() < (self.chain_prob if i == j else self.skip_prob)) for i in range(j + 1)
                )
                for j in range(self.num_cells)
            )
            arch = GenericArch(cells=cells, edges=edges, **training)
            if self._is_valid(arch):
                return arch

    def _cell_moves(self, c: CellOp) -> list[CellOp]:
        hp = self._hp_choices()
        moves = []
        for op in self.universe:  # change the operation, keeping shared hyperparameters where possible
            if op != c.op:
                keys = OP_HPARAMS.get(op, ())
                kw = {}
                for k in keys:
                    f = _KEY_FIELD[k]
                    cur = getattr(c, f)
                    kw[f] = cur if k in OP_HPARAMS.get(c.op, ()) else hp[k][0]
                moves.append(self.make_cell(op, **kw))
        for k in OP_HPARAMS.get(c.op, ()):  # change one hyperparameter
            f = _KEY_FIELD[k]
            moves += [replace(c, **{f: v}) for v in hp[k] if v != getattr(c, f)]
        return moves

    def neighbours(self, arch: GenericArch) -> list[GenericArch]:
        """All valid architectures one decision away: an op, one op hyperparameter, one edge, one training value."""
        out: list[GenericArch] = []
        for j, c in enumerate(arch.cells):
            for nc in self._cell_moves(c):
                out.append(replace(arch, cells=arch.cells[:j] + (nc,) + arch.cells[j + 1 :]))
        for j, row in enumerate(arch.edges):
            for i in range(len(row)):
                nrow = row[:i] + (1 - row[i],) + row[i + 1 :]
                cand = replace(arch, edges=arch.edges[:j] + (nrow,) + arch.edges[j + 1 :])
                if self._is_valid(cand):
                    out.append(cand)
        out += self._training_moves(arch)
        return out

    def mutate(self, arch: GenericArch, rng: np.random.Generator) -> GenericArch:
        nbrs = self.neighbours(arch)
        if not nbrs:
            raise InvalidArgument(f"architecture {self.format(arch)!r} has no neighbour in this space")
        return nbrs[int(rng.integers(len(nbrs)))]

    def encode(self, arch: GenericArch) -> np.ndarray:
        """Per cell: one-hot op, one-hot of each hyperparameter (zeros where it does not apply); edge bits;
        one-hot training values."""
        hp = self._hp_choices()
        vec: list[float] = []
        for c in arch.cells:
            vec += [float(c.op == o) for o in self.universe]
            keys = OP_HPARAMS.get(c.op, ())
            for k, choices in hp.items():
                vec += [float(k in keys and getattr(c, _KEY_FIELD[k]) == v) for v in choices]
        vec += [float(b) for row in arch.edges for b in row]
        vec += self._encode_training(arch)
        return np.asarray(vec, dtype=np.float64)

    # --- sequential decisions -----------------------------------------------------------------------
    def decisions(self) -> list[int]:
        """Per cell: op, k, d, s, p, f (ignored where they do not apply); then edge bits; then lr, bs, ep."""
        hp = self._hp_choices()
        per_cell = [len(self.universe)] + [len(hp[k]) for k in ("k", "d", "s", "p", "f")]
        n = self.num_cells
        return per_cell * n + [2] * (n * (n + 1) // 2) + [len(c) for c in self._train_choices().values()]

    def to_decisions(self, arch: GenericArch) -> list[int]:
        hp = self._hp_choices()
        out: list[int] = []
        for c in arch.cells:
            out.append(self.universe.index(c.op))
            keys = OP_HPARAMS.get(c.op, ())
            out += [
                hp[k].index(getattr(c, _KEY_FIELD[k])) if k in keys else 0 for k in ("k", "d", "s", "p", "f")
            ]
        out += [b for row in arch.edges for b in row]
        return out + self._training_decisions(arch)

    def from_decisions(self, choices: list[int]) -> GenericArch:
        spec = self.decisions()
        if len(choices) != len(spec) or any(not 0 <= int(c) < k for c, k in zip(choices, spec)):
            raise InvalidArgument(f"decisions {list(choices)!r} do not fit {spec}")
        hp = self._hp_choices()
        it = iter(int(c) for c in choices)
        cells = []
        for _ in range(self.num_cells):
            op = self.universe[next(it)]
            vals = {k: hp[k][next(it)] for k in ("k", "d", "s", "p", "f")}
            cells.append(self.make_cell(op, **{_KEY_FIELD[k]: vals[k] for k in OP_HPARAMS.get(op, ())}))
        edges = [[next(it) for _ in range(j + 1)] for j in range(self.num_cells)]
        tr = {_TRAIN_KEYS[k]: c[next(it)] for k, c in self._train_choices().items()}
        return self.make(cells, edges, **tr)

    # --- models -------------------------------------------------------------------------------------
    def build(self, arch: GenericArch, num_classes: int = 10, **kwargs):
        """A :class:`archrank.models.generic.GenericNetwork`; ``in_channels`` (default 3) is a keyword."""
        from archrank.models.generic import GenericNetwork

        kwargs.setdefault("stem_channels", self.stem_channels)
        return GenericNetwork(arch, num_classes=num_classes, **kwargs)


class GenericMLPSpace(_TrainingDims, SearchSpace):
    """Dense networks for vector inputs: depth, and per layer a width and an activation; plus training.

    ``min_depth``..``max_depth`` hidden layers.  ``size`` is ``None``; :attr:`cardinality` counts all
    architectures.  String form: layers ``WIDTH:ACTIVATION`` joined by ``+``, ``|``, training, e.g.
    ``64:relu+32:tanh|lr=0.01,bs=64,ep=4``.  ``in_features`` (here or as a ``build`` keyword) fixes the
    input size; when neither gives it the first layer is ``torch.nn.LazyLinear`` (sized on first call).
    """

    name = "generic_mlp"

    def __init__(
        self,
        *,
        min_depth: int = 1,
        max_depth: int = 4,
        widths: tuple[int, ...] = (16, 32, 64, 128, 256),
        activations: tuple[str, ...] = MLP_ACTIVATIONS,
        learning_rates: tuple[float, ...] = (0.1, 0.03, 0.01, 0.003),
        batch_sizes: tuple[int, ...] = (32, 64, 128, 256),
        epochs: tuple[int, ...] = (1, 2, 4, 8),
        in_features: int | None = None,
    ):
        if not (isinstance(min_depth, int) and isinstance(max_depth, int) and 1 <= min_depth <= max_depth):
            raise InvalidArgument(f"need 1 <= min_depth <= max_depth, got {min_depth!r}, {max_depth!r}")
        self.min_depth, self.max_depth = min_depth, max_depth
        self.widths = _check_choices("widths", widths, int)
        self.activations = _check_choices("activations", activations)
        for a in self.activations:
            if a not in MLP_ACTIVATIONS:
                raise UnknownName("activation", a, MLP_ACTIVATIONS)
        self.learning_rates = _check_choices("learning_rates", learning_rates, (int, float))
        self.batch_sizes = _check_choices("batch_sizes", batch_sizes, int)
        self.epochs = _check_choices("epochs", epochs, int)
        self.in_features = in_features

    @property
    def size(self) -> None:
        return None

    @property
    def cardinality(self) -> int:
        per = len(self.widths) * len(self.activations)
        train = math.prod(len(c) for c in self._train_choices().values())
        return sum(per**d for d in range(self.min_depth, self.max_depth + 1)) * train

    def make(self, layers, *, learning_rate, batch_size, epochs) -> GenericMLPArch:
        """A checked architecture from ``[(width, activation), ...]``."""
        out = []
        for layer in layers:
            w, a = (layer.width, layer.activation) if isinstance(layer, MLPLayer) else layer
            if w not in self.widths:
                raise InvalidArgument(f"width {w!r} is not a choice; valid: {list(self.widths)}")
            if a not in self.activations:
                raise UnknownName("activation", a, self.activations)
            out.append(MLPLayer(int(w), str(a)))
        if not self.min_depth <= len(out) <= self.max_depth:
            raise InvalidArgument(f"depth {len(out)} is outside {self.min_depth}..{self.max_depth}")
        arch = GenericMLPArch(learning_rate, batch_size, epochs, tuple(out))
        tr = self._train_choices()
        for key, field in _TRAIN_KEYS.items():
            if getattr(arch, field) not in tr[key]:
                raise InvalidArgument(
                    f"{field}={getattr(arch, field)!r} is not a choice; valid: {list(tr[key])}"
                )
        return arch

    def format(self, arch: GenericMLPArch) -> str:
        return (
            "+".join(f"{layer.width}:{layer.activation}" for layer in arch.layers)
            + "|"
            + self._format_training(arch)
        )

    def parse(self, text: str) -> GenericMLPArch:
        if not isinstance(text, str):
            raise InvalidArgument(f"MLP architecture string expected, got {type(text).__name__}")
        layers_s, train_s = self._split_training_parts(text, 2)
        layers = []
        for item in layers_s.split("+"):
            w, sep, a = item.strip().partition(":")
            if not sep or not w.isdigit():
                raise InvalidArgument(f"malformed layer {item!r}; expected WIDTH:ACTIVATION such as 64:relu")
            layers.append((int(w), a.strip()))
        return self.make(layers, **self._parse_training(train_s))

    def sample(self, rng: np.random.Generator) -> GenericMLPArch:
        depth = int(rng.integers(self.min_depth, self.max_depth + 1))
        layers = tuple(
            MLPLayer(
                self.widths[int(rng.integers(len(self.widths)))],
                self.activations[int(rng.integers(len(self.activations)))],
            )
            for _ in range(depth)
        )
        return GenericMLPArch(layers=layers, **self._sample_training(rng))

    def neighbours(self, arch: GenericMLPArch) -> list[GenericMLPArch]:
        """Change one width or activation, drop one layer, insert one layer, or change one training value."""
        ls = arch.layers
        out: list[GenericMLPArch] = []
        for i, layer in enumerate(ls):
            alts = [MLPLayer(w, layer.activation) for w in self.widths if w != layer.width]
            alts += [MLPLayer(layer.width, a) for a in self.activations if a != layer.activation]
            out += [replace(arch, layers=ls[:i] + (nl,) + ls[i + 1 :]) for nl in alts]
        if len(ls) > self.min_depth:
            seen = set()
            for i in range(len(ls)):
                cand = ls[:i] + ls[i + 1 :]
                if cand not in seen:
                    seen.add(cand)
                    out.append(replace(arch, layers=cand))
        if len(ls) < self.max_depth:
            seen = set()
            for i in range(len(ls) + 1):
                for w in self.widths:
                    for a in self.activations:
                        cand = ls[:i] + (MLPLayer(w, a),) + ls[i:]
                        if cand not in seen:
                            seen.add(cand)
                            out.append(replace(arch, layers=cand))
        return out + self._training_moves(arch)

    def mutate(self, arch: GenericMLPArch, rng: np.random.Generator) -> GenericMLPArch:
        nbrs = self.neighbours(arch)
        return nbrs[int(rng.integers(len(nbrs)))]

    def encode(self, arch: GenericMLPArch) -> np.ndarray:
        """Per slot 1..max_depth: present bit, one-hot width, one-hot activation (zeros when absent); training."""
        vec: list[float] = []
        for i in range(self.max_depth):
            layer = arch.layers[i] if i < len(arch.layers) else None
            vec.append(float(layer is not None))
            vec += [float(layer is not None and layer.width == w) for w in self.widths]
            vec += [float(layer is not None and layer.activation == a) for a in self.activations]
        vec += self._encode_training(arch)
        return np.asarray(vec, dtype=np.float64)

    def build(self, arch: GenericMLPArch, num_classes: int = 10, **kwargs):
        """A :class:`archrank.models.generic.MLPNetwork` with ``num_classes`` outputs (1 for regression)."""
        from archrank.models.generic import MLPNetwork

        kwargs.setdefault("in_features", self.in_features)
        return MLPNetwork(arch, num_classes=num_classes, **kwargs)


__all__ = [
    "CONV_UNIVERSE",
    "MLP_ACTIVATIONS",
    "OP_HPARAMS",
    "CellOp",
    "GenericArch",
    "GenericMLPArch",
    "GenericMLPSpace",
    "GenericSpace",
    "MLPLayer",
]
