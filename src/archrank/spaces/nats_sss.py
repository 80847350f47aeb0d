"""The NATS-Bench size space: 32,768 width configurations ``c0:c1:c2:c3:c4``, each width in 8, 16, ..., 64.

Index order is the benchmark's: lexicographic in the widths with the last layer varying fastest, i.e. the
index is the base-8 number whose digits are ``width / 8 - 1`` (first layer most significant).  Every
configuration is its own canonical class.  The cell topology is fixed: :data:`BEST_TOPOLOGY`, the NB201 cell
``|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from archrank.errors import InvalidArgument
from archrank.spaces import register_space
from archrank.spaces.base import SearchSpace

WIDTHS: tuple[int, ...] = (8, 16, 24, 32, 40, 48, 56, 64)
NUM_LAYERS = 5
_SIZE = len(WIDTHS) ** NUM_LAYERS
_WIDTH_INDEX = {w: i for i, w in enumerate(WIDTHS)}

Arch = tuple[int, ...]
_VALID = ", ".join(str(w) for w in WIDTHS)
BEST_TOPOLOGY: tuple[str, ...] = (
    "nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "skip_connect", "nor_conv_3x3", "nor_conv_3x3",
)
"""The fixed cell of every network of the size space (NB201 operations in NB201's edge order)."""


def _check(widths: Sequence[object], shown: str) -> Arch:
    if len(widths) != NUM_LAYERS:
        raise InvalidArgument(
            f"malformed NATS size-space architecture {shown}: expected {NUM_LAYERS} widths like 8:16:32:48:64, "
            f"got {len(widths)}"
        )
    out = []
    for w in widths:
        if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or int(w) not in _WIDTH_INDEX:
            raise InvalidArgument(f"width {w!r} in {shown} is not allowed; valid widths: {_VALID}")
        out.append(int(w))
    return tuple(out)


def parse_arch(text: str) -> Arch:
    """The widths of a ``c0:c1:c2:c3:c4`` string; raise InvalidArgument naming the problem."""
    if not isinstance(text, str):
        raise InvalidArgument(f"NATS size-space architecture must be a string, got {type(text).__name__}")
    values: list[object] = []
    for p in text.strip().split(":"):
        p = p.strip()
        if not p.isdigit():
            raise InvalidArgument(
                f"malformed NATS size-space architecture {text!r}: expected {NUM_LAYERS} integers joined by ':', "
                f"like 8:16:32:48:64"
            )
        values.append(int(p))
    return _check(values, repr(text))


def index_to_arch(index: int) -> Arch:
    """The architecture at ``index`` of the benchmark's order (no range check)."""
    i = int(index)
    digits = []
    for _ in range(NUM_LAYERS):
        i, r = divmod(i, len(WIDTHS))
        digits.append(WIDTHS[r])
    return tuple(reversed(digits))


def coerce_arch(arch: Arch | Sequence[int] | str | int) -> Arch:
    """A validated architecture from a tuple/list of widths, a ``c0:c1:c2:c3:c4`` string or an index."""
    if isinstance(arch, str):
        return parse_arch(arch)
    if isinstance(arch, (int, np.integer)) and not isinstance(arch, bool):
        if not 0 <= int(arch) < _SIZE:
            raise InvalidArgument(f"index {arch!r} is out of range for space 'nats_sss'; valid: 0..{_SIZE - 1}")
        return index_to_arch(int(arch))
    if isinstance(arch, (tuple, list)):
        return _check(arch, repr(arch))
    raise InvalidArgument(f"not a NATS size-space architecture: {arch!r}")


class NATSSizeSpace(SearchSpace):
    """NATS-Bench size space: five layer widths, each one of 8, 16, ..., 64.

    Architectures are 5-tuples of widths from :data:`WIDTHS`.
    """

    name = "nats_sss"
    widths = WIDTHS

    @property
    def size(self) -> int:
        return _SIZE

    @property
    def num_canonical(self) -> int:
        return _SIZE

    def index_to_arch(self, index: int) -> Arch:
        return index_to_arch(self.check_index(index))

    def arch_to_index(self, arch: Arch | str) -> int:
        i = 0
        for w in self.coerce(arch):
            i = i * len(WIDTHS) + _WIDTH_INDEX[w]
        return i

    def coerce(self, arch: Arch | Sequence[int] | str | int) -> Arch:
        """A validated architecture from a tuple/list of widths, a ``c0:c1:c2:c3:c4`` string or an index."""
        return coerce_arch(arch)

    def parse(self, text: str) -> Arch:
        return parse_arch(text)

    def format(self, arch: Arch) -> str:
        return ":".join(str(w) for w in self.coerce(arch))

    def sample(self, rng: np.random.Generator) -> Arch:
        return tuple(WIDTHS[int(k)] for k in rng.integers(len(WIDTHS), size=NUM_LAYERS))

    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        a = list(self.coerce(arch))
        layer = int(rng.integers(NUM_LAYERS))
        choices = [w for w in WIDTHS if w != a[layer]]
        a[layer] = choices[int(rng.integers(len(choices)))]
        return tuple(a)

    def neighbours(self, arch: Arch) -> list[Arch]:
        a = self.coerce(arch)
        return [a[:k] + (w,) + a[k + 1 :] for k in range(NUM_LAYERS) for w in WIDTHS if w != a[k]]

    def encode(self, arch: Arch) -> np.ndarray:
        """One-hot width choice per layer (5 x 8 = 40 values)."""
        v = np.zeros(NUM_LAYERS * len(WIDTHS), dtype=np.float32)
        for k, w in enumerate(self.coerce(arch)):
            v[k * len(WIDTHS) + _WIDTH_INDEX[w]] = 1.0
        return v

    def decisions(self) -> list[int]:
        return [len(WIDTHS)] * NUM_LAYERS

    def to_decisions(self, arch: Arch) -> list[int]:
        return [_WIDTH_INDEX[w] for w in self.coerce(arch)]

    def from_decisions(self, choices: list[int]) -> Arch:
        if len(choices) != NUM_LAYERS:
            raise InvalidArgument(f"the NATS size space needs {NUM_LAYERS} decisions, got {len(choices)}")
        for c in choices:
            if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or not 0 <= int(c) < len(WIDTHS):
                raise InvalidArgument(f"decision {c!r} is out of range; valid: 0..{len(WIDTHS) - 1}")
        return tuple(WIDTHS[int(c)] for c in choices)


register_space("nats_sss", NATSSizeSpace)
