"""The demo's short plain answer: which heuristic ranks best, at what cost, and what guided search found."""

from __future__ import annotations

import math

from archrank.demo.guided_search import BASELINES, GUIDED, POPULATION
from archrank.demo.ranking import MEAN_RANK

TITLES = {"cifar10": "CIFAR-10", "fashion-mnist": "Fashion-MNIST"}


def _pm(row: dict) -> str:
    def f(x):
        return "nan" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"

    return f"{f(row.get('test_mean'))} +- {f(row.get('test_std'))} %"


def _space_title(res) -> str:
    space = getattr(res, "space", "nb201")
    return "NB201" if space == "nb201" else space


def answer_lines(res) -> list[str]:
    """The answer of a :class:`~archrank.demo.pipeline.DemoResult`, one sentence a line."""
    data = TITLES.get(res.dataset, res.dataset)
    lines = []
    b = res.best
    if b is None:
        return [(f"No heuristic gave a finite Spearman against {res.metric} over the {res.n_archs} architectures; "
                "nothing to guide a search with.")]
    lines.append(f"Best ranking heuristic: {b['heuristic']}, Spearman {b['spearman']:.3f} (Kendall {b['kendall']:.3f}) "
                 f"against {res.metric} over {b['n']} {_space_title(res)} architectures, at {b['seconds_per_arch']:.3f} s per "
                 f"architecture (measured here, one batch of {res.batch_size} {data} images).")
    mean = next((r for r in res.ranking if r["heuristic"] == MEAN_RANK), None)
    if mean is not None and math.isfinite(mean["spearman"]):
        than = "better than" if mean["spearman"] > b["spearman"] else "no better than"
        lines.append(f"The mean rank of all {len(res.ranking) - 1} heuristics does {than} that: Spearman "
                     f"{mean['spearman']:.3f}, at {mean['seconds_per_arch']:.3f} s per architecture.")
    s = res.search
    if s:
        rows = {r["strategy"]: r for r in s["rows"]}
        g = rows[GUIDED]
        base = "; ".join(f"{'REA' if n == 'rea' else 'random search'} {_pm(rows[n])}" for n in BASELINES if n in rows)
        lines.append(f"Guided search (REA started from the {min(POPULATION, s['warmup'])} best of the {s['warmup']} architectures by "
                     f"{s['heuristic']}, their scoring charged) found {_pm(g)} test accuracy; {base}; same budget "
                     f"of {s['budget_seconds']:,.0f} simulated seconds, {s['runs']} runs each, mean +- std "
                     f"(best in the table {s['best_in_table']:.2f} %).")
    t = res.training
    if t is not None:
        rho = t["trained_vs_benchmark"]["spearman"]
        lines.append(f"Real training of {t['n']} of them ({t['regime']}): Spearman {rho:.3f} against {res.metric}. "
                     f"Caveat: {t['caveat']}.")
    if getattr(res, "search_skipped", None):
        lines.append(f"Search: {res.search_skipped}.")
    if res.nonfinite_line:
        lines.append(f"Non-finite scores: {res.nonfinite_line}.")
    return lines
