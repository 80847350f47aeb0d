"""The SQLite store's schema and its set-up: tables, the file marker, the version check and migrations.

Also the encoding of non-finite floats: SQLite has no NaN, so a non-finite value is stored as ``NULL`` plus
a ``nonfinite`` column in {"nan", "inf", "-inf"} and read back as the same float.
"""

from __future__ import annotations

import math
import sqlite3

from archrank.errors import DataError

#: Marks a SQLite file as an archrank store (``PRAGMA application_id``; "ARCR").
APPLICATION_ID = 0x41524352

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    run_key  TEXT NOT NULL UNIQUE,
    kind     TEXT NOT NULL,
    config   TEXT NOT NULL,
    status   TEXT NOT NULL DEFAULT 'running',
    created  REAL NOT NULL,
    updated  REAL NOT NULL,
    pid      INTEGER,
    host     TEXT
);
CREATE TABLE IF NOT EXISTS architectures (
    space     TEXT NOT NULL,
    arch      TEXT NOT NULL,
    canonical TEXT NOT NULL,
    idx       INTEGER,
    PRIMARY KEY (space, arch)
);
CREATE INDEX IF NOT EXISTS architectures_canonical ON architectures (space, canonical);
CREATE TABLE IF NOT EXISTS heuristics (
    name             TEXT PRIMARY KEY,
    higher_is_better INTEGER NOT NULL,
    needs            TEXT NOT NULL,
    description      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS scores (
    space       TEXT NOT NULL,
    arch        TEXT NOT NULL,
    heuristic   TEXT NOT NULL,
    dataset     TEXT NOT NULL,
    batch_size  INTEGER NOT NULL,
    seed        INTEGER NOT NULL,
    value       REAL,
    nonfinite   TEXT,
    seconds     REAL,
    flops       REAL,
    error       TEXT,
    computed    INTEGER NOT NULL,
    source_arch TEXT,
    run_id      INTEGER,
    written     REAL NOT NULL,
    PRIMARY KEY (space, arch, heuristic, dataset, batch_size, seed)
);
CREATE TABLE IF NOT EXISTS training (
    space    TEXT NOT NULL,
    arch     TEXT NOT NULL,
    regime   TEXT NOT NULL,
    dataset  TEXT NOT NULL,
    seed     INTEGER NOT NULL,
    metrics  TEXT NOT NULL,
    seconds  REAL,
    flops    REAL,
    run_id   INTEGER,
    written  REAL NOT NULL,
    PRIMARY KEY (space, arch, regime, dataset, seed)
);
CREATE TABLE IF NOT EXISTS trajectories (
    run_id      INTEGER NOT NULL,
    step        INTEGER NOT NULL,
    space       TEXT,
    arch        TEXT NOT NULL,
    value       REAL,
    nonfinite   TEXT,
    cost        REAL,
    best_so_far REAL,
    PRIMARY KEY (run_id, step)
);
"""


#: Upgrades from version ``v`` to ``v + 1`` (a store of version 0 is new and gets the whole schema).
MIGRATIONS = {
    1: ("ALTER TABLE runs ADD COLUMN pid INTEGER", "ALTER TABLE runs ADD COLUMN host TEXT"),
}


def encode_float(x: float | None) -> tuple[float | None, str | None]:
    if x is None:
        return None, None
    x = float(x)
    if math.isfinite(x):
        return x, None
    return None, "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def decode_float(value: float | None, nonfinite: str | None) -> float:
    if nonfinite is not None:
        return float(nonfinite)
    return math.nan if value is None else float(value)


def prepare(conn: sqlite3.Connection, path: str, *, timeout: float, schema_version: int) -> None:
    """Check that ``conn`` is an archrank store this code can read, and create or upgrade its schema.

    Raises :class:`DataError` for a foreign SQLite database or a newer schema version.  The schema is
    created inside one write transaction, re-checked under the lock, so that two processes opening a new
    file at once do not both create it.
    """
    c = conn
    c.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    version = c.execute("PRAGMA user_version").fetchone()[0]
    app_id = c.execute("PRAGMA application_id").fetchone()[0]
    tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    if version > schema_version:
        raise DataError(
            f"store {path!r} has schema version {version}, newer than this archrank supports "
            f"({schema_version}); upgrade archrank to read it"
        )
    if tables and app_id != APPLICATION_ID:
        raise DataError(
            f"{path!r} is a SQLite database but not an archrank store (tables: {', '.join(tables)})"
        )
    if path != ":memory:":
        mode = c.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":  # pragma: no cover - file systems without shared memory
            c.execute("PRAGMA journal_mode = DELETE")
    c.execute("PRAGMA synchronous = NORMAL")
    if version < schema_version:
        c.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have created the schema meanwhile.
            current = c.execute("PRAGMA user_version").fetchone()[0]
            if current == 0:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        c.execute(statement)
            else:
                for v in range(current, schema_version):
                    for statement in MIGRATIONS.get(v, ()):
                        c.execute(statement)
            if current < schema_version:
                c.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                c.execute(f"PRAGMA user_version = {schema_version}")
            c.execute("COMMIT")
        except BaseException:
            c.execute("ROLLBACK")
            raise
