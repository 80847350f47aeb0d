"""Precomputed score tables shipped with archrank: every training-free heuristic on a benchmark's architectures.

* :mod:`~archrank.tables.catalog`: the tables (:data:`TABLES`: protocol, architectures, shard count) and
  the partition of canonical classes into shards;
* :mod:`~archrank.tables.shard`: one shard's file (compressed columns and metadata);
* :mod:`~archrank.tables.table`: a table's shards merged (:func:`open_table`, :func:`load` as rows), columns
  of a retired heuristic definition set aside;
* :mod:`~archrank.tables.build`: the shards that are missing, computed through the scoring run;
* :mod:`~archrank.tables.store`: a table read as a read-only results store (``table:NAME``);
* :mod:`~archrank.tables.beside`: a new heuristic scored on a table's architectures, beside its columns.

The names below are imported on first use (PEP 562).
"""

from __future__ import annotations

from archrank.lazy import lazy_exports

_EXPORTS = {
    "TABLES": "catalog", "TableSpec": "catalog", "shard_of": "catalog",
    "Table": "table", "open_table": "table", "load": "table",
    "build_table": "build", "table_heuristics": "build",
    "score_beside": "beside", "BesideStore": "store", "TableStore": "store",
}

__all__ = list(_EXPORTS)  # every name of the lazy map, and only those

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
