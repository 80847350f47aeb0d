"""Coverage: which heuristics give a finite value on which of a set of networks, and why not where they fail.

:func:`heuristic_coverage` scores a set of networks (through :func:`archrank.score_models`) with every
heuristic of their domain that scores from one batch (those that train a network on a data set,
``needs`` "training", are left out: they are not a function of a batch) and the population combinations,
and returns a :class:`Coverage`: the value of each (heuristic, network) cell, the one-line reason of each
cell that failed (the recorded error), and the share of finite cells.  ``format_table`` prints it
heuristic x network (``+`` finite, ``-`` failed or not finite).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The population combinations a coverage table adds below the heuristics.
COMBINATION_ROWS = ("ranker", "az_nas", "te_nas", "vote")


@dataclass
class Coverage:
    """``values[heuristic][network]`` and ``reasons[heuristic][network]`` (failed cells only)."""

    heuristics: list[str]
    networks: list[str]
    values: dict[str, dict[str, float]]
    reasons: dict[str, dict[str, str]] = field(default_factory=dict)

    def finite(self, heuristic: str, network: str) -> bool:
        v = self.values.get(heuristic, {}).get(network, math.nan)
        return isinstance(v, float) and math.isfinite(v)

    @property
    def cells(self) -> int:
        return len(self.heuristics) * len(self.networks)

    @property
    def share(self) -> float:
        """Share of (heuristic, network) cells with a finite value."""
        ok = sum(self.finite(h, n) for h in self.heuristics for n in self.networks)
        return ok / self.cells if self.cells else math.nan

    def reason(self, heuristic: str, network: str) -> str:
        """The one line saying why a cell has no finite value ('' for a finite cell)."""
        if self.finite(heuristic, network):
            return ""
        text = self.reasons.get(heuristic, {}).get(network)
        if text:
            return text.splitlines()[0]
        v = self.values.get(heuristic, {}).get(network, math.nan)
        return f"the value is {v} (not finite)"

    def failures(self) -> list[tuple[str, str, str]]:
        """(heuristic, network, reason) of every cell without a finite value."""
        return [(h, n, self.reason(h, n)) for h in self.heuristics for n in self.networks if not self.finite(h, n)]

    def format_table(self) -> str:
        """The table heuristic x network (``+`` finite, ``-`` not), then the share and each failure's reason."""
        width = max(len(h) for h in self.heuristics)
        head = " " * width + "  " + " ".join(f"{i + 1:>2}" for i in range(len(self.networks)))
        lines = [head]
        for h in self.heuristics:
            marks = " ".join(f"{'+' if self.finite(h, n) else '-':>2}" for n in self.networks)
            lines.append(f"{h:<{width}}  {marks}")
        lines.append("networks: " + ", ".join(f"{i + 1} {n}" for i, n in enumerate(self.networks)))
        ok = round(self.share * self.cells)
        lines.append(f"finite: {ok} of {self.cells} cells ({100 * self.share:.1f}%)")
        by_reason: dict[tuple[str, str], list[str]] = {}
        for h, n, why in self.failures():
            by_reason.setdefault((h, why), []).append(n)
        for (h, why), nets in by_reason.items():
            where = "every network" if len(nets) == len(self.networks) else ", ".join(nets)
            lines.append(f"  {h} on {where}: {why}")
        return "\n".join(lines)


def batch_heuristics(domain: str = "image") -> list[str]:
    """The registered heuristics of ``domain`` that score from one batch (no training), sorted; the
    stand-ins ranked against a space's sample (``ranker``, ``az_nas``) are left to the combinations."""
    from archrank.heuristics import HEURISTICS

    out = []
    for n in HEURISTICS.names():
        h = HEURISTICS.get(n)
        if "training" in h.needs or n in COMBINATION_ROWS:
            continue
        if h.domains is None or domain in h.domains:
            out.append(n)
    return out


def heuristic_coverage(models: Mapping[str, Any], batch: Any, heuristics: Sequence[str] | None = None, *,
                       seed: int = 0, options: Mapping[str, Any] | None = None, **kwargs: Any) -> Coverage:
    """Score ``models`` with ``heuristics`` (default: :func:`batch_heuristics` of their domain and the
    combinations of :data:`COMBINATION_ROWS`) and return the :class:`Coverage`; ``kwargs`` go to
    :func:`archrank.score_models`."""
    from archrank.run.own_models import guess_domain, model_batch, score_models

    inputs, targets = model_batch(batch, seed)
    if heuristics is None:
        heuristics = [*batch_heuristics(kwargs.get("domain") or guess_domain(inputs)), *COMBINATION_ROWS]
    out = score_models(models, (inputs, targets), list(heuristics), seed=seed, options=options, **kwargs)
    rows = [h if h != "az_nas" else "az_nas_rank" for h in heuristics]
    values = {h: {m: out.values[m].get(h, math.nan) for m in out.values} for h in rows}
    reasons: dict[str, dict[str, str]] = {}
    for m, errs in out.errors.items():
        for h, why in errs.items():
            reasons.setdefault(h, {})[m] = why
    # a combination's cell fails when one of its members failed on that network: say which
    from archrank.heuristics.combinations import COMBINATIONS

    for h in rows:
        if h in COMBINATIONS:
            for m in out.values:
                bad = [p for p in COMBINATIONS.get(h).members if p in reasons and m in reasons[p]]
                if bad:
                    reasons.setdefault(h, {})[m] = f"member {bad[0]} failed: {reasons[bad[0]][m]}"
    return Coverage(rows, list(out.values), values, reasons)


__all__ = ["COMBINATION_ROWS", "Coverage", "batch_heuristics", "heuristic_coverage"]
