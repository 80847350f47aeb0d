"""Benchmark readers by name: ``READERS`` and :func:`open_benchmark`.

Each entry maps a name to a callable ``(path, **options) -> BenchmarkReader``, imported the first time it
is asked for.  A new reader subclasses :class:`~archrank.benchmarks.base.BenchmarkReader` (keeping the
contract written there), registers itself with ``register_reader("name", Reader)`` in its own module (the
built-in readers' modules are found in the package's source and imported on first use), and gets an entry (its data, or the reason it has none) in
``tests/benchmarks/test_reader_contract.py``, which runs the common checks over every registered reader.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archrank.benchmarks.base import BenchmarkReader
from archrank.errors import ArchrankError, InvalidArgument, UnknownName
from archrank.registry import Registry, registry

READERS: Registry[Any] = registry("benchmark")
READERS.discover("archrank.benchmarks", "register_reader")  # the built-in readers register themselves


def register_reader(name: str, reader: Callable[..., BenchmarkReader]) -> Callable[..., BenchmarkReader]:
    """Register ``reader``, a callable ``(path, **options) -> BenchmarkReader`` (a reader class or a function
    opening one), under ``name``: the one call a built-in or plug-in reader makes.  A name already registered
    is an error."""
    if not callable(reader):
        raise InvalidArgument(f"benchmark reader {name!r} must be a callable (path, **options) -> BenchmarkReader, "
                              f"got {reader!r}", parameter="reader")
    READERS.register(name, reader)
    return reader

#: Other names users write for the registered readers.
ALIASES = {"nb201": "nats_tss", "nats": "nats_tss", "nasbench101": "nb101", "nas_bench_101": "nb101"}
#: Benchmarks archrank knows of but cannot read, with the reason.
UNSUPPORTED = {
    "nb301": (
        "NAS-Bench-301 is a surrogate model (an ensemble of gradient-boosted trees and graph networks fitted to "
        "about 60k DARTS-space trainings), not a table.  Using it needs its model files (a separate download "
        "of a few hundred MB) and the libraries they were pickled with (old xgboost, lightgbm, torch-geometric "
        "and their pinned versions), none of which archrank depends on.  To use it, install those packages in "
        "a separate environment, predict the accuracies of your DARTS genotypes there, and load the "
        "predictions as a benchmark table (CSV with an 'arch' column: the genotype string, and metric columns)."
    ),
}
UNSUPPORTED_ALIASES = {"nasbench301": "nb301", "nas_bench_301": "nb301"}
NB301_REASON = UNSUPPORTED["nb301"]


def reader_name(name: str) -> str:
    """The registered name for ``name`` (case and ``-``/``_`` ignored, aliases resolved)."""
    key = name.lower().replace("-", "_")
    key = UNSUPPORTED_ALIASES.get(key, ALIASES.get(key, key))
    if key in UNSUPPORTED:
        raise ArchrankError(f"benchmark {name!r} is not supported: {UNSUPPORTED[key]}")
    if key not in READERS:
        raise UnknownName("benchmark", name, READERS.names() + sorted(UNSUPPORTED))
    return key


def open_benchmark(name: str, path: Any = None, **kwargs: Any) -> BenchmarkReader:
    """A reader by name: ``"nats_tss"``/``"nb201"``, ``"nats_sss"`` (archive directory), ``"nb101"`` (tfrecord,
    JSON or pickle file), ``"nds"`` (JSON file); ``"nb301"`` raises a clear error."""
    key = reader_name(name)
    if path is None:
        raise InvalidArgument(f"benchmark {name!r} needs a path to its files")
    return READERS.get(key)(path, **kwargs)


__all__ = ["ALIASES", "NB301_REASON", "READERS", "UNSUPPORTED", "open_benchmark", "reader_name", "register_reader"]
