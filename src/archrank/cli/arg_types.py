"""argparse ``type=`` converters that reject out-of-range numbers as one usage line (exit code 2)."""

from __future__ import annotations

import argparse
import math


def _number(text: str, kind: type) -> int | float:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}, "
                                         f"got {text!r}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _at_least(text: str, kind: type, bound: float, *, strict: bool) -> int | float:
    """``text`` as ``kind``, checked to be > ``bound`` (``strict``) or >= ``bound``."""
    v = _number(text, kind)
    if v < bound or (strict and v == bound):
        shown = f"{v:g}" if isinstance(v, float) else str(v)
        raise argparse.ArgumentTypeError(f"must be {'>' if strict else '>='} {bound:g}, got {shown}")
    return v


def positive_int(text: str) -> int:
    """An integer >= 1."""
    return int(_at_least(text, int, 1, strict=False))


def nonnegative_int(text: str) -> int:
    """An integer >= 0 (seeds, counts that may be zero)."""
    return int(_at_least(text, int, 0, strict=False))


def positive_float(text: str) -> float:
    """A finite number > 0."""
    return float(_at_least(text, float, 0, strict=True))


def nonnegative_float(text: str) -> float:
    """A finite number >= 0."""
    return float(_at_least(text, float, 0, strict=False))


def finite_float(text: str) -> float:
    """A finite number."""
    return float(_number(text, float))
