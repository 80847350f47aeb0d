"""Benchmarks (architectural data sets): readers by name (``READERS``, ``open_benchmark``) and tables."""

from archrank.benchmarks.readers import READERS, open_benchmark, register_reader

__all__ = ["READERS", "open_benchmark", "register_reader"]
