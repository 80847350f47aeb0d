"""Published rank correlations to compare a suite table with, and confidence intervals for a sample size.

:data:`ANCHORS` holds figures measured by others (quoted, not computed here), keyed by (task, heuristic):
Abdelfattah et al. (ICLR 2021, from their released notebook) on all 423,624 NAS-Bench-101 cells.
:func:`spearman_ci` is the Fisher-z interval of a Spearman coefficient over ``n`` pairs, the one interval
archrank reports everywhere (:func:`archrank.metrics.spearman_interval`: Bonett and Wright's standard error).
:func:`compare` lines a table's cells up with the anchors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from archrank.metrics import spearman_interval
from archrank.suite.table import SuiteTable

#: (task, heuristic) -> published Spearman, and where it comes from.
ANCHORS: dict[tuple[str, str], tuple[float, str]] = {
    ("nb101-cifar10", h): (v, "Abdelfattah et al. 2021, all 423,624 NB101 cells") for h, v in (
        ("grad_norm", 0.198), ("snip", 0.164), ("grasp", 0.448), ("fisher", 0.257), ("synflow", 0.372),
        ("jacob_cov", 0.378))
}


def spearman_ci(rho: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Fisher-z interval of a Spearman ``rho`` over ``n`` pairs (NaN for n <= 3 or a NaN rho)."""
    return spearman_interval(rho, n, level)


@dataclass
class Comparison:
    task: str
    heuristic: str
    n: int
    ours: float
    low: float
    high: float
    published: float
    source: str

    @property
    def differs(self) -> bool:
        """More than 0.05 apart."""
        return abs(self.ours - self.published) > 0.05

    @property
    def inside(self) -> bool:
        """The published figure lies inside our interval."""
        return self.low <= self.published <= self.high


def compare(table: SuiteTable, level: float = 0.95) -> list[Comparison]:
    """Every cell of ``table`` with an anchor and a computed Spearman, with its interval."""
    out = []
    for (task, h), (v, src) in ANCHORS.items():
        if task not in table.tasks or h not in table.heuristics:
            continue
        c = table.cell(h, task)
        if c.skipped or not math.isfinite(c.spearman):
            continue
        lo, hi = spearman_ci(c.spearman, c.n, level)
        out.append(Comparison(task, h, c.n, c.spearman, lo, hi, v, src))
    return out


__all__ = ["ANCHORS", "Comparison", "compare", "spearman_ci"]
