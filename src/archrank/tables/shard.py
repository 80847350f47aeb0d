"""One shard of a precomputed score table: a compressed ``.npz`` file of columns, and its metadata.

A shard holds every architecture of the canonical classes the partition gives it (:mod:`.partition`),
one row per architecture:

* ``arch`` (strings): the architecture in its space's official notation;
* ``klass`` (int32): the row's canonical class, an index into ``classes`` (the canonical forms);
* ``value:<h>``: heuristic ``h``'s score, float32 (float64 for a column with a finite value beyond
  float32's range); NaN for a failure (its message is in the metadata's ``errors``);
* ``seconds:<h>`` (float32): the measured seconds of the evaluation the value comes from (NaN if unknown);
  a canonical-invariant heuristic is evaluated once per class and its value and seconds are repeated on
  every member, a structural one (``canonical_invariant`` False: params, FLOPs...) on each row;
* ``meta`` (a JSON string): the table's name, the shard's number and count, the protocol (space, data
  set, batch size, seed), and per heuristic its definition's version, direction, whether it is
  canonical-invariant, archrank's and torch's versions and the date of the computation, and its errors.

Files are written atomically (a temporary file renamed into place), so a shard on disk is whole.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archrank.errors import DataError

#: Version of the shard layout this code writes and reads.
FORMAT_VERSION = 1
_F32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Column:
    """One heuristic's values on a shard's rows, with the provenance of its computation."""

    values: np.ndarray
    seconds: np.ndarray
    info: dict[str, Any]  # version, higher_is_better, canonical_invariant, needs, archrank, torch, date
    errors: dict[int, str] = field(default_factory=dict)  # row -> "ExceptionType: message"

    @property
    def version(self) -> int:
        return int(self.info.get("version", 1))


@dataclass
class Shard:
    """The rows of one shard and the columns computed on them."""

    table: str
    index: int
    n_shards: int
    protocol: dict[str, Any]  # space, dataset, batch_size, seed
    archs: list[str]
    classes: list[str]  # canonical forms
    klass: np.ndarray  # per row, index into ``classes``
    columns: dict[str, Column] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return len(self.archs)

    def file_name(self) -> str:
        return shard_file_name(self.index, self.n_shards)


def shard_file_name(index: int, n_shards: int) -> str:
    """``shard-007-of-128.npz``."""
    width = len(str(n_shards - 1))
    return f"shard-{index:0{width}d}-of-{n_shards}.npz"


def _value_array(values: list[float]) -> np.ndarray:
    a = np.asarray(values, dtype=np.float64)
    finite = a[np.isfinite(a)]
    if finite.size and float(np.abs(finite).max()) > _F32_MAX:
        return a  # float32 would turn these into infinities
    return a.astype(np.float32)


def make_column(values: list[float], seconds: list[float | None], info: dict[str, Any],
                errors: dict[int, str] | None = None) -> Column:
    """A column from per-row values and seconds (None: unknown)."""
    secs = np.asarray([math.nan if s is None else float(s) for s in seconds], dtype=np.float32)
    return Column(_value_array(values), secs, dict(info), dict(errors or {}))


def write_shard(shard: Shard, folder: str | os.PathLike) -> Path:
    """Write ``shard`` into ``folder`` (created if missing) atomically; returns the file's path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT_VERSION, "table": shard.table, "shard": shard.index, "n_shards": shard.n_shards,
            "protocol": shard.protocol,
            "heuristics": {h: {**c.info, "errors": {str(r): e for r, e in sorted(c.errors.items())}}
                           for h, c in sorted(shard.columns.items())}}
    arrays: dict[str, np.ndarray] = {
        "meta": np.array(json.dumps(meta, sort_keys=True)),
        "arch": np.array(shard.archs, dtype=str),
        "classes": np.array(shard.classes, dtype=str),
        "klass": np.asarray(shard.klass, dtype=np.int32),
    }
    for h, c in shard.columns.items():
        if len(c.values) != shard.n_rows or len(c.seconds) != shard.n_rows:
            raise ValueError(f"column {h!r} has {len(c.values)} values for {shard.n_rows} rows")
        arrays[f"value:{h}"] = c.values
        arrays[f"seconds:{h}"] = c.seconds
    path = folder / shard.file_name()
    tmp = path.with_name(path.name + ".tmp")
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    with open(tmp, "wb") as f:
        f.write(buf.getvalue())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def read_shard(path: str | os.PathLike) -> Shard:
    """The shard in ``path``; a file that is not one raises :class:`DataError` naming it."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"][()]))
            if int(meta.get("format", 0)) > FORMAT_VERSION:
                raise DataError(f"table shard {str(path)!r} has format {meta['format']}, newer than this "
                                f"archrank reads ({FORMAT_VERSION}); upgrade archrank")
            archs = [str(a) for a in z["arch"]]
            classes = [str(c) for c in z["classes"]]
            klass = np.asarray(z["klass"], dtype=np.int64)
            columns = {}
            for h, info in meta["heuristics"].items():
                errors = {int(r): e for r, e in info.pop("errors", {}).items()}
                columns[h] = Column(np.asarray(z[f"value:{h}"]), np.asarray(z[f"seconds:{h}"]), info, errors)
    except DataError:
        raise
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile, json.JSONDecodeError) as e:
        raise DataError(f"cannot read table shard {str(path)!r}: {type(e).__name__}: {e}") from None
    return Shard(meta["table"], int(meta["shard"]), int(meta["n_shards"]), dict(meta["protocol"]), archs,
                 classes, klass, columns)
