"""Pictures of rank consistency, each drawn from a table a test can check (data first).

:func:`scatter_table` gives, per heuristic, the finite (score, metric) points and Spearman's rho;
:func:`plot_scatter` draws one panel per heuristic (score against metric, rho in the title) into a PNG
with matplotlib's Agg canvas (no display, no global matplotlib state).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from archrank.errors import DataError, InvalidArgument
from archrank.metrics import finite_pairs, rank_consistency
from archrank.report.consistency import VOTE_MEMBERS, Paired, vote_inputs, vote_of_matrix
from archrank.report.scales import axis_scale


def scatter_table(paired: dict[str, Paired], *, vote: bool = True) -> dict[str, dict]:
    """``{heuristic: {"score": array, "metric": array, "rho": float, "higher_is_better": bool}}``.

    Points are the finite ones (``n`` of them); ``rho`` is Spearman's rho with lower-is-better scores flipped (as
    ``correlate`` reports it); scores are shown as stored.  ``vote`` adds the Copeland score of the
    snip/synflow/jacob_cov majority vote when all three are present.
    """
    out: dict[str, dict] = {}
    for h, p in paired.items():
        s, m, _ = finite_pairs(p.scores, p.metric)
        rc = rank_consistency(p.scores, p.metric, higher_is_better=p.higher_is_better)
        out[h] = {"score": s, "metric": m, "rho": rc["spearman"], "n": rc["n"], "higher_is_better": p.higher_is_better}
    if vote and all(k in paired for k in VOTE_MEMBERS):
        _, matrix, metric = vote_inputs([paired[k] for k in VOTE_MEMBERS])
        cop, _ = vote_of_matrix(matrix, metric)
        out["vote"] = {"score": cop, "metric": metric, "rho": rank_consistency(cop, metric)["spearman"],
                       "n": int(metric.size), "higher_is_better": True}
    return out


def plot_scatter(table: dict[str, dict], path: str | os.PathLike, *, metric_name: str = "metric",
                 columns: int = 4) -> Path:
    """Write one scatter panel per heuristic of ``table`` (from :func:`scatter_table`) to ``path`` (PNG)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - a broken environment (matplotlib is a dependency)
        raise InvalidArgument("plotting needs matplotlib, a dependency of archrank missing from this environment: "
                              "pip install 'matplotlib>=3.6'") from None
    if not table:
        raise InvalidArgument("nothing to plot: no heuristic scores")
    out = Path(path).expanduser()
    if not out.parent.is_dir():
        raise DataError(f"cannot write plot {str(out)!r}: folder {str(out.parent)!r} does not exist")
    n = len(table)
    cols = min(columns, n)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(3.6 * cols, 3.2 * rows), dpi=100)
    FigureCanvasAgg(fig)
    for k, (h, d) in enumerate(table.items()):
        ax = fig.add_subplot(rows, cols, k + 1)
        s, m = np.asarray(d["score"]), np.asarray(d["metric"])
        ax.scatter(s, m, s=4 if s.size > 300 else 12, alpha=0.5, linewidths=0)
        scale = axis_scale(s)  # the report's axis rule: linear, log or symlog
        scale.apply(ax, "x")
        arrow = "" if d.get("higher_is_better", True) else " (lower is better)"
        ax.set_title(f"{h}: rho = {d['rho']:.3f}", fontsize=10)
        ax.set_xlabel(f"{h} score ({scale.kind}){arrow}", fontsize=8)
        ax.set_ylabel(metric_name, fontsize=8)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    try:
        fig.savefig(out, format="png")
    except OSError as e:
        raise DataError(f"cannot write plot {str(out)!r}: {e}") from None
    return out
