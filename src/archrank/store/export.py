"""A store's scores as one flat table: one row per (architecture, heuristic, setting).

:func:`score_rows` gives the rows (columns :data:`COLUMNS`); :func:`write_scores` writes them as CSV (the
standard library only; non-finite values written as ``nan`` / ``inf`` / ``-inf``, missing ones empty) or
Parquet (pandas with pyarrow; the ``parquet`` extra).
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import Any

from archrank.errors import DataError, InvalidArgument, UnknownName

COLUMNS = ("space", "arch", "index", "canonical", "heuristic", "higher_is_better", "dataset", "batch_size", "seed",
           "value", "seconds", "flops", "error", "computed", "source_arch", "run_id")


def score_rows(store, **filters: Any) -> list[dict[str, Any]]:
    """Every score record matching ``filters`` (as :meth:`Store.scores`), with the architecture's index and
    canonical form and the heuristic's direction where the store knows them.  Filters that match nothing are an
    error (a value the store does not hold is named with the held ones), not an empty table."""
    info = store.heuristic_info()
    archs: dict[str, dict] = {}
    rows = []
    for r in store.scores(**filters):
        if r.space not in archs:
            archs[r.space] = store.archs(r.space)
        canonical, index = archs[r.space].get(r.arch, (None, None))
        h = info.get(r.heuristic)
        rows.append({"space": r.space, "arch": r.arch, "index": index, "canonical": canonical,
                     "heuristic": r.heuristic, "higher_is_better": None if h is None else h.higher_is_better,
                     "dataset": r.dataset, "batch_size": r.batch_size, "seed": r.seed, "value": r.value,
                     "seconds": r.seconds, "flops": r.flops, "error": r.error, "computed": r.computed,
                     "source_arch": r.source_arch, "run_id": r.run_id})
    given = {k: v for k, v in filters.items() if v is not None}
    if not rows and given:
        _no_match(store, given)
    return rows


def _no_match(store, given: dict[str, Any]) -> None:
    """Raise the error for filters that match no score: a value the store does not hold at all (naming the
    stored ones), or a combination of held values that matches nothing."""
    held: dict[str, set] = {k: set() for k in given}
    for r in store.scores():
        for k, values in held.items():
            values.add(getattr(r, k))
    for k, v in given.items():
        if v not in held[k]:
            raise UnknownName(f"{k.replace('_', ' ')} in the store", v, sorted(held[k], key=str))
    shown = ", ".join(f"{k}={v}" for k, v in given.items())
    raise InvalidArgument(f"the store holds no scores for {shown}", parameter=next(iter(given)))


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
    return str(v)


def write_scores(rows: list[dict[str, Any]], path: str | os.PathLike) -> Path:
    """Write ``rows`` to ``path`` (atomically): ``.csv`` or ``.parquet``."""
    p = Path(path).expanduser()
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise InvalidArgument(f"cannot write {p.name!r}: the name must end in .csv or .parquet")
    if not p.parent.is_dir():
        raise DataError(f"cannot write {str(p)!r}: folder {str(p.parent)!r} does not exist")
    tmp = p.with_name(p.name + ".tmp")
    if suffix == ".csv":
        with open(tmp, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(COLUMNS)
            for r in rows:
                w.writerow([_cell(r[c]) for c in COLUMNS])
    else:
        try:
            import pandas as pd
        except ImportError:
            raise InvalidArgument("writing Parquet needs pandas and pyarrow: pip install 'archrank[parquet]' "
                                  "(or write .csv)") from None
        frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
        frame["index"] = frame["index"].astype("Int64")
        frame["run_id"] = frame["run_id"].astype("Int64")
        try:
            frame.to_parquet(tmp, index=False)
        except ImportError as e:
            raise InvalidArgument(f"writing Parquet needs pyarrow: pip install 'archrank[parquet]' ({e})") from None
    os.replace(tmp, p)
    return p
