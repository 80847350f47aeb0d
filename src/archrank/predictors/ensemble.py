"""An ensemble of registered predictors, each optionally on a subset of the feature groups.

``members`` is a comma-separated list of ``NAME`` or ``NAME:GROUP+GROUP`` items: ``rf,gp:graph+zc`` fits a
random forest on every column and a Gaussian process on the graph features and heuristic scores only
(groups are the feature-name prefixes ``enc``, ``graph`` and ``zc``, so a group subset needs the feature
names, which ``archrank predict`` and the saved form pass).  Every member is fitted on the ensemble's
targets (already normal scores of the ranks, or standardised) with the ensemble's seed and default
hyperparameters; the prediction is the mean of the members' means, and the standard deviation combines
their own (members without one count 0) with their disagreement: ``sqrt(mean(s_i^2) + var(m_i))``.

Why per-member groups: an isotropic kernel sees every standardised column alike, so the 30 one-hot
encoding columns of NB201 dominate a GP's distances and it ranks worse with them than without, while a
forest chooses its splits and gains from them; averaging the two models' predictions (different errors)
ranked NB201 better than either (docs/predictors.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from archrank.errors import InvalidArgument
from archrank.predictors.base import PREDICTORS, Predictor, make_predictor, register_predictor

GROUPS = ("enc", "graph", "zc")


def parse_members(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """``"rf,gp:graph+zc"`` -> ``[("rf", ()), ("gp", ("graph", "zc"))]``; errors name the bad item."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgument(f"members must name at least one predictor, got {text!r}", parameter="members")
    out = []
    for item in text.split(","):
        name, _, groups = item.strip().partition(":")
        if name == "ensemble" or name not in PREDICTORS.names():
            valid = ", ".join(n for n in PREDICTORS.names() if n != "ensemble")
            raise InvalidArgument(f"ensemble member {name!r} is not a predictor; valid: {valid}", parameter="members")
        gs = tuple(g for g in groups.split("+")) if groups else ()
        bad = [g for g in gs if g not in GROUPS]
        if bad:
            raise InvalidArgument(f"ensemble member {item.strip()!r}: unknown feature group {bad[0]!r}; valid: "
                                  + ", ".join(GROUPS), parameter="members")
        out.append((name, gs))
    return out


@register_predictor("ensemble")
class Ensemble(Predictor):
    """Mean of ``members`` (``NAME[:GROUP+GROUP]``, comma-separated), each seeded with ``seed``."""

    has_uncertainty = True

    def __init__(self, *, members: str = "rf,gp", **kw):
        super().__init__(**kw)
        parse_members(members)
        self.members = members

    def _columns(self, groups: Sequence[str]) -> np.ndarray:
        if not groups:
            return np.arange(self.n_features_)
        if self.feature_names_ is None:
            raise InvalidArgument(f"ensemble members {self.members!r} choose feature groups: fit needs the "
                                  "feature names (names=...)", parameter="members")
        cols = np.array([j for j, n in enumerate(self.feature_names_) if n.split(":", 1)[0] in groups], dtype=int)
        if cols.size == 0:
            raise InvalidArgument(f"no feature of the groups {'+'.join(groups)} among the features given",
                                  parameter="members")
        return cols

    def _fit(self, X: np.ndarray, y: np.ndarray) -> None:
        self._fitted_members = []
        for name, groups in parse_members(self.members):
            cols = self._columns(groups)
            model = make_predictor(name, seed=self.seed, targets=self.targets).fit(X[:, cols], y)
            self._fitted_members.append((model, cols))

    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        means, var = [], []
        for model, cols in self._fitted_members:
            p = model.predict(X[:, cols])
            means.append(p.mean)
            var.append(np.zeros_like(p.mean) if p.std is None else p.std ** 2)
        m = np.stack(means)
        return m.mean(axis=0), np.sqrt(np.stack(var).mean(axis=0) + m.var(axis=0))
