"""The precomputed tables archrank knows: their protocol, the architectures they cover and their partition.

A :class:`TableSpec` names a table (the same name as the suite task it serves), the scoring protocol its
values were computed under (space, data set, batch size, seed: the store key of a score), which
architectures it covers (``"all"`` of an enumerable space, or ``"task"``: every architecture with ground
truth in the suite task of the same name) and how many shards its canonical classes are split into.
``version`` is the table's own version: raised when the protocol or the partition changes (never for a
new column or a heuristic's new definition, which the columns' versions record).

Canonical class ``c`` belongs to shard ``shard_of(c, n_shards)``: the first 8 bytes of the SHA-256 of its
canonical form, modulo the shard count.  The rule depends on nothing but the class, so the partition is
the same on every machine, whatever order the architectures are enumerated in.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from archrank.errors import InvalidArgument
from archrank.registry import Registry

#: Heuristic needs that disqualify a heuristic from a precomputed table (it is not training-free).
EXCLUDED_NEEDS = frozenset({"training"})


@dataclass(frozen=True)
class TableSpec:
    """One precomputed table: name, protocol, the architectures covered and the shard count."""

    name: str
    space: str
    dataset: str
    batch_size: int
    seed: int
    #: "all" (every architecture of the space), "task" (the suite task's ground truth) or the architectures
    #: themselves (a tuple of strings in the space's notation).
    archs: str | tuple[str, ...]
    n_shards: int
    num_classes: int | None = None  # None: the data set's
    version: int = 1
    description: str = ""

    @property
    def protocol(self) -> dict[str, Any]:
        """The store key of the table's scores (without architecture and heuristic)."""
        return {"space": self.space, "dataset": self.dataset, "batch_size": self.batch_size, "seed": self.seed}


TABLES: Registry[TableSpec] = Registry("table")


def _register(spec: TableSpec) -> None:
    TABLES.register(spec.name, spec)


_register(TableSpec("nb201-cifar10", "nb201", "cifar10", 64, 0, "all", 256,
                    description="every NB201 architecture (15,625; 6,466 canonical classes), CIFAR-10 batch 64"))
_register(TableSpec("nb101-cifar10", "nb101", "cifar10", 64, 0, "task", 64,
                    description="the 500 NB101 cells with ground truth (nb101/nb101_cifar10_500.json)"))
_register(TableSpec("nb301-cifar10", "nb301", "cifar10", 64, 0, "task", 32,
                    description="the 500 NB301 architectures of naslib/zc_nasbench301.json"))
_register(TableSpec("nds-darts", "nds_darts", "cifar10-64", 64, 0, "task", 4, num_classes=1000,
                    description="the NDS DARTS ImageNet records (nds/DARTS_in.json), CIFAR-10 at 64x64"))
_register(TableSpec("nds-enas", "nds_enas", "cifar10-64", 64, 0, "task", 4, num_classes=1000,
                    description="the NDS ENAS ImageNet records (nds/ENAS_in.json), CIFAR-10 at 64x64"))
_register(TableSpec("nbnlp-ptb", "nbnlp", "ptb", 20, 0, "task", 4,
                    description="the NAS-Bench-NLP architectures with a PTB result"))
_register(TableSpec("nbnlp-wt2", "nbnlp", "wikitext2", 20, 0, "task", 4,
                    description="the NAS-Bench-NLP architectures with a WikiText-2 result"))


def shard_of(canonical: str, n_shards: int) -> int:
    """The shard of the canonical class ``canonical`` (a stable hash of the class, modulo ``n_shards``)."""
    digest = hashlib.sha256(canonical.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % int(n_shards)


def packaged_folder(name: str) -> Path:
    """The folder of table ``name``'s shards inside the installed package."""
    return Path(str(resources.files("archrank.tables"))) / "data" / name


def table_folder(location: str | os.PathLike) -> tuple[str, Path]:
    """``(table name, folder)`` for ``location``: a registered table's name (its packaged shards) or a
    folder of shards (named by the shards' own metadata)."""
    text = os.fspath(location)
    if text in TABLES:
        return text, packaged_folder(text)
    p = Path(text).expanduser()
    if p.is_dir():
        return p.name, p
    raise InvalidArgument(f"unknown table {text!r}: neither a table archrank ships ({', '.join(TABLES.names())}) "
                          "nor a folder of table shards")
