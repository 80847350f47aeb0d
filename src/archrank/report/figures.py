"""The report's pictures, each drawn from one table of :mod:`archrank.report.tables`, as PNG bytes.

matplotlib's Agg canvas only (no pyplot, no display, no global state).
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from archrank.errors import InvalidArgument
from archrank.report.scales import axis_scale, histogram_edges


def _figure(w: float, h: float):
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - a broken environment (matplotlib is a dependency)
        raise InvalidArgument("archrank report needs matplotlib, a dependency of archrank missing from this "
                              "environment: pip install 'matplotlib>=3.6'") from None
    fig = Figure(figsize=(w, h), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _panels(count: int, columns: int, height: float):
    """A figure with ``count`` panels, ``columns`` per row (3.4 inches wide, ``height`` high each), and its axes."""
    n = max(count, 1)
    cols = min(columns, n)
    nrows = math.ceil(n / cols)
    fig = _figure(3.4 * cols, height * nrows)
    return fig, [fig.add_subplot(nrows, cols, k + 1) for k in range(count)]


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def heatmap_png(heuristics: list[str], tasks: list[str], matrix: np.ndarray, low: np.ndarray | None = None,
                high: np.ndarray | None = None, colorbar: str = "Spearman rho") -> bytes:
    """Heuristic x task Spearman heatmap (from :func:`tables.heatmap_matrix`), values written in the cells,
    with the 95% interval under each value where ``low`` and ``high`` are given."""
    ci = low is not None and high is not None
    fig = _figure(2.2 + (1.9 if ci else 1.6) * len(tasks), 1.0 + (0.45 if ci else 0.32) * len(heuristics))
    ax = fig.add_subplot(1, 1, 1)
    im = ax.imshow(np.ma.masked_invalid(matrix), cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    ax.set_yticks(range(len(heuristics)), heuristics, fontsize=8)
    ax.set_xticks(range(len(tasks)), [t.replace(" / ", "\n") for t in tasks], fontsize=7)
    for i in range(len(heuristics)):
        for j in range(len(tasks)):
            v = matrix[i, j]
            text = "-" if not math.isfinite(v) else f"{v:.2f}"
            if ci and math.isfinite(v) and math.isfinite(low[i, j]):
                text += f"\n[{low[i, j]:.2f}, {high[i, j]:.2f}]"
            ax.text(j, i, text, ha="center", va="center", fontsize=6.5,
                    color="white" if math.isfinite(v) and abs(v) > 0.6 else "black")
    fig.colorbar(im, ax=ax, label=colorbar)
    fig.tight_layout()
    return _png(fig)


def scatter_png(rows: list[dict[str, Any]], stats: dict[str, dict[str, Any]], metric: str, columns: int = 4) -> bytes:
    """One panel per heuristic: stored score against the benchmark metric (from :func:`tables.scatter_rows`);
    the title gives rho, its 95% interval and n from ``stats`` (the heuristic's row of
    :func:`tables.spearman_rows`); the score axis follows :func:`scales.axis_scale`."""
    names = list(dict.fromkeys(r["heuristic"] for r in rows))
    fig, axes = _panels(len(names), columns, 3.0)
    for h, ax in zip(names, axes):
        sub = [r for r in rows if r["heuristic"] == h]
        s = np.array([r["score"] for r in sub])
        m = np.array([r["metric"] for r in sub])
        ax.scatter(s, m, s=4 if s.size > 300 else 10, alpha=0.5, linewidths=0)
        scale = axis_scale(s)
        scale.apply(ax, "x")
        arrow = "" if sub[0]["higher_is_better"] else ", lower is better"
        st = stats.get(h, {})
        ax.set_title(f"{h}: rho {_num(st.get('spearman'))} [{_num(st.get('spearman_low'), 2)}, "
                     f"{_num(st.get('spearman_high'), 2)}], n={st.get('n', s.size)}", fontsize=8)
        ax.set_xlabel(f"score ({scale.kind}{arrow})", fontsize=8)
        ax.set_ylabel(metric, fontsize=8)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return _png(fig)


def _num(v, digits: int = 3) -> str:
    return f"{v:.{digits}f}" if isinstance(v, (int, float)) and math.isfinite(v) else "nan"


def cost_png(rows: list[dict[str, Any]]) -> bytes:
    """Seconds per architecture (log) against Spearman with its 95% interval as a bar, one marker per
    heuristic, Pareto front joined."""
    fig = _figure(7.0, 4.4)
    ax = fig.add_subplot(1, 1, 1)
    for task in dict.fromkeys(r["task"] for r in rows):
        sub = [r for r in rows if r["task"] == task and math.isfinite(r["seconds_per_arch"])
               and r["seconds_per_arch"] > 0 and math.isfinite(r["spearman"])]
        if not sub:
            continue
        pts = ax.scatter([r["seconds_per_arch"] for r in sub], [r["spearman"] for r in sub], s=22, label=task)
        ax.errorbar([r["seconds_per_arch"] for r in sub], [r["spearman"] for r in sub],
                    yerr=[[max(0.0, r["spearman"] - r["spearman_low"]) if math.isfinite(r["spearman_low"]) else 0.0
                           for r in sub],
                          [max(0.0, r["spearman_high"] - r["spearman"]) if math.isfinite(r["spearman_high"]) else 0.0
                           for r in sub]],
                    fmt="none", ecolor=pts.get_facecolor()[0], alpha=0.5, lw=1)
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


def search_png(rows: list[dict[str, Any]], signal: str = "signal", report: str = "report") -> bytes:
    """Two panels from :func:`search_tables.search_curve_rows`: the best signal so far (median over runs, 25-75%
    band) and the report value of the recommendation (left out when no run has one), against the cost."""
    with_report = any(math.isfinite(r["report_median"]) for r in rows)
    fig = _figure(11.0 if with_report else 6.0, 4.2)
    left = fig.add_subplot(1, 2 if with_report else 1, 1)
    right = fig.add_subplot(1, 2, 2) if with_report else None
    for name in dict.fromkeys(r["strategy"] for r in rows):
        sub = [r for r in rows if r["strategy"] == name]
        x = [r["cost"] for r in sub]
        runs = max(r["runs"] for r in sub)
        (line,) = left.plot(x, [r["median"] for r in sub], label=f"{name} ({runs} runs)")
        left.fill_between(x, [r["q25"] for r in sub], [r["q75"] for r in sub], alpha=0.2, color=line.get_color())
        if right is not None:
            right.plot(x, [r["report_median"] for r in sub], color=line.get_color(), label=f"{name} ({runs} runs)")
            right.fill_between(x, [r["report_q25"] for r in sub], [r["report_q75"] for r in sub], alpha=0.2,
                               color=line.get_color())
    left.set_title(f"best {signal} so far", fontsize=9)
    left.set_ylabel(signal)
    if right is not None:
        right.set_title(f"{report} of the recommended architecture", fontsize=9)
        right.set_ylabel(report)
    for ax in (left, right):
        if ax is None:
            continue
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-3, 4))
        ax.set_xlabel("simulated seconds charged")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return _png(fig)


def distribution_png(values: dict[str, np.ndarray], columns: int = 4) -> bytes:
    """One histogram per heuristic of its finite scores as stored, on the axis :func:`scales.axis_scale`
    chooses (bins equally wide on that axis)."""
    names = list(values)
    fig, axes = _panels(len(names), columns, 2.6)
    for h, ax in zip(names, axes):
        v = np.asarray(values[h], dtype=float)
        v = v[np.isfinite(v)]
        scale = axis_scale(v)
        ax.hist(v, bins=histogram_edges(v, scale), color="#4477aa")
        scale.apply(ax, "x")
        ax.set_title(f"{h} (n={v.size})", fontsize=9)
        ax.set_xlabel(f"score ({scale.kind})", fontsize=8)
        ax.set_ylabel("architectures", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return _png(fig)


def cost_bar_png(rows: list[dict[str, Any]]) -> bytes:
    """Mean measured seconds per architecture of each heuristic (from :func:`own_tables.own_cost_rows`), log axis."""
    sub = sorted((r for r in rows if math.isfinite(r["seconds_per_arch"]) and r["seconds_per_arch"] > 0),
                 key=lambda r: r["seconds_per_arch"])
    fig = _figure(7.0, 1.0 + 0.3 * max(len(sub), 1))
    ax = fig.add_subplot(1, 1, 1)
    ax.barh([r["heuristic"] for r in sub], [r["seconds_per_arch"] for r in sub], color="#66aa55")
    ax.set_xscale("log")
    ax.set_xlabel("measured seconds per architecture")
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return _png(fig)


def top_png(rows: list[dict[str, Any]], metric: str, best: float) -> bytes:
    """The metric of each heuristic's top-ranked architectures (from :func:`tables.top_rows`), one column of
    dots per heuristic (the first pick larger), against ``best``, the best metric among the task's
    architectures (dashed)."""
    names = list(dict.fromkeys(r["heuristic"] for r in rows))
    fig = _figure(max(5.0, 1.0 + 0.45 * len(names)), 4.0)
    ax = fig.add_subplot(1, 1, 1)
    for i, h in enumerate(names):
        sub = [r for r in rows if r["heuristic"] == h and math.isfinite(r["metric"])]
        ax.scatter([i] * len(sub), [r["metric"] for r in sub], s=[40 if r["rank"] == 1 else 12 for r in sub],
                   alpha=0.6, color="#aa3377", linewidths=0)
    if math.isfinite(best):
        ax.axhline(best, ls="--", lw=1, color="#555", label=f"best in the sample ({best:.2f})")
        ax.legend(fontsize=7, loc="lower right")
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel(metric)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return _png(fig)
