"""Ground-truth tables of the suite's tasks, read from the benchmarks' own files at run time.

Each reader returns a :class:`~archrank.benchmarks.table.BenchmarkTable` whose ``arch`` column holds the
architectures in the string form of an archrank space (what that space's ``parse`` reads, so a table row
and a stored score meet on the same key) and whose other columns are the benchmark's figures.  Repeated
architectures (the same string on several rows of the source) are merged into one row holding the mean of
each column, NaN cells left out of the mean.  Nothing is copied into the repository: the files live in the
data folder (``../shared/data`` in this project; see its README for the formats).

* :func:`nb101_table`: ``nb101/nb101_cifar10_500.json``, column ``test_acc`` (%, CIFAR-10, 108 epochs);
* :func:`naslib_table`: a NASLib ``zc_nasbench{101,201,301}.json``, columns ``val_accuracy``, ``flops``,
  ``params`` (for NB301 ``val_accuracy`` is the NAS-Bench-301 surrogate's prediction, not a training);
* :func:`nds_table`: an NDS ``*_in.json``, columns ``error`` (final ``test_ep_top1``, top-1 error %),
  ``min_test_error``, ``params`` (millions), ``flops`` (MFLOPs), in the ``nds_<space>`` space's strings;
* :func:`nbnlp_table`: ``nbnlp/nbnlp_ptb_with_graphs.json``, columns ``ptb_test_loss``,
  ``wt2_test_loss``, ``wt2_val_loss``, ``num_params``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from archrank.benchmarks.table import BenchmarkTable
from archrank.errors import DataError

NBNLP_COLUMNS = ("ptb_test_loss", "wt2_test_loss", "wt2_val_loss", "num_params")
NDS_COLUMNS = ("error", "min_test_error", "params", "flops")


def merge_rows(rows: Iterable[tuple[str, dict[str, float]]], columns: Iterable[str], source: str) -> BenchmarkTable:
    """A table from ``(arch, {column: value})`` rows, repeated archs averaged per column (NaN ignored)."""
    cols = list(columns)
    acc: dict[str, dict[str, list[float]]] = {}
    for arch, values in rows:
        slot = acc.setdefault(arch, {c: [] for c in cols})
        for c in cols:
            v = values.get(c)
            if v is not None and not math.isnan(float(v)):
                slot[c].append(float(v))
    out: dict[str, list[Any]] = {"arch": list(acc)}
    for c in cols:
        out[c] = [sum(v) / len(v) if v else math.nan for v in (acc[a][c] for a in acc)]
    return BenchmarkTable(columns=out, source=source)


def _file(path: str | os.PathLike) -> Path:
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataError(f"benchmark file {str(p)!r} not found")
    return p


def nb101_table(path: str | os.PathLike) -> BenchmarkTable:
    """NB101 cells of a JSON/pickle/tfrecord file in the ``nb101`` space's strings: column ``test_acc`` (%)."""
    from archrank.benchmarks.nb101 import open_nb101

    reader = open_nb101(_file(path))
    rows = ((reader.space_arch(h), {"test_acc": reader.query(h, dataset="cifar10").test_acc})
            for h in reader.architectures())
    return merge_rows(rows, ["test_acc"], str(path))


def naslib_table(path: str | os.PathLike) -> BenchmarkTable:
    """A NASLib zero-cost file's accuracies: ``val_accuracy``, ``flops``, ``params`` per architecture."""
    from archrank.benchmarks.naslib import TABLE_METRICS, read_zc

    blocks = read_zc(_file(path))
    if len(blocks) != 1:
        raise DataError(f"NASLib file {str(path)!r} holds {len(blocks)} (space, dataset) blocks; a table needs one")
    b = blocks[0]
    rows = ((a, {m: ms[m][0] for m in TABLE_METRICS if m in ms}) for a, ms in zip(b.archs, b.metrics))
    return merge_rows(rows, TABLE_METRICS, str(path))


def nds_table(path: str | os.PathLike, space: str) -> BenchmarkTable:
    """An NDS records file in space ``space``'s strings (genotype, width, depth): error %, params, flops."""
    from archrank.benchmarks.nds import NDSBenchmark
    from archrank.spaces import get_space

    reader = NDSBenchmark(_file(path))
    sp = get_space(space)
    rows = []
    for key in reader.architectures():
        rec = reader.record(key)
        m = reader.query(key)
        rows.append((sp.format(sp.from_json(rec["net"])),
                     {"error": m.extra["error"], "min_test_error": m.extra["min_test_error"],
                      "params": m.params, "flops": m.flops}))
    return merge_rows(rows, NDS_COLUMNS, str(path))


def nbnlp_table(path: str | os.PathLike) -> BenchmarkTable:
    """NAS-Bench-NLP cells with a graph and a PTB result, in the ``nbnlp`` space's strings."""
    from archrank.spaces import get_space

    p = _file(path)
    try:
        records = json.loads(p.read_text())
    except (OSError, ValueError) as e:
        raise DataError(f"cannot read NAS-Bench-NLP file {str(p)!r}: {e}") from None
    sp = get_space("nbnlp")
    rows = []
    for r in records:
        if not isinstance(r, dict) or "recepie" not in r:
            raise DataError(f"{p.name}: expected records with a 'recepie', got {str(r)[:60]!r}")
        vals = {c: (math.nan if r.get(c) is None else float(r[c])) for c in NBNLP_COLUMNS}
        rows.append((sp.format(sp.parse(r["recepie"])), vals))
    return merge_rows(rows, NBNLP_COLUMNS, str(p))


__all__ = ["NBNLP_COLUMNS", "NDS_COLUMNS", "merge_rows", "naslib_table", "nb101_table", "nbnlp_table", "nds_table"]
