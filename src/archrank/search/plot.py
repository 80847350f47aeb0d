"""Best-so-far curves: the table first (seconds, mean, std per strategy), then the picture drawn from it."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from archrank.search.harness import SearchSummary


def curve_table(summaries: list[SearchSummary], points: int = 200) -> list[dict]:
    """Rows ``{strategy, seconds, mean, std, runs}``: best-so-far report value over runs on a common grid."""
    budget = max(s.budget_seconds for s in summaries)
    grid = np.linspace(0.0, budget, points)
    rows = []
    for s in summaries:
        _, mean, std = s.curve(grid)
        for t, m, d in zip(grid, mean, std):
            rows.append({"strategy": s.strategy, "seconds": float(t), "mean": float(m), "std": float(d),
                         "runs": len(s.results)})
    return rows


def write_curve_csv(rows: list[dict], path: str | Path) -> Path:
    p = Path(path)
    with p.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["strategy", "seconds", "mean", "std", "runs"])
        w.writeheader()
        w.writerows(rows)
    return p


def plot_curves(rows: list[dict], path: str | Path, *, ylabel: str = "test accuracy (%)",
                optimum: float | None = None, title: str | None = None) -> Path:
    """Draw the table from :func:`curve_table` (mean line, +-1 std band per strategy) into ``path``."""
    from matplotlib.figure import Figure  # drawn without pyplot: no global backend state is touched

    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot(1, 1, 1)
    strategies = list(dict.fromkeys(r["strategy"] for r in rows))
    lows = []
    for name in strategies:
        rs = [r for r in rows if r["strategy"] == name]
        t = np.array([r["seconds"] for r in rs])
        m = np.array([r["mean"] for r in rs])
        d = np.array([r["std"] for r in rs])
        ax.plot(t, m, label=f"{name} ({rs[0]['runs']} runs)")
        ax.fill_between(t, m - d, m + d, alpha=0.2)
        ok = np.isfinite(m)
        if ok.any():
            lows.append(np.percentile(m[ok], 10))
    if optimum is not None and np.isfinite(optimum):
        ax.axhline(optimum, color="k", lw=0.8, ls="--", label=f"optimum {optimum:.2f}")
    if lows:
        top = optimum if optimum is not None and np.isfinite(optimum) else None
        lo = min(lows) - 0.5
        if top is not None:
            ax.set_ylim(lo, top + 0.3)
    ax.set_xlabel("simulated seconds")
    ax.set_ylabel(f"best-so-far {ylabel}")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    p = Path(path)
    fig.savefig(p, dpi=110)
    return p
