"""The NAS-Bench-301 space: DARTS cells in the DARTS CIFAR-10 network (Siems et al., 2020).

The DARTS vocabulary without the zero operation; 4 intermediate nodes per cell, each reading two distinct
earlier states; the cell output concatenates all 4 nodes.  The network is fixed (32 channels, 8 cells), so
architectures carry no width or depth.

Besides the string form of :mod:`archrank.spaces.darts_genotype`, the space reads and writes NASLib's
*compact* encoding, the keys of NASLib's NB301 files: ``[[normal], [reduce]]``, each a list of 8
``(input, op index)`` pairs, pairs ``2k`` and ``2k + 1`` feeding node ``k``, op indices into
:data:`NB301_OPS` (see :meth:`NB301Space.from_compact`, :meth:`NB301Space.to_compact`).
"""

from __future__ import annotations

import ast
from typing import Any

from archrank.errors import InvalidArgument
from archrank.spaces import register_space
from archrank.spaces.darts_cells import KINDS, DartsCellSpace
from archrank.spaces.darts_genotype import DartsArch

#: The DARTS operations in NASLib's compact order.
NB301_OPS: tuple[str, ...] = (
    "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3",
    "dil_conv_5x5",
)


class NB301Space(DartsCellSpace):
    """NAS-Bench-301: DARTS cells (7 operations, 4 nodes, distinct inputs) in the 32-channel 8-cell CIFAR network."""

    name = "nb301"
    ops = NB301_OPS
    num_nodes = 4
    distinct_inputs = True
    concat_rule = "all"

    def from_compact(self, obj: Any) -> DartsArch:
        """An architecture from NASLib's compact encoding (nested lists / tuples, or their ``str()``)."""
        if isinstance(obj, str):
            try:
                obj = ast.literal_eval(obj.strip())
            except (ValueError, SyntaxError):
                raise InvalidArgument(f"malformed compact NB301 encoding {obj!r}") from None
        if not (isinstance(obj, (list, tuple)) and len(obj) == 2):
            raise InvalidArgument(f"compact NB301 encoding must be [normal, reduce], got {obj!r}")
        cells = []
        for kind, cell in zip(KINDS, obj):
            if not isinstance(cell, (list, tuple)) or not all(
                isinstance(p, (list, tuple)) and len(p) == 2 and all(isinstance(v, int) for v in p) for p in cell
            ):
                raise InvalidArgument(f"compact {kind} cell must be a list of (input, op index) pairs, got {cell!r}")
            for _, o in cell:
                if not 0 <= o < len(NB301_OPS):
                    raise InvalidArgument(f"compact op index {o} out of range 0..{len(NB301_OPS) - 1} in {cell!r}")
            cells.append(tuple((NB301_OPS[o], i) for i, o in cell))
        return self.check(DartsArch(cells[0], (), cells[1], ()))

    def to_compact(self, arch: Any) -> tuple[tuple[tuple[int, int], ...], ...]:
        """NASLib's compact encoding of ``arch`` as nested tuples ``((normal pairs), (reduce pairs))``."""
        a = self._coerce(arch)
        return tuple(tuple((i, NB301_OPS.index(op)) for op, i in a.cell(kind)) for kind in KINDS)

    def compact_key(self, arch: Any) -> str:
        """The key string NASLib's NB301 files use: ``str()`` of a list of two lists of tuples."""
        return str([list(cell) for cell in self.to_compact(arch)])

    def parse(self, text: str) -> DartsArch:
        """The string form, JSON, a ``Genotype(...)`` repr, or the compact encoding (``[[(0, 4), ...], ...]``)."""
        if isinstance(text, str) and text.strip()[:2] in ("[[", "[(", "(("):
            return self.from_compact(text)
        return super().parse(text)


register_space("nb301", NB301Space)

__all__ = ["NB301_OPS", "NB301Space"]
