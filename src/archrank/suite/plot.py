"""Heatmap of a :class:`~archrank.suite.table.SuiteTable`: heuristics x tasks, coloured by Spearman.

Drawn with matplotlib's Agg canvas (no display, no global pyplot state); cells are grey where the heuristic
does not apply (``n/a``) or no value could be computed (``-``).  :func:`heatmap_data` is the array and labels the figure shows (testable without matplotlib).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from archrank.errors import InvalidArgument
from archrank.suite.table import SuiteTable


def heatmap_data(table: SuiteTable, stat: str = "spearman") -> tuple[np.ndarray, list[str], list[str]]:
    """(heuristics x tasks values, row labels, column labels) of the heatmap."""
    return table.matrix(stat), list(table.heuristics), [f"{t}\n(n={table.archs.get(t, 0)})" for t in table.tasks]


def plot_heatmap(table: SuiteTable, path: str | os.PathLike, *, stat: str = "spearman") -> Path:
    """Write the heatmap of ``stat`` to ``path`` (PNG, SVG or PDF by extension); returns the path."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - a broken environment (matplotlib is a dependency)
        raise InvalidArgument("plotting needs matplotlib, a dependency of archrank missing from this environment: "
                              "pip install 'matplotlib>=3.6'") from None
    m, rows, cols = heatmap_data(table, stat)
    if m.size == 0:
        raise InvalidArgument("nothing to plot: the suite table is empty")
    skipped = {(c.heuristic, c.task) for c in table.cells if c.skipped}
    fig = Figure(figsize=(1.4 * len(cols) + 2.5, 0.35 * len(rows) + 1.8))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    masked = np.ma.masked_invalid(m)
    cmap = __import__("matplotlib").colormaps["RdBu_r"].with_extremes(bad="#dddddd")
    im = ax.imshow(masked, cmap=cmap, vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks(range(len(cols)), cols, fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    for i in range(len(rows)):
        for j in range(len(cols)):
            v = m[i, j]
            blank = "n/a" if (table.heuristics[i], table.tasks[j]) in skipped else "-"
            ax.text(j, i, blank if not math.isfinite(v) else f"{v:.2f}", ha="center", va="center", fontsize=7)
    fig.colorbar(im, ax=ax, label=stat)
    ax.set_title(f"{stat} of each heuristic with each task's ground truth", fontsize=9)
    fig.tight_layout()
    out = Path(path).expanduser()
    fig.savefig(out)
    return out


__all__ = ["heatmap_data", "plot_heatmap"]
