"""Which architectures a run covers: ``"all"``, ``"random:N"``, a file, or an explicit list.

The same specification with the same seed selects the same architectures in every run (scoring,
training, the demo, benchmark scripts), so their results line up in the store.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from archrank.errors import DataError, InvalidArgument
from archrank.spaces import SearchSpace


def select_archs(space: SearchSpace, spec: str | Sequence[Any], seed: int = 0) -> list[Hashable]:
    """Architectures named by ``spec``: ``"all"``, ``"random:N"`` (N distinct, drawn with ``seed``), a path
    to a file with one architecture per line (official string or index; blank lines and ``#`` comments
    skipped), or a sequence of strings/indices/architectures.  Duplicates are dropped, order kept."""
    if not isinstance(spec, str):
        archs = [space.parse_any(str(a)) if isinstance(a, (str, int, np.integer)) else a for a in spec]
        return unique(archs)
    text = spec.strip()
    if text == "all":
        if space.size is None:
            raise InvalidArgument(f"archs='all' needs an enumerable space; {space.name!r} is not",
                                  parameter="archs")
        return [space.index_to_arch(i) for i in range(space.size)]
    if text.startswith("random:"):
        n_text = text.split(":", 1)[1]
        if not n_text.isdigit() or int(n_text) < 1:
            raise InvalidArgument(f"bad archs {spec!r}: expected random:N with N a positive integer",
                                  parameter="archs")
        return random_archs(space, int(n_text), seed)
    path = Path(text).expanduser()
    if not path.is_file():
        raise InvalidArgument(
            f"bad archs {spec!r}: not 'all', not 'random:N' and not an existing file of architectures",
            parameter="archs",
        )
    return unique(read_arch_file(space, path))


def read_arch_file(space: SearchSpace, path: Path) -> list[Hashable]:
    """The architectures of a file, one per line (official string or index; ``#`` comments skipped)."""
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read architecture file {str(path)!r}: {e}") from None
    archs = []
    for lineno, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            archs.append(space.parse_any(line))
        except InvalidArgument as e:
            raise InvalidArgument(f"{path}:{lineno}: {e}") from None
    if not archs:
        raise InvalidArgument(f"architecture file {str(path)!r} names no architecture")
    return archs


def random_archs(space: SearchSpace, n: int, seed: int) -> list[Hashable]:
    """``n`` distinct architectures: without replacement over the indices of an enumerable space (seeded
    ``numpy`` Generator), else by ``space.sample``."""
    rng = np.random.default_rng(seed)
    if space.size is not None:
        if n > space.size:
            raise InvalidArgument(f"random:{n} asks for more architectures than space {space.name!r} has "
                                  f"({space.size})", parameter="archs")
        return [space.index_to_arch(int(i)) for i in rng.choice(space.size, size=n, replace=False)]
    seen: dict[Hashable, None] = {}
    tries = 0
    while len(seen) < n:
        seen.setdefault(space.sample(rng), None)
        tries += 1
        if tries > 100 * n:
            raise InvalidArgument(f"could not draw {n} distinct architectures from space {space.name!r}",
                                  parameter="archs")
    return list(seen)


def unique(archs: list[Hashable]) -> list[Hashable]:
    """``archs`` without duplicates, first occurrence kept."""
    return list(dict.fromkeys(archs))


def identities(space: SearchSpace, archs: Sequence[Hashable]) -> list[tuple[str, str, int | None]]:
    """``(string, canonical form, index or None)`` of each architecture, as the store registers them."""
    out = []
    for a in archs:
        idx = space.arch_to_index(a) if space.size is not None else None
        out.append((space.format(a), space.canonical(a), idx))
    return out
