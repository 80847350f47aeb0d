"""Benchmark tables: true metrics of architectures, keyed by official arch string and/or index.

A table is a CSV file (optionally gzipped; ``.tsv`` for tab-separated) or, where pyarrow or pandas is
installed, a Parquet file.  It has an ``arch`` column (official strings), an ``index`` column, or both,
plus any number of metric columns::

    table = BenchmarkTable.from_file("nb201_cifar10.csv")
    table.lookup("|nor_conv_3x3~0|+|...|", "c10_test_200")   # or table.lookup(6111, ...)
    table.values("c10_test_200")                            # numpy array in file order
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
from pathlib import Path

import numpy as np

from archrank.errors import DataError, InvalidArgument, UnknownName


class BenchmarkTable:
    """Rows of a benchmark table. Build with :meth:`from_file` (or the constructor, from columns)."""

    def __init__(self, *, columns: dict[str, list], source: str = "<memory>", arch_column: str = "arch",
                 index_column: str = "index"):
        self.source = source
        self._cols = {k: list(v) for k, v in columns.items()}
        lengths = {len(v) for v in self._cols.values()}
        if len(lengths) > 1:
            raise DataError(f"benchmark table {source}: columns differ in length")
        self.n_rows = lengths.pop() if lengths else 0
        self.arch_column = arch_column if arch_column in self._cols else None
        self.index_column = index_column if index_column in self._cols else None
        if self.arch_column is None and self.index_column is None:
            raise DataError(f"benchmark table {source} has neither an {arch_column!r} nor an {index_column!r} "
                            f"column; columns: {', '.join(self._cols)}")
        self._by_arch: dict[str, int] = {}
        self._by_index: dict[int, int] = {}
        if self.arch_column:
            self._by_arch = {str(a).strip(): i for i, a in enumerate(self._cols[self.arch_column])}
        if self.index_column:
            try:
                self._by_index = {int(float(v)): i for i, v in enumerate(self._cols[self.index_column])}
            except (TypeError, ValueError) as e:
                raise DataError(f"benchmark table {source}: non-integer value in column "
                                f"{self.index_column!r} ({e})") from None
        self._numeric: dict[str, np.ndarray] = {}

    # --- reading ---------------------------------------------------------------------------------
    @classmethod
    def packaged(cls, name: str) -> BenchmarkTable:
        """The table shipped with archrank under ``name`` (e.g. "nb201"), with an ``arch`` column from the index."""
        from archrank.benchmarks.packaged import PACKAGED, packaged_path, resolve_name
        from archrank.spaces import get_space

        path = packaged_path(name)
        key = resolve_name(name)
        cols = _read_delimited(path, ",")
        space = get_space(PACKAGED[key][1])
        cols = {"index": cols["index"], "arch": [space.format(space.index_to_arch(int(i))) for i in cols["index"]],
                **{k: v for k, v in cols.items() if k != "index"}}
        return cls(columns=cols, source=f"packaged:{key}")

    @classmethod
    def from_file(cls, path: str | os.PathLike, *, arch_column: str = "arch",
                  index_column: str = "index") -> BenchmarkTable:
        """Read a CSV/TSV (optionally ``.gz``) or Parquet table; a missing or unreadable file is a DataError.

        ``path`` may also name a table shipped with archrank (``"nb201"``: see
        :mod:`archrank.benchmarks.packaged`) where no file of that name exists.
        """
        p = Path(path).expanduser()
        if not p.is_file():
            from archrank.benchmarks.packaged import packaged_names, resolve_name

            if resolve_name(str(path)) is not None:
                return cls.packaged(str(path))
            raise DataError(f"benchmark table {str(p)!r} not found (packaged tables: {', '.join(packaged_names())})")
        name = p.name.lower()
        if name.endswith((".parquet", ".pq")):
            cols = _read_parquet(p)
        else:
            cols = _read_delimited(p, "\t" if ".tsv" in name else ",")
        return cls(columns=cols, source=str(p), arch_column=arch_column, index_column=index_column)

    # --- access ----------------------------------------------------------------------------------
    @property
    def columns(self) -> list[str]:
        """All column names, in file order."""
        return list(self._cols)

    def as_columns(self) -> dict[str, list[str]]:
        """Every column as a list of strings (a copy), in file order."""
        return {k: [str(v) for v in vals] for k, vals in self._cols.items()}

    @property
    def metric_columns(self) -> list[str]:
        """Columns other than the arch and index columns."""
        return [c for c in self._cols if c not in (self.arch_column, self.index_column)]

    def _check_column(self, column: str) -> None:
        if column not in self._cols:
            raise UnknownName("benchmark column", column, self.columns)

    def values(self, column: str) -> np.ndarray:
        """The column as float64 in file order (empty cells are NaN); non-numeric columns are an error."""
        self._check_column(column)
        if column not in self._numeric:
            try:
                self._numeric[column] = np.array([_to_float(v) for v in self._cols[column]], dtype=np.float64)
            except ValueError:
                raise InvalidArgument(f"benchmark column {column!r} is not numeric; numeric columns: "
                                      f"{', '.join(self.numeric_columns())}") from None
        return self._numeric[column]

    def numeric_columns(self) -> list[str]:
        out = []
        for c in self.metric_columns:
            try:
                [_to_float(v) for v in self._cols[c][:50]]
            except ValueError:
                continue
            out.append(c)
        return out

    def row(self, key: str | int) -> int:
        """Row position of an architecture given by official string, index, or index as a string."""
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            return self._row_by_index(int(key))
        text = str(key).strip()
        if text in self._by_arch:
            return self._by_arch[text]
        if text.isdigit() and self.index_column:
            return self._row_by_index(int(text))
        if not self.arch_column:
            raise InvalidArgument(f"benchmark table {self.source} has no arch column; "
                                  "look architectures up by index")
        raise UnknownName(f"architecture in benchmark table {self.source}", text)

    def _row_by_index(self, index: int) -> int:
        if not self.index_column:
            raise InvalidArgument(f"benchmark table {self.source} has no index column; look up by arch string")
        try:
            return self._by_index[index]
        except KeyError:
            raise UnknownName(f"index in benchmark table {self.source}", index) from None

    def has(self, key: str | int) -> bool:
        try:
            self.row(key)
        except (UnknownName, InvalidArgument):
            return False
        return True

    def lookup(self, key: str | int, column: str) -> float:
        """The value of ``column`` for one architecture (official string or index)."""
        return float(self.values(column)[self.row(key)])

    def __len__(self) -> int:
        return self.n_rows

    def __repr__(self) -> str:
        return f"BenchmarkTable({self.source!r}, rows={self.n_rows}, columns={self.columns})"


def _to_float(v) -> float:
    if v is None:
        return math.nan
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    t = str(v).strip()
    return math.nan if t == "" or t.lower() in ("nan", "na", "null", "none") else float(t)


def _read_delimited(p: Path, delimiter: str) -> dict[str, list]:
    try:
        raw = p.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8-sig")
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise DataError(f"cannot read benchmark table {str(p)!r}: {e}") from None
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise DataError(f"benchmark table {str(p)!r} is empty")
    header = [h.strip() for h in rows[0]]
    cols: dict[str, list] = {h: [] for h in header}
    for lineno, r in enumerate(rows[1:], 2):
        if not r:
            continue
        if len(r) != len(header):
            raise DataError(f"benchmark table {str(p)!r} line {lineno}: {len(r)} fields, expected {len(header)}")
        for h, v in zip(header, r):
            cols[h].append(v)
    return cols


def _read_parquet(p: Path) -> dict[str, list]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        pq = None
    try:
        if pq is not None:
            return pq.read_table(p).to_pydict()
        try:
            import pandas as pd
        except ImportError:
            raise DataError(f"reading Parquet ({str(p)!r}) needs pyarrow or pandas; install one, or use CSV") from None
        return {str(k): list(v) for k, v in pd.read_parquet(p).to_dict(orient="list").items()}
    except DataError:
        raise
    except Exception as e:  # noqa: BLE001 - any reader failure means an unreadable file
        raise DataError(f"cannot read Parquet benchmark table {str(p)!r}: {e}") from None
