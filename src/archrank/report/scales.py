"""The axis rule of the report's pictures: linear, log or symmetric-log, decided from the values drawn.

Heuristic scores can span many orders of magnitude (synflow reaches 1e34 on NB201 cells while other cells
score 1e10), and on a linear axis every point but the largest few then sits at zero.  :func:`axis_scale`
measures the spread in decades between the largest magnitude and a low quantile of the non-zero
magnitudes (:data:`LOW_QUANTILE`, so that a single value near zero does not decide):

* fewer than :data:`DECADES` decades: ``linear``;
* more, every value > 0: ``log``;
* more, with zeros or negative values: ``symlog`` (linear within +-``linthresh``, logarithmic beyond), with
  ``linthresh`` that low quantile, so that the bulk of the magnitudes lies in the logarithmic part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Decades of spread above which an axis is no longer linear.
DECADES = 3.0
#: The quantile of the non-zero magnitudes taken as the low end of the spread (and as symlog's linthresh).
LOW_QUANTILE = 0.1


@dataclass(frozen=True)
class AxisScale:
    """``kind`` (``linear``, ``log`` or ``symlog``), the ``decades`` measured and symlog's ``linthresh``."""

    kind: str
    decades: float
    linthresh: float = math.nan
    top: float = math.nan  # the largest magnitude
    negative: bool = False  # some values are below zero

    def apply(self, ax, axis: str = "x") -> None:
        """Set this scale on a matplotlib axes' ``x`` or ``y`` axis (symlog with at most about five labelled
        decades on each side of zero, so that labels do not overlap)."""
        setter = ax.set_xscale if axis == "x" else ax.set_yscale
        if self.kind == "symlog":
            setter("symlog", linthresh=self.linthresh)
            ticks, labels = self.symlog_ticks()
            (ax.set_xticks if axis == "x" else ax.set_yticks)(ticks, labels)
            from matplotlib.ticker import NullLocator

            (ax.xaxis if axis == "x" else ax.yaxis).set_minor_locator(NullLocator())
        elif self.kind == "log":
            setter("log")

    def symlog_ticks(self, most: int = 5) -> tuple[list[float], list[str]]:
        """Ticks at 0 and at powers of ten from ``linthresh`` up to ``top`` (every k-th decade counted down from
        the top, at most ``most`` per side), mirrored below zero when there are negative values."""
        first, last = math.ceil(math.log10(self.linthresh)), math.floor(math.log10(self.top))
        stride = max(1, math.ceil((last - first + 1) / most))
        exps = list(range(last, first - 1, -stride))[::-1]  # anchored at the top
        if stride > 1 and len(exps) > 1 and exps[0] == first:  # would crowd the 0 label
            exps = exps[1:]
        ticks = [0.0] + [10.0 ** k for k in exps]
        labels = ["0"] + [f"$10^{{{k}}}$" for k in exps]
        if self.negative:
            ticks = [-(10.0 ** k) for k in reversed(exps)] + ticks
            labels = [f"$-10^{{{k}}}$" for k in reversed(exps)] + labels
        return ticks, labels

    def label(self) -> str:
        if self.kind == "symlog":
            return f"symlog (linear within +-{self.linthresh:.3g})"
        return self.kind


def axis_scale(values) -> AxisScale:
    """The axis for ``values`` (non-finite ones ignored); see the module's rule."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    mag = np.abs(v[v != 0])
    if mag.size < 2:
        return AxisScale("linear", 0.0)
    low = float(np.quantile(mag, LOW_QUANTILE))
    decades = math.log10(float(mag.max()) / low)
    if decades <= DECADES:
        return AxisScale("linear", decades)
    if (v > 0).all():
        return AxisScale("log", decades, top=float(mag.max()))
    return AxisScale("symlog", decades, low, float(mag.max()), bool((v < 0).any()))


def histogram_edges(values, scale: AxisScale, bins: int = 30) -> np.ndarray:
    """``bins + 1`` bin edges for ``values`` (finite), equally wide on ``scale``'s axis."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return np.linspace(0.0, 1.0, bins + 1)
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:
        return np.linspace(lo - 0.5, hi + 0.5, bins + 1)
    if scale.kind == "log":
        return np.logspace(math.log10(lo), math.log10(hi), bins + 1)
    if scale.kind == "symlog":
        t = scale.linthresh

        def fwd(x):
            return np.sign(x) * np.log10(1.0 + np.abs(x) / t)

        def inv(y):
            return np.sign(y) * t * (10.0 ** np.abs(y) - 1.0)

        edges = inv(np.linspace(fwd(lo), fwd(hi), bins + 1))
        edges[0], edges[-1] = lo, hi
        return edges
    return np.linspace(lo, hi, bins + 1)
