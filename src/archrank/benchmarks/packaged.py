"""Benchmark tables shipped inside the package, opened by name wherever a table file is accepted.

``nb201`` (aliases ``nb201_cifar10``, ``nats_tss``) is NAS-Bench-201's CIFAR-10 table: index,
isomorphism class, ``c10_test_200``, ``c10v_valid_12``, ``c10v_valid_200`` and ``c10v_train_seconds_200``
for all 15,625 cells (MIT licence; source and columns in ``data/NB201_SOURCE.txt``).  The file leaves out
the architecture strings; `BenchmarkTable.packaged` adds an ``arch`` column from the index.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from archrank.errors import DataError, UnknownName

#: name -> (file under archrank/benchmarks/data, space whose index order the table follows)
#: Opened by :meth:`archrank.benchmarks.table.BenchmarkTable.packaged`.
PACKAGED: dict[str, tuple[str, str]] = {"nb201": ("nb201_cifar10.csv.gz", "nb201")}
_ALIASES = {"nb201_cifar10": "nb201", "nats_tss": "nb201", "nasbench201": "nb201"}


def packaged_names() -> list[str]:
    return sorted(PACKAGED)


def resolve_name(name: str) -> str | None:
    """The packaged table ``name`` refers to (case and ``-`` insensitive), or None."""
    key = str(name).strip().lower().replace("-", "_")
    key = _ALIASES.get(key, key)
    return key if key in PACKAGED else None


def packaged_path(name: str) -> Path:
    """Path of the packaged file behind ``name``; UnknownName lists the packaged tables."""
    key = resolve_name(name)
    if key is None:
        raise UnknownName("packaged benchmark table", name, packaged_names())
    ref = resources.files("archrank.benchmarks") / "data" / PACKAGED[key][0]
    path = Path(str(ref))
    if not path.is_file():
        raise DataError(f"packaged benchmark table {PACKAGED[key][0]!r} is missing from the installation "
                        f"(expected at {path}); reinstall archrank")
    return path
