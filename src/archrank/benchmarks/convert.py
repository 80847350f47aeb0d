"""Benchmark tables from official archives and from stored training results.

A benchmark table is a CSV file with an ``arch`` column (the space's string form), an ``index`` column
where the space has an official order, and one column per metric (the layout of
``nb201/nb201_cifar10.csv``).  :func:`nats_table` converts a NATS archive directory; :func:`training_table`
turns the training results of a store (``archrank bench build``) into the same shape.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from archrank.benchmarks.nats import NATSArchive
from archrank.errors import DataError, InvalidArgument

PREFIX = {"cifar10": "c10", "cifar10-valid": "c10v", "cifar100": "c100", "ImageNet16-120": "im16"}


def nats_table(
    archive: NATSArchive,
    *,
    hps: Sequence[str] | None = None,
    datasets: Sequence[str] | None = None,
    indices: Iterable[int] | None = None,
) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows for the architectures of ``archive`` (default: those whose files are present).

    Columns per data set ``d`` (prefix c10, c10v, c100, im16) and schedule ``hp``: ``d_train_hp``,
    ``d_valid_hp`` (where the data set has a validation split), ``d_test_hp``, ``d_train_seconds_hp``, all
    means over the seeds; plus ``params`` (M) and ``flops`` (M) of the CIFAR-10 network.
    """
    hps = list(hps) if hps else archive.hps()
    for hp in hps:
        if str(hp) not in archive.hps() and not any(int(h) == int(hp) for h in archive.hps()):
            raise InvalidArgument(f"hp {hp!r} is not a schedule of {archive.name}; valid: {', '.join(archive.hps())}")
    datasets = list(datasets) if datasets else ["cifar10", "cifar10-valid", "cifar100", "ImageNet16-120"]
    idx = archive.available() if indices is None else list(indices)
    if not idx:
        raise DataError(f"{archive.path} holds no per-architecture files")
    columns = ["index", "arch", "params", "flops"]
    rows: list[dict[str, Any]] = []
    for i in idx:
        row: dict[str, Any] = {"index": i, "arch": archive.architectures()[i]}
        for hp in hps:
            for ds in datasets:
                p = PREFIX[ds]
                try:
                    m = archive.query(i, dataset=ds, hp=hp)
                except DataError:
                    continue
                if m.train_acc is not None:
                    row[f"{p}_train_{hp}"] = m.train_acc
                if m.valid_acc is not None:
                    row[f"{p}_valid_{hp}"] = m.valid_acc
                if m.test_acc is not None:
                    row[f"{p}_test_{hp}"] = m.test_acc
                if m.train_time is not None:
                    row[f"{p}_train_seconds_{hp}"] = m.train_time
                if ds == "cifar10" and "params" not in row:
                    row["params"], row["flops"] = m.params, m.flops
        for k in row:
            if k not in columns:
                columns.append(k)
        rows.append(row)
    if not any("params" in r for r in rows):
        columns = [c for c in columns if c not in ("params", "flops")]
    return columns, rows


def training_table(records: Iterable[Any], *, indices: dict[str, int | None] | None = None,
                   ) -> tuple[list[str], list[dict[str, Any]]]:
    """One row per architecture from :class:`~archrank.store.TrainingRecord` s.

    Per regime ``r``: column ``r`` (validation accuracy, %), ``r_train_acc``, ``r_train_loss``,
    ``r_seconds``, ``r_flops``; values are means over the seeds present.
    """
    acc: dict[str, dict[str, list[float]]] = {}
    regimes: list[str] = []
    for rec in records:
        if rec.regime not in regimes:
            regimes.append(rec.regime)
        row = acc.setdefault(rec.arch, {})
        vals = {rec.regime: rec.metrics.get("valid_acc"), f"{rec.regime}_train_acc": rec.metrics.get("train_acc"),
                f"{rec.regime}_train_loss": rec.metrics.get("train_loss"), f"{rec.regime}_seconds": rec.seconds,
                f"{rec.regime}_flops": rec.flops}
        for k, v in vals.items():
            if v is not None:
                row.setdefault(k, []).append(float(v))
    if not acc:
        raise InvalidArgument("the store holds no training results for this selection")
    has_index = bool(indices) and all(indices.get(a) is not None for a in acc)
    columns = (["index"] if has_index else []) + ["arch"]
    for r in sorted(regimes):
        columns += [r, f"{r}_train_acc", f"{r}_train_loss", f"{r}_seconds", f"{r}_flops"]
    rows = []
    for arch in sorted(acc, key=lambda a: (indices.get(a, 0) if has_index else 0, a)):
        row: dict[str, Any] = {"arch": arch}
        if has_index:
            row["index"] = indices[arch]
        for k, vs in acc[arch].items():
            row[k] = sum(vs) / len(vs)
        rows.append(row)
    return columns, rows


def write_table(path: str | os.PathLike, columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> int:
    """Write a CSV table (atomically); missing and non-finite values are empty cells. Returns the row count."""
    p = Path(path)
    if p.suffix.lower() not in (".csv", ""):
        raise InvalidArgument(f"cannot write {p.name}: only CSV tables are written (use a .csv name)")
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(p.name + ".tmp")
    n = 0
    with open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for row in rows:
            w.writerow([_cell(row.get(c)) for c in columns])
            n += 1
    os.replace(tmp, p)
    return n


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "" if not math.isfinite(v) else f"{v:.6g}" if abs(v) < 1e15 else repr(v)
    return str(v)
