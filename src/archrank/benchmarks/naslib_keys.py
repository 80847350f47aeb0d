"""Architecture keys of NASLib / NAS-Bench-Suite-Zero, converted to and from archrank's strings.

A ``zc_<benchmark>.json`` file names architectures by the Python ``str()`` of NASLib's architecture hash
(parse with :func:`ast.literal_eval`, not JSON):

* ``nasbench101``: 56 ints, the 7x7 adjacency matrix row by row (raw, not pruned) then the 7 vertex ops as
  indices into :data:`NB101_OPS`.  archrank keeps the raw matrix, so a key converts back exactly.
* ``nasbench201``: 6 op indices into :data:`NB201_OPS`, on edges (1,2), (1,3), (1,4), (2,3), (2,4), (3,4) of
  NASLib's node numbering 1..4.  Key ``(a, b, c, d, e, f)`` is the cell ``|A~0|+|B~0|D~1|+|C~0|E~1|F~2|``.
* ``nasbench301``: the compact DARTS encoding ``[[normal], [reduction]]`` of 8 ``(input, op)`` pairs each;
  converted by the ``nb301`` space's ``from_compact`` / ``to_compact`` where that space is installed.
"""

from __future__ import annotations

import ast
from typing import Any

from archrank.errors import DataError, InvalidArgument, UnknownName

#: NASLib space name -> archrank space name.
SPACE_OF = {"nasbench101": "nb101", "nasbench201": "nb201", "nasbench301": "nb301"}
NASLIB_SPACE_OF = {v: k for k, v in SPACE_OF.items()}
NB101_OPS = ("input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")
NB201_OPS = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
# position in archrank's NB201 edge order (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2) of each NASLib key entry
_NB201_ORDER = (0, 1, 3, 2, 4, 5)


def archrank_space(naslib_space: str) -> str:
    try:
        return SPACE_OF[naslib_space]
    except KeyError:
        raise UnknownName("NASLib search space", naslib_space, sorted(SPACE_OF)) from None


def naslib_space(space: str) -> str:
    try:
        return NASLIB_SPACE_OF[space]
    except KeyError:
        raise UnknownName("space with a NASLib key encoding", space, sorted(NASLIB_SPACE_OF)) from None


def nb301_space():
    """The ``nb301`` space, or None where it is not installed."""
    from archrank.spaces import get_space, space_names

    return get_space("nb301") if "nb301" in space_names() else None


def _space(space: str):
    from archrank.spaces import get_space

    if space == "nb301":
        sp = nb301_space()
        if sp is None:
            raise InvalidArgument("NASLib 'nasbench301' keys need archrank's 'nb301' space, which is not "
                                  "installed in this version")
        return sp
    return get_space(space)


def parse_key(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError) as e:
        raise DataError(f"malformed NASLib architecture key {text[:80]!r}: {e}") from None


def key_to_arch(space: str, key: str | Any):
    """archrank's architecture value (of archrank space ``space``) for a NASLib key (text or parsed)."""
    obj = parse_key(key) if isinstance(key, str) else key
    sp = _space(space)
    if space == "nb201":
        if len(obj) != 6 or any(not 0 <= int(i) < len(NB201_OPS) for i in obj):
            raise DataError(f"NASLib nasbench201 key {obj!r}: expected 6 op indices in 0..{len(NB201_OPS) - 1}")
        ops = [""] * 6
        for pos, i in zip(_NB201_ORDER, obj):
            ops[pos] = NB201_OPS[int(i)]
        return tuple(ops)
    if space == "nb101":
        if len(obj) != 56 or any(not 0 <= int(v) < len(NB101_OPS) for v in obj[49:]):
            raise DataError(f"NASLib nasbench101 key {str(obj)[:60]!r}...: expected 49 adjacency entries and 7 "
                            f"op indices in 0..{len(NB101_OPS) - 1}")
        matrix = [list(obj[7 * r:7 * r + 7]) for r in range(7)]
        try:
            return sp.make(matrix, [NB101_OPS[int(i)] for i in obj[49:]])
        except InvalidArgument as e:
            raise DataError(f"NASLib nasbench101 key {str(obj)[:60]!r}... is not a valid cell: {e}") from None
    if space == "nb301":
        return sp.from_compact(obj)
    raise UnknownName("space with a NASLib key encoding", space, sorted(NASLIB_SPACE_OF))


def arch_to_key(space: str, arch: Any) -> str:
    """The NASLib key (Python ``str()`` of NASLib's hash) of an archrank architecture (value or string)."""
    sp = _space(space)
    a = sp.parse(arch) if isinstance(arch, str) else arch
    if space == "nb201":
        index = {op: i for i, op in enumerate(NB201_OPS)}
        ops = tuple(sp.coerce(a)) if hasattr(sp, "coerce") else tuple(a)
        return str(tuple(index[ops[pos]] for pos in _NB201_ORDER))
    if space == "nb101":
        m = a.as_array()
        n = m.shape[0]
        if n != 7:
            raise InvalidArgument(f"NB101 cell {sp.format(a)!r} has {n} vertices; NASLib keys need 7 "
                                  "(pad with unconnected vertices)")
        index = {op: i for i, op in enumerate(NB101_OPS)}
        return str(tuple(int(v) for v in m.ravel()) + tuple(index[o] for o in a.ops))
    if space == "nb301":
        compact = sp.to_compact(a)
        return str([[tuple(int(x) for x in pair) for pair in cell] for cell in compact])
    raise UnknownName("space with a NASLib key encoding", space, sorted(NASLIB_SPACE_OF))
