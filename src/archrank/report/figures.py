"""The report's pictures, each drawn from one table of :mod:`archrank.report.tables`, as PNG bytes.

matplotlib's Agg canvas only (no pyplot, no display, no global state).
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument


def _figure(w: float, h: float):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is optional
        raise InvalidArgument("archrank report needs matplotlib: pip install 'archrank[report]'") from None
    fig = Figure(figsize=(w, h), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def heatmap_png(heuristics: list[str], tasks: list[str], matrix: np.ndarray) -> bytes:
    """Heuristic x task Spearman heatmap (from :func:`tables.heatmap_matrix`), values written in the cells."""
    fig = _figure(2.2 + 1.6 * len(tasks), 1.0 + 0.32 * len(heuristics))
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(np.ma.masked_invalid(matrix), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    ax.set_yticks(range(len(heuristics)), heuristics, fontsize=8)
    ax.set_xticks(range(len(tasks)), [t.replace(" / ", "\n") for t in tasks], fontsize=7)
    for i in range(len(heuristics)):
        for j in range(len(tasks)):
            v = matrix[i, j]
            ax.text(j, i, "-" if not math.isfinite(v) else f"{v:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if math.isfinite(v) and abs(v) > 0.6 else "black")
    fig.colorbar(im, ax=ax, label="Spearman rho")
    fig.tight_layout()
    return _png(fig)


def scatter_png(rows: list[dict[str, Any]], rho: dict[str, float], metric: str, columns: int = 4) -> bytes:
    """One panel per heuristic: stored score against the benchmark metric (from :func:`tables.scatter_rows`)."""
    names = list(dict.fromkeys(r["heuristic"] for r in rows))
    n = max(len(names), 1)
    cols = min(columns, n)
    nrows = math.ceil(n / cols)
    fig = _figure(3.3 * cols, 2.9 * nrows)
    for k, h in enumerate(names):
        ax = fig.add_subplot(nrows, cols, k + 1)
        sub = [r for r in rows if r["heuristic"] == h]
        s = np.array([r["score"] for r in sub])
        m = np.array([r["metric"] for r in sub])
        ax.scatter(s, m, s=4 if s.size > 300 else 10, alpha=0.5, linewidths=0)
        if s.size and (s > 0).all() and s.max() / s.min() > 1e3:
            ax.set_xscale("log")
        arrow = "" if sub[0]["higher_is_better"] else " (lower is better)"
        ax.set_title(f"{h}: rho = {rho.get(h, math.nan):.3f}", fontsize=9)
        ax.set_xlabel(f"score{arrow}", fontsize=8)
        ax.set_ylabel(metric, fontsize=8)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return _png(fig)


def cost_png(rows: list[dict[str, Any]]) -> bytes:
    """Seconds per architecture (log) against Spearman, one marker per heuristic, Pareto front joined."""
    fig = _figure(7.0, 4.4)
    ax = fig.add_subplot(1, 1, 1)
    for task in dict.fromkeys(r["task"] for r in rows):
        sub = [r for r in rows if r["task"] == task and math.isfinite(r["seconds_per_arch"])
               and r["seconds_per_arch"] > 0 and math.isfinite(r["spearman"])]
        if not sub:
            continue
        pts = ax.scatter([r["seconds_per_arch"] for r in sub], [r["spearman"] for r in sub], s=22, label=task)
        for r in sub:
            ax.annotate(r["heuristic"], (r["seconds_per_arch"], r["spearman"]), fontsize=6,
                        xytext=(3, 2), textcoords="offset points")
        front = sorted((r for r in sub if r["pareto"]), key=lambda r: r["seconds_per_arch"])
        ax.plot([r["seconds_per_arch"] for r in front], [r["spearman"] for r in front], "--",
                color=pts.get_facecolor()[0], lw=1, label=f"Pareto front ({task})")
    ax.set_xscale("log")
    ax.set_xlabel("measured seconds per architecture")
    ax.set_ylabel("Spearman rho")
    # Below the axes, so that it never covers a heuristic's marker or label.
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _png(fig)


def search_png(rows: list[dict[str, Any]], ylabel: str = "best so far") -> bytes:
    """Median best-so-far per strategy with the 25-75% band over runs (from :func:`tables.search_curve_rows`)."""
    fig = _figure(7.0, 4.4)
    ax = fig.add_subplot(1, 1, 1)
    for name in dict.fromkeys(r["strategy"] for r in rows):
        sub = [r for r in rows if r["strategy"] == name]
        x = [r["cost"] for r in sub]
        (line,) = ax.plot(x, [r["median"] for r in sub], label=f"{name} ({max(r['runs'] for r in sub)} runs)")
        ax.fill_between(x, [r["q25"] for r in sub], [r["q75"] for r in sub], alpha=0.2, color=line.get_color())
    ax.set_xlabel("simulated seconds charged")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return _png(fig)
